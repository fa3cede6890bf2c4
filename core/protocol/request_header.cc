#include "core/protocol/request_header.h"

#include "core/base/check.h"
#include "core/protocol/api_schema.h"

namespace brook::protocol {

namespace {

// Reads the part every header version shares.
Result<void> decode_prefix(ByteReader& reader, RequestHeader& header) {
    TRY_ASSIGN(int16_t api_key, reader.read_int16());
    header.api_key = static_cast<ApiKey>(api_key);
    TRY_ASSIGN(header.api_version, reader.read_int16());
    TRY_ASSIGN(header.correlation_id, reader.read_int32());
    return ok();
}

Result<void> decode_rest(ByteReader& reader, RequestHeader& header, int16_t header_version) {
    if (header_version >= 1) {
        BROOK_READ_FIELD(header.client_id, reader.read_nullable_string(/*compact=*/false),
                         "client_id");
    }
    if (header_version >= 2) BROOK_TRY_FIELD(reader.skip_tagged_fields(), "tagged fields");
    return ok();
}

}  // namespace

Result<void> RequestHeader::decode(ByteReader& reader, int16_t header_version) {
    if (header_version < 0 || header_version > 2) {
        return Error(ErrorCode::invalid_argument, "request header version must be 0-2");
    }
    *this = RequestHeader{};
    if (auto result = decode_prefix(reader, *this); !result) {
        return result.error().wrap("request header");
    }
    if (auto result = decode_rest(reader, *this, header_version); !result) {
        return result.error().wrap("request header");
    }
    return ok();
}

void RequestHeader::encode(ByteWriter& writer, int16_t header_version) const {
    ASSERT(header_version >= 0 && header_version <= 2, "request header v{}", header_version);
    writer.write_int16(static_cast<int16_t>(api_key));
    writer.write_int16(api_version);
    writer.write_int32(correlation_id);
    if (header_version >= 1) {
        writer.write_nullable_string(client_id, /*compact=*/false);
    } else {
        ASSERT(!client_id.has_value(), "request header v0 cannot carry a client id");
    }
    if (header_version >= 2) writer.write_unsigned_varint(0);  // no tagged fields
}

Result<RequestHeader> decode_request_header(ByteReader& reader) {
    RequestHeader header;
    if (auto result = decode_prefix(reader, header); !result) {
        return result.error().wrap("request header");
    }
    int16_t header_version = request_header_version(header.api_key, header.api_version);
    if (auto result = decode_rest(reader, header, header_version); !result) {
        return result.error().wrap("request header");
    }
    return header;
}

}  // namespace brook::protocol
