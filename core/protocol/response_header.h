// The header in front of every response body (Kafka's ResponseHeader.json, versions 0-1).
//
//   ResponseHeader header;
//   header.correlation_id = request_header.correlation_id;
//   header.encode(writer, response_header_version(api_key, api_version));
//
// v0 = correlation id; v1 (flexible responses) adds a tagged-field section. ApiVersions
// responses always use v0 (see response_header_version() in core/protocol/api_schema.h).
#pragma once

#include <cstdint>

#include "core/base/result.h"
#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"

namespace brook::protocol {

struct ResponseHeader {
    int32_t correlation_id = 0;

    // Reads a header of the given header version (0-1). Unknown tags in v1 are skipped.
    Result<void> decode(ByteReader& reader, int16_t header_version);
    // header_version must be 0 or 1.
    void encode(ByteWriter& writer, int16_t header_version) const;
    bool operator==(const ResponseHeader&) const = default;
};

}  // namespace brook::protocol
