#include "core/protocol/byte_reader.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>

namespace brook::protocol {

namespace {

template <typename Unsigned>
Unsigned load_big_endian(std::span<const uint8_t> bytes) {
    Unsigned value = 0;
    for (uint8_t byte : bytes) value = static_cast<Unsigned>((value << 8) | byte);
    return value;
}

}  // namespace

Error ByteReader::corruption(std::string_view what) const {
    return Error(ErrorCode::corruption,
                 fmt::format("{} at offset {} of {}", what, position_, bytes_.size()));
}

Result<std::span<const uint8_t>> ByteReader::take(std::size_t size, std::string_view what) {
    if (size > remaining()) {
        return corruption(fmt::format("{} needs {} bytes, {} left", what, size, remaining()));
    }
    std::span<const uint8_t> taken = bytes_.subspan(position_, size);
    position_ += size;
    return taken;
}

Result<int8_t> ByteReader::read_int8() {
    TRY_ASSIGN(auto bytes, take(1, "int8"));
    return static_cast<int8_t>(bytes[0]);
}

Result<int16_t> ByteReader::read_int16() {
    TRY_ASSIGN(auto bytes, take(2, "int16"));
    return static_cast<int16_t>(load_big_endian<uint16_t>(bytes));
}

Result<int32_t> ByteReader::read_int32() {
    TRY_ASSIGN(auto bytes, take(4, "int32"));
    return static_cast<int32_t>(load_big_endian<uint32_t>(bytes));
}

Result<int64_t> ByteReader::read_int64() {
    TRY_ASSIGN(auto bytes, take(8, "int64"));
    return static_cast<int64_t>(load_big_endian<uint64_t>(bytes));
}

Result<uint16_t> ByteReader::read_uint16() {
    TRY_ASSIGN(auto bytes, take(2, "uint16"));
    return load_big_endian<uint16_t>(bytes);
}

Result<uint32_t> ByteReader::read_uint32() {
    TRY_ASSIGN(auto bytes, take(4, "uint32"));
    return load_big_endian<uint32_t>(bytes);
}

Result<double> ByteReader::read_float64() {
    TRY_ASSIGN(auto bytes, take(8, "float64"));
    return std::bit_cast<double>(load_big_endian<uint64_t>(bytes));
}

Result<bool> ByteReader::read_bool() {
    TRY_ASSIGN(auto bytes, take(1, "bool"));
    return bytes[0] != 0;
}

Result<Uuid> ByteReader::read_uuid() {
    TRY_ASSIGN(auto bytes, take(16, "uuid"));
    Uuid uuid;
    std::memcpy(uuid.data(), bytes.data(), uuid.size());
    return uuid;
}

Result<uint32_t> ByteReader::read_unsigned_varint() {
    uint32_t value = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
        if (empty()) return corruption("truncated unsigned varint");
        uint8_t byte = bytes_[position_++];
        // The fifth byte may only carry the top 4 bits of a 32-bit value.
        if (shift == 28 && byte > 0x0f) return corruption("unsigned varint exceeds 32 bits");
        value |= static_cast<uint32_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return value;
    }
    return corruption("unsigned varint exceeds 32 bits");  // unreachable: byte > 0x0f above
}

Result<uint64_t> ByteReader::read_unsigned_varlong() {
    uint64_t value = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
        if (empty()) return corruption("truncated unsigned varlong");
        uint8_t byte = bytes_[position_++];
        // The tenth byte may only carry the top bit of a 64-bit value.
        if (shift == 63 && byte > 0x01) return corruption("unsigned varlong exceeds 64 bits");
        value |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return value;
    }
    return corruption("unsigned varlong exceeds 64 bits");
}

