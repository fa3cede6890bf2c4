// Bounds-checked reading of Kafka's wire primitives from a byte span.
//
//   ByteReader reader(frame_body);
//   TRY_ASSIGN(int16_t acks, reader.read_int16());
//   TRY_ASSIGN(std::string topic, reader.read_string(/*compact=*/false));
//
// Every read checks the remaining length first and returns ErrorCode::corruption with the byte
// offset on short or malformed input; nothing here ASSERTs or misbehaves on hostile bytes. Integers
// are big-endian; "compact" selects the encodings of flexible versions (KIP-482), where a length
// or count N is written as the unsigned varint N+1 and 0 means null. A reader never copies or
// owns the bytes; the span must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/protocol/uuid.h"

namespace brook::protocol {

class ByteReader;

// One entry of a tagged-field section: its tag and a reader over exactly its payload.
struct TaggedField;

class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    std::size_t position() const { return position_; }
    std::size_t remaining() const { return bytes_.size() - position_; }
    bool empty() const { return remaining() == 0; }

    Result<int8_t> read_int8();
    Result<int16_t> read_int16();
    Result<int32_t> read_int32();
    Result<int64_t> read_int64();
    Result<uint16_t> read_uint16();
    Result<uint32_t> read_uint32();
    Result<double> read_float64();
    // Any non-zero byte is true, as in Kafka.
    Result<bool> read_bool();
    Result<Uuid> read_uuid();

    // Little-endian base-128, at most 5 bytes, value must fit in 32 bits.
    Result<uint32_t> read_unsigned_varint();
    // Little-endian base-128, at most 10 bytes, value must fit in 64 bits.
    Result<uint64_t> read_unsigned_varlong();
    // Zigzag-encoded signed varints, as in record fields.
    Result<int32_t> read_varint();
    Result<int64_t> read_varlong();

    // STRING (int16 length) or COMPACT_STRING; null is corruption here.
    Result<std::string> read_string(bool compact);
    Result<std::optional<std::string>> read_nullable_string(bool compact);
    // BYTES (int32 length) or COMPACT_BYTES; null is corruption here.
    Result<std::vector<uint8_t>> read_bytes(bool compact);
    Result<std::optional<std::vector<uint8_t>>> read_nullable_bytes(bool compact);

    // ARRAY (int32 count) or COMPACT_ARRAY count. The count is validated against the remaining
    // bytes, given that every element takes at least min_element_bytes (>= 1), so a hostile
    // count fails here instead of reserving memory. Null is corruption here.
    Result<int32_t> read_array_count(bool compact, std::size_t min_element_bytes);
    // As above, but null yields -1.
    Result<int32_t> read_nullable_array_count(bool compact, std::size_t min_element_bytes);

    // The next `size` bytes, consumed.
    Result<std::span<const uint8_t>> read_span(std::size_t size);
    // A reader over the next `size` bytes, which this reader skips.
    Result<ByteReader> read_sub_reader(std::size_t size);
    Result<void> skip(std::size_t size);

    // One tagged field header (uvarint tag, uvarint size) and its payload.
    Result<TaggedField> read_tagged_field();
    // A whole tagged-field section whose tags are all unknown to the caller.
    Result<void> skip_tagged_fields();

    // Corruption unless every byte was consumed (for a tagged field's payload, a whole body).
    Result<void> expect_end() const;

    // A corruption error naming the current offset, for callers that validate values.
    Error corruption(std::string_view what) const;

private:
    Result<std::span<const uint8_t>> take(std::size_t size, std::string_view what);
    // Reads a length prefix: -1 for null, otherwise checked against the remaining bytes.
    Result<int64_t> read_length(bool compact, bool sixteen_bit, std::string_view what);

    std::span<const uint8_t> bytes_;
    std::size_t position_ = 0;
};

struct TaggedField {
    uint32_t tag = 0;
    ByteReader payload;
};

}  // namespace brook::protocol

// Generated decoders read field by field; the field name becomes the error's context:
//   BROOK_READ_FIELD(acks, reader.read_int16(), "acks");
#define BROOK_READ_FIELD(target, expression, field_name)                                 \
    do {                                                                                 \
        auto brook_read_result_ = (expression);                                          \
        if (!brook_read_result_) return std::move(brook_read_result_).error().wrap(field_name); \
        target = std::move(brook_read_result_).value();                                  \
    } while (false)

#define BROOK_TRY_FIELD(expression, field_name)                                          \
    do {                                                                                 \
        auto brook_try_result_ = (expression);                                           \
        if (!brook_try_result_) return std::move(brook_try_result_).error().wrap(field_name); \
    } while (false)
