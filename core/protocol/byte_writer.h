// Appends Kafka's wire primitives to a growing byte buffer.
//
//   ByteWriter writer;
//   writer.write_int16(acks);
//   writer.write_string(topic, /*compact=*/false);
//   send(writer.bytes());
//
// Integers are big-endian; "compact" selects the encodings of flexible versions (KIP-482).
// Writing never fails. Values that have no encoding (a classic string longer than 32767 bytes, an
// array of more than 2^31-1 elements) are the caller's programming error and ASSERT-fail, as
// Kafka's writers throw for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/uuid.h"

namespace brook::protocol {

class ByteWriter {
public:
    ByteWriter() = default;

    const std::vector<uint8_t>& bytes() const { return buffer_; }
    std::vector<uint8_t> release() { return std::move(buffer_); }
    std::size_t size() const { return buffer_.size(); }

    void write_int8(int8_t value);
    void write_int16(int16_t value);
    void write_int32(int32_t value);
    void write_int64(int64_t value);
    void write_uint16(uint16_t value);
    void write_uint32(uint32_t value);
    void write_float64(double value);
    void write_bool(bool value);
    void write_uuid(const Uuid& value);

    void write_unsigned_varint(uint32_t value);
    void write_unsigned_varlong(uint64_t value);
    // Zigzag-encoded signed varints, as in record fields.
    void write_varint(int32_t value);
    void write_varlong(int64_t value);

    void write_string(std::string_view value, bool compact);
    void write_nullable_string(const std::optional<std::string>& value, bool compact);
    void write_bytes(std::span<const uint8_t> value, bool compact);
    void write_nullable_bytes(const std::optional<std::vector<uint8_t>>& value, bool compact);

    void write_array_count(std::size_t count, bool compact);
    void write_null_array(bool compact);

    void write_raw(std::span<const uint8_t> bytes);
    // Overwrites 4 bytes written earlier, e.g. a frame's size prefix.
    void overwrite_int32(std::size_t position, int32_t value);

    // Writes one entry of a tagged-field section: the tag, the payload's size, the payload.
    //   writer.write_tagged_field(0, [&](ByteWriter& payload) { payload.write_int64(epoch); });
    template <typename WritePayload>
    void write_tagged_field(uint32_t tag, WritePayload&& write_payload) {
        ByteWriter payload;
        write_payload(payload);
        write_unsigned_varint(tag);
        write_unsigned_varint(static_cast<uint32_t>(payload.size()));
        write_raw(payload.bytes());
    }

private:
    void write_length(std::size_t length, bool compact, bool sixteen_bit);

    std::vector<uint8_t> buffer_;
};

}  // namespace brook::protocol
