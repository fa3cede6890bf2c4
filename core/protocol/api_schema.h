// What Kafka's schemas say about each API Brook codes: the versions defined and where the
// flexible (KIP-482) versions begin, and from that which header versions frame a message.
//
//   if (!is_supported_version(header.api_key, header.api_version)) close_connection();
//   int16_t response_header = response_header_version(ApiKey::api_versions, 3);  // 0, always
//
// The table itself, kApiSchemas, is generated from the schemas into
// core/protocol/generated/api_schemas.h. The broker derives its ApiVersions answer from the
// version ranges its handlers declare, which must lie within these.
#pragma once

#include <cstdint>
#include <limits>

#include "core/protocol/api_key.h"

namespace brook::protocol {

// flexible_from for an API whose versions are all classic.
inline constexpr int16_t kNeverFlexible = std::numeric_limits<int16_t>::max();

struct ApiSchema {
    ApiKey api_key;
    int16_t min_version;
    int16_t max_version;
    // First flexible version, or kNeverFlexible. Flexibility is open-ended ("9+"), so it also
    // answers for versions above max_version.
    int16_t flexible_from;
};

// The schema of an API Brook has a codec for, or nullptr.
const ApiSchema* find_api_schema(ApiKey api_key);

// Brook has a codec for this API at this version.
bool is_supported_version(ApiKey api_key, int16_t version);

// The version uses compact encodings and tagged fields. False for an API without a codec.
bool is_flexible(ApiKey api_key, int16_t version);

// Request header version: 2 for flexible versions, 1 otherwise (0, only ControlledShutdown v0,
// is not served). An API without a codec gets 1, so its header can still be read and answered.
int16_t request_header_version(ApiKey api_key, int16_t version);

// Response header version: 1 for flexible versions, 0 otherwise, and always 0 for ApiVersions
// (KIP-511: a client must be able to read it before it knows the broker's versions).
int16_t response_header_version(ApiKey api_key, int16_t version);

}  // namespace brook::protocol