Result<int32_t> ByteReader::read_varint() {
    TRY_ASSIGN(uint32_t raw, read_unsigned_varint());
    return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

Result<int64_t> ByteReader::read_varlong() {
    TRY_ASSIGN(uint64_t raw, read_unsigned_varlong());
    return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

Result<int64_t> ByteReader::read_length(bool compact, bool sixteen_bit, std::string_view what) {
    int64_t length = 0;
    if (compact) {
        TRY_ASSIGN(uint32_t encoded, read_unsigned_varint());
        length = static_cast<int64_t>(encoded) - 1;
    } else if (sixteen_bit) {
        TRY_ASSIGN(int16_t encoded, read_int16());
        length = encoded;
    } else {
        TRY_ASSIGN(int32_t encoded, read_int32());
        length = encoded;
    }
    if (length < -1) return corruption(fmt::format("negative {} length {}", what, length));
    if (length > static_cast<int64_t>(remaining())) {
        return corruption(fmt::format("{} length {} exceeds the {} bytes left", what, length,
                                      remaining()));
    }
    return length;
}

Result<std::optional<std::string>> ByteReader::read_nullable_string(bool compact) {
    TRY_ASSIGN(int64_t length, read_length(compact, /*sixteen_bit=*/true, "string"));
    if (length < 0) return std::optional<std::string>();
    TRY_ASSIGN(auto bytes, take(static_cast<std::size_t>(length), "string"));
    return std::optional<std::string>(std::in_place, bytes.begin(), bytes.end());
}

Result<std::string> ByteReader::read_string(bool compact) {
    TRY_ASSIGN(auto string, read_nullable_string(compact));
    if (!string) return corruption("null string where null is not allowed");
    return std::move(*string);
}

Result<std::optional<std::vector<uint8_t>>> ByteReader::read_nullable_bytes(bool compact) {
    TRY_ASSIGN(int64_t length, read_length(compact, /*sixteen_bit=*/false, "bytes"));
    if (length < 0) return std::optional<std::vector<uint8_t>>();
    TRY_ASSIGN(auto bytes, take(static_cast<std::size_t>(length), "bytes"));
    return std::optional<std::vector<uint8_t>>(std::in_place, bytes.begin(), bytes.end());
}

Result<std::vector<uint8_t>> ByteReader::read_bytes(bool compact) {
    TRY_ASSIGN(auto bytes, read_nullable_bytes(compact));
    if (!bytes) return corruption("null bytes where null is not allowed");
    return std::move(*bytes);
}

Result<int32_t> ByteReader::read_nullable_array_count(bool compact,
                                                      std::size_t min_element_bytes) {
    ASSERT(min_element_bytes >= 1, "every array element takes at least one byte");
    int64_t count = 0;
    if (compact) {
        TRY_ASSIGN(uint32_t encoded, read_unsigned_varint());
        count = static_cast<int64_t>(encoded) - 1;
    } else {
        TRY_ASSIGN(int32_t encoded, read_int32());
        count = encoded;
    }
    if (count < -1) return corruption(fmt::format("negative array count {}", count));
    if (count > static_cast<int64_t>(remaining() / min_element_bytes)) {
        return corruption(fmt::format("array count {} cannot fit in the {} bytes left", count,
                                      remaining()));
    }
    return static_cast<int32_t>(count);
}

Result<int32_t> ByteReader::read_array_count(bool compact, std::size_t min_element_bytes) {
    TRY_ASSIGN(int32_t count, read_nullable_array_count(compact, min_element_bytes));
    if (count < 0) return corruption("null array where null is not allowed");
    return count;
}

Result<std::span<const uint8_t>> ByteReader::read_span(std::size_t size) {
    return take(size, "raw bytes");
}

Result<ByteReader> ByteReader::read_sub_reader(std::size_t size) {
    TRY_ASSIGN(auto bytes, take(size, "nested section"));
    return ByteReader(bytes);
}

Result<void> ByteReader::skip(std::size_t size) {
    TRY(take(size, "skipped bytes"));
    return ok();
}

Result<TaggedField> ByteReader::read_tagged_field() {
    TaggedField field;
    TRY_ASSIGN(field.tag, read_unsigned_varint());
    TRY_ASSIGN(uint32_t size, read_unsigned_varint());
    TRY_ASSIGN(field.payload, read_sub_reader(size));
    return field;
}

Result<void> ByteReader::skip_tagged_fields() {
    TRY_ASSIGN(uint32_t count, read_unsigned_varint());
    // Each field takes at least two bytes, so a hostile count ends at the first short read.
    for (uint32_t i = 0; i < count; ++i) TRY(read_tagged_field());
    return ok();
}

Result<void> ByteReader::expect_end() const {
    if (!empty()) return corruption(fmt::format("{} unexpected trailing bytes", remaining()));
    return ok();
}

}  // namespace brook::protocol
