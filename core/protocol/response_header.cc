#include "core/protocol/response_header.h"

#include "core/base/check.h"

namespace brook::protocol {

Result<void> ResponseHeader::decode(ByteReader& reader, int16_t header_version) {
    if (header_version < 0 || header_version > 1) {
        return Error(ErrorCode::invalid_argument, "response header version must be 0-1");
    }
    *this = ResponseHeader{};
    BROOK_READ_FIELD(correlation_id, reader.read_int32(), "response header: correlation_id");
    if (header_version >= 1) {
        BROOK_TRY_FIELD(reader.skip_tagged_fields(), "response header: tagged fields");
    }
    return ok();
}

void ResponseHeader::encode(ByteWriter& writer, int16_t header_version) const {
    ASSERT(header_version >= 0 && header_version <= 1, "response header v{}", header_version);
    writer.write_int32(correlation_id);
    if (header_version >= 1) writer.write_unsigned_varint(0);  // no tagged fields
}

}  // namespace brook::protocol
