// RapidCheck helpers for the generated round-trip properties in tests/protocol/generated/:
// small generators for Kafka's value types and the round-trip check itself.
//
//   rc::prop("ProduceRequest v3", [] { check_round_trip(arbitrary_produce_request(3), 3); });
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"
#include "core/protocol/uuid.h"

namespace brook::protocol {

// Arrays stay short so that nested arrays (three levels in Fetch) remain small.
inline constexpr std::size_t kMaxGeneratedArray = 3;
inline constexpr std::size_t kMaxGeneratedString = 12;

// A short vector of values made by make(), picked inside a running property.
template <typename Make>
auto pick_vector(Make make) {
    std::vector<decltype(make())> items;
    std::size_t size = *rc::gen::inRange<std::size_t>(0, kMaxGeneratedArray + 1);
    for (std::size_t i = 0; i < size; ++i) items.push_back(make());
    return items;
}

template <typename Make>
auto pick_nullable_vector(Make make) {
    std::optional<std::vector<decltype(make())>> items;
    if (*rc::gen::arbitrary<bool>()) items = pick_vector(make);
    return items;
}

template <typename T>
rc::Gen<std::optional<T>> gen_nullable(rc::Gen<T> value) {
    return rc::gen::oneOf(rc::gen::just(std::optional<T>()),
                          rc::gen::map(value, [](T v) { return std::optional<T>(std::move(v)); }));
}

// Any bytes, not only UTF-8: the codec does not validate text.
inline rc::Gen<std::string> gen_string() {
    return rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, kMaxGeneratedString + 1),
                           [](std::size_t size) {
                               return rc::gen::container<std::string>(
                                   size, rc::gen::arbitrary<char>());
                           });
}

inline rc::Gen<std::optional<std::string>> gen_nullable_string() {
    return gen_nullable(gen_string());
}

inline rc::Gen<std::vector<uint8_t>> gen_bytes() {
    return rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, kMaxGeneratedString + 1),
                           [](std::size_t size) {
                               return rc::gen::container<std::vector<uint8_t>>(
                                   size, rc::gen::arbitrary<uint8_t>());
                           });
}

inline rc::Gen<std::optional<std::vector<uint8_t>>> gen_nullable_bytes() {
    return gen_nullable(gen_bytes());
}

inline rc::Gen<Uuid> gen_uuid() {
    return rc::gen::map(rc::gen::container<std::vector<uint8_t>>(16, rc::gen::arbitrary<uint8_t>()),
                        [](const std::vector<uint8_t>& bytes) {
                            Uuid uuid{};
                            for (std::size_t i = 0; i < uuid.size(); ++i) uuid[i] = bytes[i];
                            return uuid;
                        });
}

// Finite doubles only: NaN != NaN would fail the equality check without a codec bug.
inline rc::Gen<double> gen_float64() {
    return rc::gen::map(rc::gen::arbitrary<int64_t>(),
                        [](int64_t raw) { return static_cast<double>(raw) / 1024.0; });
}

// Encode, decode, compare; the decoder must consume every byte, and re-encoding the decoded
// value must reproduce the bytes exactly (the encoding is canonical).
template <typename Message>
void check_round_trip(const Message& value, int16_t version) {
    ByteWriter writer;
    value.encode(writer, version);
    ByteReader reader(writer.bytes());
    Message decoded;
    Result<void> result = decoded.decode(reader, version);
    if (!result) RC_FAIL("decode failed: " + result.error().describe());
    RC_ASSERT(reader.remaining() == 0u);
    RC_ASSERT(decoded == value);
    ByteWriter again;
    decoded.encode(again, version);
    RC_ASSERT(again.bytes() == writer.bytes());
}

}  // namespace brook::protocol
