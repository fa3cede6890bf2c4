#include "core/protocol/api_schema.h"

#include "core/protocol/generated/api_schemas.h"

namespace brook::protocol {

const ApiSchema* find_api_schema(ApiKey api_key) {
    for (const ApiSchema& schema : kApiSchemas) {
        if (schema.api_key == api_key) return &schema;
    }
    return nullptr;
}

bool is_supported_version(ApiKey api_key, int16_t version) {
    const ApiSchema* schema = find_api_schema(api_key);
    return schema != nullptr && version >= schema->min_version && version <= schema->max_version;
}

bool is_flexible(ApiKey api_key, int16_t version) {
    const ApiSchema* schema = find_api_schema(api_key);
    return schema != nullptr && version >= schema->flexible_from;
}

int16_t request_header_version(ApiKey api_key, int16_t version) {
    return is_flexible(api_key, version) ? 2 : 1;
}

int16_t response_header_version(ApiKey api_key, int16_t version) {
    if (api_key == ApiKey::api_versions) return 0;
    return is_flexible(api_key, version) ? 1 : 0;
}

}  // namespace brook::protocol
