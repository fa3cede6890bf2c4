#include "core/protocol/byte_writer.h"

#include <bit>
#include <limits>

#include "core/base/check.h"

namespace brook::protocol {

namespace {

template <typename Unsigned>
void append_big_endian(std::vector<uint8_t>& buffer, Unsigned value) {
    for (int shift = (sizeof(Unsigned) - 1) * 8; shift >= 0; shift -= 8) {
        buffer.push_back(static_cast<uint8_t>(value >> shift));
    }
}

}  // namespace

void ByteWriter::write_int8(int8_t value) { buffer_.push_back(static_cast<uint8_t>(value)); }
void ByteWriter::write_int16(int16_t value) {
    append_big_endian(buffer_, static_cast<uint16_t>(value));
}
void ByteWriter::write_int32(int32_t value) {
    append_big_endian(buffer_, static_cast<uint32_t>(value));
}
void ByteWriter::write_int64(int64_t value) {
    append_big_endian(buffer_, static_cast<uint64_t>(value));
}
void ByteWriter::write_uint16(uint16_t value) { append_big_endian(buffer_, value); }
void ByteWriter::write_uint32(uint32_t value) { append_big_endian(buffer_, value); }
void ByteWriter::write_float64(double value) {
    append_big_endian(buffer_, std::bit_cast<uint64_t>(value));
}
void ByteWriter::write_bool(bool value) { buffer_.push_back(value ? 1 : 0); }
void ByteWriter::write_uuid(const Uuid& value) { write_raw(value); }

void ByteWriter::write_unsigned_varint(uint32_t value) {
    while (value >= 0x80) {
        buffer_.push_back(static_cast<uint8_t>(value | 0x80));
        value >>= 7;
    }
    buffer_.push_back(static_cast<uint8_t>(value));
}

void ByteWriter::write_unsigned_varlong(uint64_t value) {
    while (value >= 0x80) {
        buffer_.push_back(static_cast<uint8_t>(value | 0x80));
        value >>= 7;
    }
    buffer_.push_back(static_cast<uint8_t>(value));
}

void ByteWriter::write_varint(int32_t value) {
    uint32_t bits = static_cast<uint32_t>(value);
    write_unsigned_varint((bits << 1) ^ (value < 0 ? 0xffffffffu : 0u));
}

void ByteWriter::write_varlong(int64_t value) {
    uint64_t bits = static_cast<uint64_t>(value);
    write_unsigned_varlong((bits << 1) ^ (value < 0 ? ~uint64_t{0} : uint64_t{0}));
}

void ByteWriter::write_length(std::size_t length, bool compact, bool sixteen_bit) {
    if (compact) {
        ASSERT(length < std::numeric_limits<uint32_t>::max(), "compact length {} too large",
              length);
        write_unsigned_varint(static_cast<uint32_t>(length + 1));
    } else if (sixteen_bit) {
        ASSERT(length <= static_cast<std::size_t>(std::numeric_limits<int16_t>::max()),
              "string of {} bytes has no int16-length encoding", length);
        write_int16(static_cast<int16_t>(length));
    } else {
        ASSERT(length <= static_cast<std::size_t>(std::numeric_limits<int32_t>::max()),
              "length {} has no int32 encoding", length);
        write_int32(static_cast<int32_t>(length));
    }
}

void ByteWriter::write_string(std::string_view value, bool compact) {
    write_length(value.size(), compact, /*sixteen_bit=*/true);
    buffer_.insert(buffer_.end(), value.begin(), value.end());
}

void ByteWriter::write_nullable_string(const std::optional<std::string>& value, bool compact) {
    if (!value) {
        if (compact) {
            write_unsigned_varint(0);
        } else {
            write_int16(-1);
        }
        return;
    }
    write_string(*value, compact);
}

void ByteWriter::write_bytes(std::span<const uint8_t> value, bool compact) {
    write_length(value.size(), compact, /*sixteen_bit=*/false);
    write_raw(value);
}

void ByteWriter::write_nullable_bytes(const std::optional<std::vector<uint8_t>>& value,
                                      bool compact) {
    if (!value) {
        if (compact) {
            write_unsigned_varint(0);
        } else {
            write_int32(-1);
        }
        return;
    }
    write_bytes(*value, compact);
}

void ByteWriter::write_array_count(std::size_t count, bool compact) {
    write_length(count, compact, /*sixteen_bit=*/false);
}

void ByteWriter::write_null_array(bool compact) {
    if (compact) {
        write_unsigned_varint(0);
    } else {
        write_int32(-1);
    }
}

void ByteWriter::write_raw(std::span<const uint8_t> bytes) {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void ByteWriter::overwrite_int32(std::size_t position, int32_t value) {
    ASSERT(position + 4 <= buffer_.size(), "overwrite at {} beyond {} bytes", position,
          buffer_.size());
    uint32_t bits = static_cast<uint32_t>(value);
    for (int i = 0; i < 4; ++i) buffer_[position + i] = static_cast<uint8_t>(bits >> (24 - 8 * i));
}

}  // namespace brook::protocol
