#include "core/compression/compression.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <string>

namespace brook::compression {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr Compression kAll[] = {Compression::none, Compression::gzip, Compression::snappy,
                                Compression::lz4, Compression::zstd};
constexpr Compression kCompressing[] = {Compression::gzip, Compression::snappy, Compression::lz4,
                                        Compression::zstd};
constexpr std::size_t kLimit = 64 * 1024 * 1024;

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// What every fixture below holds: "Brook speaks Kafka. " four times (80 bytes).
Bytes fixture_plain() {
    Bytes out;
    for (int i = 0; i < 4; ++i) {
        Bytes part = text("Brook speaks Kafka. ");
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

Bytes round_trip(Compression codec, const Bytes& input) {
    auto packed = compress(codec, input);
    REQUIRE(packed.ok());
    auto unpacked = decompress(codec, *packed, kLimit);
    REQUIRE(unpacked.ok());
    return *unpacked;
}

TEST_CASE("compression: names parse back to their codec") {
    for (Compression codec : kAll) {
        REQUIRE(parse_compression(compression_name(codec)) == codec);
        REQUIRE(compression_from_id(static_cast<int>(codec)) == codec);
    }
    REQUIRE(!parse_compression("lzma").has_value());
    REQUIRE(!parse_compression("GZIP").has_value());
    REQUIRE(!compression_from_id(5).has_value());
    REQUIRE(!compression_from_id(7).has_value());
}

TEST_CASE("compression: empty and large inputs round trip in every codec") {
    Bytes large;
    for (uint32_t i = 0; large.size() < 3 * 1024 * 1024; ++i) {  // compressible, several blocks
        large.push_back(static_cast<uint8_t>((i % 1000) * 7 % 251));
    }
    for (Compression codec : kAll) {
        INFO(compression_name(codec));
        REQUIRE(round_trip(codec, {}).empty());
        REQUIRE(round_trip(codec, large) == large);
        if (codec != Compression::none) REQUIRE(compress(codec, large)->size() < large.size() / 2);
    }
}

TEST_CASE("compression: random bytes round trip in every codec") {
    rc::prop("decompress(compress(x)) == x", [](const Bytes& input, uint8_t which) {
        Compression codec = kAll[which % std::size(kAll)];
        auto packed = compress(codec, input);
        RC_ASSERT(packed.ok());
        auto unpacked = decompress(codec, *packed, input.size());
        RC_ASSERT(unpacked.ok());
        RC_ASSERT(*unpacked == input);
    });
}

TEST_CASE("compression: output one byte over the limit is too_large, at the limit is fine") {
    Bytes input(100'000, 'z');
    for (Compression codec : kAll) {
        INFO(compression_name(codec));
        auto packed = compress(codec, input);
        REQUIRE(packed.ok());
        REQUIRE(decompress(codec, *packed, input.size()).ok());
        auto over = decompress(codec, *packed, input.size() - 1);
        REQUIRE(!over.ok());
        REQUIRE(over.error().code() == ErrorCode::too_large);
    }
}

TEST_CASE("compression: a bomb stops at the limit") {
    Bytes zeros(32 * 1024 * 1024, 0);
    for (Compression codec : kCompressing) {
        INFO(compression_name(codec));
        auto packed = compress(codec, zeros);
        REQUIRE(packed.ok());
        REQUIRE(packed->size() < zeros.size() / 16);  // snappy's ratio is the poorest, ~21
        auto result = decompress(codec, *packed, 1024 * 1024);
        REQUIRE(!result.ok());
        REQUIRE(result.error().code() == ErrorCode::too_large);
    }
}

TEST_CASE("compression: truncated, flipped and empty input is corruption, never a crash") {
    Bytes input = fixture_plain();
    for (Compression codec : kCompressing) {
        INFO(compression_name(codec));
        auto packed = compress(codec, input);
        REQUIRE(packed.ok());
        REQUIRE(decompress(codec, {}, kLimit).error().code() == ErrorCode::corruption);
        for (std::size_t cut = 0; cut < packed->size(); ++cut) {
            auto result = decompress(codec, std::span(*packed).first(cut), kLimit);
            // A cut snappy block may still be a shorter valid block; other codecs detect it.
            if (codec != Compression::snappy) {
                REQUIRE(!result.ok());
                REQUIRE(result.error().code() == ErrorCode::corruption);
            }
        }
        Bytes garbage = *packed;
        garbage.push_back(0x55);
        auto trailing = decompress(codec, garbage, kLimit);
        REQUIRE((!trailing.ok() && trailing.error().code() == ErrorCode::corruption));
    }
    rc::prop("arbitrary bytes decode or fail cleanly", [](const Bytes& input, uint8_t which) {
        Compression codec = kCompressing[which % std::size(kCompressing)];
        auto result = decompress(codec, input, 1024 * 1024);
        if (!result.ok()) {
            RC_ASSERT((result.error().code() == ErrorCode::corruption ||
                       result.error().code() == ErrorCode::too_large));
        }
    });
}

// Fixtures made with /usr/bin/python3 (Debian 12's python3-lz4, python3-zstandard, gzip):
// the comment above each says the exact call; `data` is fixture_plain().
TEST_CASE("compression: decodes frames made by Python's gzip, lz4.frame and zstandard") {
    Bytes plain = fixture_plain();
    // gzip.compress(data, mtime=0)
    auto gzip = from_hex(
        "1f8b0800000000000203732acacfcf56282e484dcc2e56f04e4ccb4ed45370a2400c00199b3ce250000000");
    REQUIRE(decompress(Compression::gzip, gzip, kLimit).value() == plain);
    // Two gzip members in a row read as one stream, like Java's GZIPInputStream.
    Bytes twice = gzip;
    twice.insert(twice.end(), gzip.begin(), gzip.end());
    Bytes plain_twice = plain;
    plain_twice.insert(plain_twice.end(), plain.begin(), plain.end());
    REQUIRE(decompress(Compression::gzip, twice, kLimit).value() == plain_twice);

    // lz4.frame.compress(data, block_size=BLOCKSIZE_MAX64KB, content_checksum=False,
    //                    block_linked=False, store_size=False): Kafka's own frame settings
    auto lz4_kafka = from_hex(
        "04224d186040821f000000ff0542726f6f6b20737065616b73204b61666b612e2014002450666b612e20"
        "00000000");
    REQUIRE(decompress(Compression::lz4, lz4_kafka, kLimit).value() == plain);
    // lz4.frame.compress(data, store_size=True, content_checksum=True, block_checksum=True)
    auto lz4_checked = from_hex(
        "04224d187c405000000000000000541f000000ff0542726f6f6b20737065616b73204b61666b612e2014"
        "002450666b612e20d749920800000000a186fba6");
    REQUIRE(decompress(Compression::lz4, lz4_checked, kLimit).value() == plain);
    // The same frame with one payload byte flipped fails its block checksum.
    lz4_checked[30] ^= 1;
    REQUIRE(decompress(Compression::lz4, lz4_checked, kLimit).error().code() ==
            ErrorCode::corruption);

    // A zstandard.ZstdCompressor().stream_writer: write(data[:40]), flush(), write(data[40:]),
    // close: two blocks, no content size in the frame header (frame_content_size == -1).
    auto zstd_streamed = from_hex(
        "28b52ffd0058d40000a042726f6f6b20737065616b73204b61666b612e2001008e9e4c3d000008420100"
        "4a2004");
    REQUIRE(decompress(Compression::zstd, zstd_streamed, kLimit).value() == plain);
    // snappy.compress(data): raw snappy, as python-snappy and librdkafka write it.
    auto snappy_raw = from_hex("504c42726f6f6b20737065616b73204b61666b612e20ee1400");
    REQUIRE(decompress(Compression::snappy, snappy_raw, kLimit).value() == plain);
}

// snappy-java's SnappyOutputStream framing, built byte by byte: the magic "\x82SNAPPY\0",
// version 1 and minimum compatible version 1 (big-endian int32), then chunks of a big-endian
// int32 length and a raw snappy block.
TEST_CASE("compression: snappy decodes snappy-java's framing, chunk by chunk") {
    Bytes first = text("the Java client ");
    Bytes second = text("frames snappy in chunks");
    Bytes framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    for (const Bytes& chunk : {first, second}) {
        Bytes raw = compress(Compression::snappy, chunk).value();
        framed.push_back(0);
        framed.push_back(0);
        framed.push_back(static_cast<uint8_t>(raw.size() >> 8));
        framed.push_back(static_cast<uint8_t>(raw.size()));
        framed.insert(framed.end(), raw.begin(), raw.end());
    }
    Bytes expected = first;
    expected.insert(expected.end(), second.begin(), second.end());
    REQUIRE(decompress(Compression::snappy, framed, kLimit).value() == expected);
    REQUIRE(decompress(Compression::snappy, framed, expected.size() - 1).error().code() ==
            ErrorCode::too_large);

    Bytes cut(framed.begin(), framed.end() - 3);
    REQUIRE(decompress(Compression::snappy, cut, kLimit).error().code() == ErrorCode::corruption);
    Bytes header_only(framed.begin(), framed.begin() + 16);
    REQUIRE(decompress(Compression::snappy, header_only, kLimit).value().empty());
    Bytes short_header(framed.begin(), framed.begin() + 10);
    REQUIRE(decompress(Compression::snappy, short_header, kLimit).error().code() ==
            ErrorCode::corruption);
    Bytes huge_chunk = header_only;
    huge_chunk.insert(huge_chunk.end(), {0x7f, 0xff, 0xff, 0xff, 0x00});
    REQUIRE(decompress(Compression::snappy, huge_chunk, kLimit).error().code() ==
            ErrorCode::corruption);
}

TEST_CASE("compression: lz4 output is Kafka's frame: 64 KiB independent blocks, no size") {
    Bytes packed = compress(Compression::lz4, fixture_plain()).value();
    REQUIRE(packed.size() > 7);
    REQUIRE(Bytes(packed.begin(), packed.begin() + 4) == Bytes{0x04, 0x22, 0x4d, 0x18});
    REQUIRE(packed[4] == 0x60);  // version 01, independent blocks, no checksums, no size
    REQUIRE(packed[5] == 0x40);  // block maximum 64 KiB
}

}  // namespace
}  // namespace brook::compression
