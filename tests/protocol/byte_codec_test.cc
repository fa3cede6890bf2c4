// Byte-exact tests of the wire primitives against Kafka's protocol guide, and of the reader's
// behaviour on short and hostile input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"

namespace brook::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

template <typename Write>
Bytes written(Write write) {
    ByteWriter writer;
    write(writer);
    return writer.bytes();
}

TEST_CASE("protocol: fixed-width integers are big-endian", "[protocol]") {
    REQUIRE(written([](ByteWriter& w) { w.write_int16(0x0102); }) == Bytes{0x01, 0x02});
    REQUIRE(written([](ByteWriter& w) { w.write_int32(0x01020304); }) ==
            Bytes{0x01, 0x02, 0x03, 0x04});
    REQUIRE(written([](ByteWriter& w) { w.write_int64(-2); }) ==
            Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe});
    REQUIRE(written([](ByteWriter& w) { w.write_int8(-1); }) == Bytes{0xff});
    REQUIRE(written([](ByteWriter& w) { w.write_uint16(0xfffe); }) == Bytes{0xff, 0xfe});
    REQUIRE(written([](ByteWriter& w) { w.write_bool(true); }) == Bytes{0x01});
    REQUIRE(written([](ByteWriter& w) { w.write_float64(1.0); }) ==
            Bytes{0x3f, 0xf0, 0, 0, 0, 0, 0, 0});

    Bytes input{0x80, 0x00, 0x00, 0x00, 0xff, 0xfe};
    ByteReader reader(input);
    REQUIRE(reader.read_int32().value() == std::numeric_limits<int32_t>::min());
    REQUIRE(reader.read_int16().value() == -2);
    REQUIRE(reader.empty());
}

TEST_CASE("protocol: classic strings, bytes and arrays use int16/int32 lengths, -1 for null",
          "[protocol]") {
    REQUIRE(written([](ByteWriter& w) { w.write_string("hi", false); }) ==
            Bytes{0x00, 0x02, 'h', 'i'});
    REQUIRE(written([](ByteWriter& w) { w.write_nullable_string(std::nullopt, false); }) ==
            Bytes{0xff, 0xff});
    REQUIRE(written([](ByteWriter& w) { w.write_string("", false); }) == Bytes{0x00, 0x00});
    REQUIRE(written([](ByteWriter& w) { w.write_bytes(Bytes{7}, false); }) ==
            Bytes{0, 0, 0, 1, 7});
    REQUIRE(written([](ByteWriter& w) { w.write_nullable_bytes(std::nullopt, false); }) ==
            Bytes{0xff, 0xff, 0xff, 0xff});
    REQUIRE(written([](ByteWriter& w) { w.write_array_count(3, false); }) == Bytes{0, 0, 0, 3});
    REQUIRE(written([](ByteWriter& w) { w.write_null_array(false); }) ==
            Bytes{0xff, 0xff, 0xff, 0xff});

    Bytes input{0xff, 0xff, 0x00, 0x01, 'x'};
    ByteReader reader(input);
    REQUIRE_FALSE(reader.read_nullable_string(false).value().has_value());
    REQUIRE(reader.read_nullable_string(false).value() == std::optional<std::string>("x"));

    ByteReader null_where_not_allowed(input);
    auto error = null_where_not_allowed.read_string(false);
    REQUIRE_FALSE(error.ok());
    REQUIRE(error.error().code() == ErrorCode::corruption);
}

TEST_CASE("protocol: compact forms write N+1 as an unsigned varint, 0 for null", "[protocol]") {
    REQUIRE(written([](ByteWriter& w) { w.write_string("hi", true); }) ==
            Bytes{0x03, 'h', 'i'});
    REQUIRE(written([](ByteWriter& w) { w.write_nullable_string(std::nullopt, true); }) ==
            Bytes{0x00});
    REQUIRE(written([](ByteWriter& w) { w.write_bytes(Bytes{}, true); }) == Bytes{0x01});
    REQUIRE(written([](ByteWriter& w) { w.write_null_array(true); }) == Bytes{0x00});
    REQUIRE(written([](ByteWriter& w) { w.write_array_count(127, true); }) == Bytes{0x80, 0x01});

    Bytes input{0x00, 0x01, 0x02, 'a'};
    ByteReader reader(input);
    REQUIRE_FALSE(reader.read_nullable_bytes(true).value().has_value());
    REQUIRE(reader.read_string(true).value().empty());
    REQUIRE(reader.read_string(true).value() == "a");
}

