#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include "core/compression/compression.h"
#include "core/log/crc32c.h"
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
    records.push_back({.key = std::nullopt, .value = std::nullopt, .headers = {}, .timestamp_ms = 7});
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
    store_big_endian<int32_t>(batch.data() + 8, static_cast<int32_t>(batch.size() - kLogOverheadBytes));
    store_big_endian<uint32_t>(batch.data() + 17, crc32c(std::span(batch).subspan(kCrcStart)));
    return batch;
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
            store_big_endian<uint32_t>(batch.data() + 17, crc32c(std::span(batch).subspan(kCrcStart)));
            REQUIRE(decode_records(RecordBatchView(batch)).error().code() == ErrorCode::corruption);
        }
    }
}

TEST_CASE("compressed batch: random records round trip in every codec (property)") {
    rc::prop("build then decode", [](const std::vector<std::pair<std::vector<uint8_t>, int>>& items,
                                     uint8_t which) {
        RC_PRE(!items.empty());
        Compression codec = kCodecs[which % std::size(kCodecs)];
        std::vector<Record> records;
        for (const auto& [value, delta] : items) {
            records.push_back({.key = value, .value = value, .headers = {},
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
