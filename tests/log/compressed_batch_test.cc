#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <string>

#include "core/compression/compression.h"
#include "core/base/crc32c.h"
#include "core/log/record_batch.h"
#include "core/log/record_batch_builder.h"

namespace brook::log {
namespace {

using compression::Compression;

constexpr Compression kCodecs[] = {Compression::none, Compression::gzip, Compression::snappy,
                                   Compression::lz4, Compression::zstd};

std::vector<Record> sample_records() {
    std::vector<Record> records;
    for (int i = 0; i < 50; ++i) {
        records.push_back({.key = Bytes{'k', static_cast<uint8_t>('0' + i % 10)},
                           .value = Bytes(200 + i, static_cast<uint8_t>(i)),
                           .headers = {RecordHeader{Bytes{'h'}, Bytes{'v'}}},
                           .timestamp_ms = 7000 + i});
    }
    records.push_back(
        {.key = std::nullopt, .value = std::nullopt, .headers = {}, .timestamp_ms = 7});
    return records;
}

Bytes build(Compression codec, const std::vector<Record>& records) {
    RecordBatchBuilder builder(7000);
    builder.set_compression(codec);
    for (const Record& record : records) builder.add(record);
    return builder.build();
}

// Replaces a batch's records section and fixes batchLength and the CRC, so only the section is
// wrong.
Bytes with_records_section(Bytes batch, const Bytes& section) {
    batch.resize(kBatchHeaderBytes);
    batch.insert(batch.end(), section.begin(), section.end());
    store_big_endian<int32_t>(batch.data() + 8,
                              static_cast<int32_t>(batch.size() - kLogOverheadBytes));
    store_big_endian<uint32_t>(batch.data() + 17, crc32c(std::span(batch).subspan(kCrcStart)));
    return batch;
}

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

// Whole batches written by kafka-python 2.0.2's DefaultRecordBatchBuilder (magic 2,
// compression_type 1-4, producer id/epoch/sequence -1), with three records appended as
//   append(i, timestamp=1700000000000 + i, key=b"k%d" % i, value=b"value %d " % i * 8,
//          headers=[("h", b"v")])   for i in 0, 1, 2
// kafka-python frames snappy the snappy-java way and writes lz4 frames with a content size, so
// these cover the variants Brook never writes itself.
TEST_CASE("compressed batch: decodes batches kafka-python compressed in every codec") {
    const std::pair<Compression, std::string_view> fixtures[] = {
        {Compression::gzip,
         "00000000000000000000007b0000000002ca8278c00001000000020000018bcfe568000000018bcfe56802ff"
         "ffffffffffffffffffffffffff000000031f8b0800f365096b02ff9bc5c8c0c0c0926dd0c0589698539aaa60"
         "a0402ecdc494c154368b9181898925db10669ca102b934cc381616966c239871460ae4d260e30022742b2bed"
         "000000"},
        {Compression::snappy,
         "00000000000000000000008b00000000020d002dbc0002000000020000018bcfe568000000018bcfe56802ff"
         "ffffffffffffffffffffffffff0000000382534e4150505900000000010000000100000046ed01449a010000"
         "00046b30800176616c7565203020de08003002026802769a01000202046b31114f00310d4fc60800114f1004"
         "04046b32114f00320d4fc60800100202680276"},
        {Compression::lz4,
         "00000000000000000000009000000000022070b7480003000000020000018bcfe568000000018bcfe56802ff"
         "ffffffffffffffffffffffffff0000000304224d186840ed000000000000008c48000000ff039a0100000004"
         "6b30800176616c7565203020080025d402026802769a01000202046b314f0013314f000f08001f044f005404"
         "04046b324f0013324f000f08001f50020268027600000000"},
        {Compression::zstd,
         "00000000000000000000007b0000000002d7b05c960004000000020000018bcfe568000000018bcfe56802ff"
         "ffffffffffffffffffffffffff0000000328b52ffd20ed0d0200b4029a01000000046b30800176616c756520"
         "302002026802769a01000202046b31310404046b3232020268027608008308205f401410318800f99202f175"
         "670903"},
    };
    for (const auto& [codec, hex] : fixtures) {
        INFO(compression::compression_name(codec));
        Bytes batch = from_hex(hex);
        auto parsed = parse_record_set(batch);
        REQUIRE(parsed.ok());
        REQUIRE(parsed->front().compression() == static_cast<int>(codec));
        auto records = decode_records(parsed->front());
        REQUIRE(records.ok());
        REQUIRE(records->size() == 3);
        for (int i = 0; i < 3; ++i) {
            const Record& record = (*records)[static_cast<std::size_t>(i)];
            std::string value;
            for (int copy = 0; copy < 8; ++copy) value += "value " + std::to_string(i) + " ";
            REQUIRE(record.key == Bytes{'k', static_cast<uint8_t>('0' + i)});
            REQUIRE(record.value == Bytes(value.begin(), value.end()));
            REQUIRE(record.timestamp_ms == 1'700'000'000'000 + i);
            REQUIRE(record.headers ==
                    std::vector<RecordHeader>{RecordHeader{Bytes{'h'}, Bytes{'v'}}});
        }
    }
}

TEST_CASE("compressed batch: every codec builds a valid batch that decodes to its records") {
    std::vector<Record> records = sample_records();
    std::size_t plain_size = build(Compression::none, records).size();
    for (Compression codec : kCodecs) {
        INFO(compression::compression_name(codec));
        Bytes batch = build(codec, records);
        auto parsed = parse_record_set(batch);
        REQUIRE(parsed.ok());
        REQUIRE(parsed->front().compression() == static_cast<int>(codec));
        REQUIRE(parsed->front().records_count() == static_cast<int32_t>(records.size()));
        REQUIRE(parsed->front().crc_matches());
        if (codec != Compression::none) REQUIRE(batch.size() < plain_size / 2);
        auto decoded = decode_records(parsed->front());
        REQUIRE(decoded.ok());
        REQUIRE(*decoded == records);
    }
}

TEST_CASE("compressed batch: a corrupt, unknown or bombing records section is corruption") {
    std::vector<Record> records = sample_records();
    for (Compression codec : kCodecs) {
        if (codec == Compression::none) continue;
        INFO(compression::compression_name(codec));
        Bytes batch = build(codec, records);
        Bytes section(batch.begin() + kBatchHeaderBytes, batch.end());
        SECTION("cut short") {
            Bytes cut = with_records_section(batch, Bytes(section.begin(), section.end() - 5));
            auto decoded = decode_records(RecordBatchView(cut));
            REQUIRE(decoded.error().code() == ErrorCode::corruption);
        }
        SECTION("a valid stream of bytes that are not records") {
            Bytes junk = compression::compress(codec, Bytes(1000, 0xff)).value();
            Bytes bad = with_records_section(batch, junk);
            REQUIRE(decode_records(RecordBatchView(bad)).error().code() == ErrorCode::corruption);
        }
        SECTION("a bomb past kRecordsBytesMax") {
            Bytes bomb = compression::compress(codec, Bytes(kRecordsBytesMax + 1, 0)).value();
            Bytes bad = with_records_section(batch, bomb);
            auto decoded = decode_records(RecordBatchView(bad));
            REQUIRE(decoded.error().code() == ErrorCode::corruption);
            REQUIRE(decoded.error().context().find("too_large") != std::string::npos);
        }
    }
    SECTION("codec bits 5, 6, 7") {
        Bytes batch = build(Compression::none, records);
        for (int16_t bits : {5, 6, 7}) {
            store_big_endian<int16_t>(batch.data() + 21, bits);
            store_big_endian<uint32_t>(batch.data() + 17,
                                       crc32c(std::span(batch).subspan(kCrcStart)));
            REQUIRE(decode_records(RecordBatchView(batch)).error().code() == ErrorCode::corruption);
        }
    }
}

TEST_CASE("compressed batch: random records round trip in every codec (property)") {
    rc::prop("build then decode",
             [](const std::vector<std::pair<std::vector<uint8_t>, int>>& items, uint8_t which) {
                 RC_PRE(!items.empty());
                 Compression codec = kCodecs[which % std::size(kCodecs)];
                 std::vector<Record> records;
                 for (const auto& [value, delta] : items) {
                     records.push_back({.key = value,
                                        .value = value,
                                        .headers = {},
                                        .timestamp_ms = 7000 + delta % 100000});
                 }
                 Bytes batch = build(codec, records);
                 auto parsed = parse_record_set(batch);
                 RC_ASSERT(parsed.ok());
                 auto decoded = decode_records(parsed->front());
                 RC_ASSERT(decoded.ok());
                 RC_ASSERT(*decoded == records);
             });
}

}  // namespace
}  // namespace brook::log