TEST_CASE("protocol: unsigned varints are little-endian base 128", "[protocol]") {
    auto uvarint = [](uint32_t value) {
        return written([value](ByteWriter& w) { w.write_unsigned_varint(value); });
    };
    REQUIRE(uvarint(0) == Bytes{0x00});
    REQUIRE(uvarint(127) == Bytes{0x7f});
    REQUIRE(uvarint(128) == Bytes{0x80, 0x01});
    REQUIRE(uvarint(300) == Bytes{0xac, 0x02});
    REQUIRE(uvarint(std::numeric_limits<uint32_t>::max()) ==
            Bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
    for (uint32_t value : {0u, 1u, 127u, 128u, 16383u, 16384u, 0xffffffffu}) {
        Bytes bytes = uvarint(value);
        ByteReader reader(bytes);
        REQUIRE(reader.read_unsigned_varint().value() == value);
        REQUIRE(reader.empty());
    }
}

TEST_CASE("protocol: zigzag varints and varlongs at their extremes", "[protocol]") {
    auto varint = [](int32_t value) {
        return written([value](ByteWriter& w) { w.write_varint(value); });
    };
    auto varlong = [](int64_t value) {
        return written([value](ByteWriter& w) { w.write_varlong(value); });
    };
    REQUIRE(varint(0) == Bytes{0x00});
    REQUIRE(varint(-1) == Bytes{0x01});
    REQUIRE(varint(1) == Bytes{0x02});
    REQUIRE(varint(-2) == Bytes{0x03});
    REQUIRE(varint(std::numeric_limits<int32_t>::max()) == Bytes{0xfe, 0xff, 0xff, 0xff, 0x0f});
    REQUIRE(varint(std::numeric_limits<int32_t>::min()) == Bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
    REQUIRE(varlong(std::numeric_limits<int64_t>::max()) ==
            Bytes{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
    REQUIRE(varlong(std::numeric_limits<int64_t>::min()) ==
            Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
    REQUIRE(varlong(-64) == Bytes{0x7f});
    REQUIRE(varlong(64) == Bytes{0x80, 0x01});

    for (int32_t value : {0, -1, 1, 63, -64, 64, std::numeric_limits<int32_t>::max(),
                          std::numeric_limits<int32_t>::min()}) {
        Bytes bytes = varint(value);
        ByteReader reader(bytes);
        REQUIRE(reader.read_varint().value() == value);
        REQUIRE(reader.empty());
    }
    for (int64_t value : {int64_t{0}, int64_t{-1}, std::numeric_limits<int64_t>::max(),
                          std::numeric_limits<int64_t>::min()}) {
        Bytes bytes = varlong(value);
        ByteReader reader(bytes);
        REQUIRE(reader.read_varlong().value() == value);
        REQUIRE(reader.empty());
    }
}

TEST_CASE("protocol: overlong and truncated varints are corruption", "[protocol]") {
    Bytes too_wide{0xff, 0xff, 0xff, 0xff, 0x1f};  // 33 bits
    ByteReader wide(too_wide);
    REQUIRE(wide.read_unsigned_varint().error().code() == ErrorCode::corruption);

    Bytes too_long{0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    ByteReader long_reader(too_long);
    REQUIRE_FALSE(long_reader.read_unsigned_varint().ok());

    Bytes truncated{0x80, 0x80};
    ByteReader short_reader(truncated);
    REQUIRE_FALSE(short_reader.read_varint().ok());

    Bytes varlong_too_wide{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03};
    ByteReader varlong_reader(varlong_too_wide);
    REQUIRE_FALSE(varlong_reader.read_varlong().ok());
}

TEST_CASE("protocol: short reads fail with the offset instead of reading past the end",
          "[protocol]") {
    Bytes input{0x00, 0x05, 'a', 'b'};
    ByteReader reader(input);
    auto string = reader.read_string(false);
    REQUIRE_FALSE(string.ok());
    REQUIRE(string.error().code() == ErrorCode::corruption);
    REQUIRE(string.error().context().find("offset 2 of 4") != std::string::npos);

    ByteReader empty;
    REQUIRE_FALSE(empty.read_int64().ok());
    REQUIRE_FALSE(empty.read_uuid().ok());
    REQUIRE_FALSE(empty.read_bool().ok());
}

TEST_CASE("protocol: a hostile array count fails before anything is allocated", "[protocol]") {
    Bytes classic{0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ByteReader reader(classic);
    auto count = reader.read_array_count(false, 1);
    REQUIRE_FALSE(count.ok());
    REQUIRE(count.error().code() == ErrorCode::corruption);

    // 10 bytes left fit 2 elements of at least 4 bytes, not 3.
    Bytes three{0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ByteReader three_reader(three);
    REQUIRE_FALSE(three_reader.read_array_count(false, 4).ok());
    ByteReader two_reader(three);
    REQUIRE(two_reader.read_array_count(false, 5).error().code() == ErrorCode::corruption);

    Bytes compact{0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2};
    ByteReader compact_reader(compact);
    REQUIRE_FALSE(compact_reader.read_array_count(true, 1).ok());

    Bytes negative{0xff, 0xff, 0xff, 0xfe};
    ByteReader negative_reader(negative);
    REQUIRE_FALSE(negative_reader.read_nullable_array_count(false, 1).ok());
}

TEST_CASE("protocol: tagged-field sections are skipped as a whole", "[protocol]") {
    // Two fields: tag 0 with 2 bytes, tag 5 with 0 bytes; then one more byte of the message.
    Bytes input{0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x00, 0x42};
    ByteReader reader(input);
    REQUIRE(reader.skip_tagged_fields().ok());
    REQUIRE(reader.read_int8().value() == 0x42);

    Bytes truncated{0x01, 0x00, 0x05, 0xaa};
    ByteReader truncated_reader(truncated);
    REQUIRE_FALSE(truncated_reader.skip_tagged_fields().ok());

    REQUIRE(written([](ByteWriter& w) {
                w.write_tagged_field(3, [](ByteWriter& payload) { payload.write_int16(7); });
            }) == Bytes{0x03, 0x02, 0x00, 0x07});
}

TEST_CASE("protocol: overwrite_int32 patches a size prefix", "[protocol]") {
    ByteWriter writer;
    writer.write_int32(0);
    writer.write_int16(1);
    writer.overwrite_int32(0, static_cast<int32_t>(writer.size() - 4));
    REQUIRE(writer.bytes() == Bytes{0, 0, 0, 2, 0, 1});
}

}  // namespace
}  // namespace brook::protocol
