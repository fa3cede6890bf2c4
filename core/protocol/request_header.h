// The header in front of every request body (Kafka's RequestHeader.json, versions 0-2).
//
//   ByteReader reader(frame);                        // the frame without its int32 size
//   TRY_ASSIGN(RequestHeader header, decode_request_header(reader));
//   TRY_ASSIGN(AnyRequest request, decode_request(header.api_key, header.api_version,
//                                                 frame.subspan(reader.position())));
//
// v0 = api key, api version, correlation id; v1 adds the client id; v2 (flexible requests) adds
// a tagged-field section. The client id stays a classic int16-length nullable string in v2, so
// that a broker can read any ApiVersions header before it knows the request's flexibility.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/protocol/api_key.h"
#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"

namespace brook::protocol {

struct RequestHeader {
    ApiKey api_key = ApiKey::produce;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    // v1+. Null is allowed, and distinct from "".
    std::optional<std::string> client_id;

    // Reads a header of the given header version (0-2). Unknown tags in v2 are skipped.
    Result<void> decode(ByteReader& reader, int16_t header_version);
    // header_version must be 0-2; in v0 the client id must be null.
    void encode(ByteWriter& writer, int16_t header_version) const;
    bool operator==(const RequestHeader&) const = default;
};

// Reads a header whose version follows from its own api key and version, as a broker must:
// request_header_version() in core/protocol/api_schema.h. An unknown api key or version still
// yields a header (read as v1, or v2 for a flexible version of a known API), so the broker can
// answer it; the body is the caller's to reject.
Result<RequestHeader> decode_request_header(ByteReader& reader);

}  // namespace brook::protocol
