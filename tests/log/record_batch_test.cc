#include "core/log/record_batch.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include "core/base/crc32c.h"
#include "core/log/record_batch_builder.h"

namespace brook::log {
namespace {

Bytes sample_batch() {
    RecordBatchBuilder builder(1000);
    builder.add({.key = Bytes{'a'}, .value = Bytes{'x', 'y'}, .headers = {}, .timestamp_ms = 1000});
    builder.add({.key = std::nullopt,
                 .value = Bytes(300, 7),
                 .headers = {RecordHeader{Bytes{'h'}, Bytes{'v'}}, RecordHeader{Bytes{'n'}, std::nullopt}},
                 .timestamp_ms = 1005});
    builder.add({.key = Bytes{}, .value = std::nullopt, .headers = {}, .timestamp_ms = 990});
    return builder.build();
}

TEST_CASE("record batch: a built batch parses, validates and decodes back") {
    Bytes batch = sample_batch();
    auto batches = parse_record_set(batch);
    REQUIRE(batches.ok());
    REQUIRE(batches->size() == 1);
    RecordBatchView view = batches->front();
    REQUIRE(view.size() == batch.size());
    REQUIRE(view.magic() == 2);
    REQUIRE(view.records_count() == 3);
    REQUIRE(view.last_offset_delta() == 2);
    REQUIRE(view.base_timestamp() == 1000);
    REQUIRE(view.max_timestamp() == 1005);
    REQUIRE(view.batch_length() == static_cast<int32_t>(batch.size() - 12));
    REQUIRE(view.crc_matches());
    auto records = decode_records(view);
    REQUIRE(records.ok());
    REQUIRE(records->size() == 3);
    REQUIRE((*records)[1].headers.size() == 2);
    REQUIRE((*records)[1].value == Bytes(300, 7));
    REQUIRE(!(*records)[1].key.has_value());
    REQUIRE((*records)[2].timestamp_ms == 990);
    REQUIRE(!(*records)[2].value.has_value());
}

TEST_CASE("record batch: base offset and epoch rewrites keep the CRC valid") {
    Bytes batch = sample_batch();
    uint32_t crc_before = RecordBatchView(batch).crc();
    set_base_offset(batch, Offset(123456789));
    set_partition_leader_epoch(batch, LeaderEpoch(5));
    RecordBatchView view(batch);
    REQUIRE(view.base_offset() == Offset(123456789));
    REQUIRE(view.last_offset() == Offset(123456791));
    REQUIRE(view.partition_leader_epoch() == LeaderEpoch(5));
    REQUIRE(view.crc() == crc_before);
    REQUIRE(check_batch(batch).problem == BatchProblem::none);
}

TEST_CASE("record batch: log-append time sets the type bit, maxTimestamp and a new CRC") {
    Bytes batch = sample_batch();
    set_log_append_time(batch, 77777);
    RecordBatchView view(batch);
    REQUIRE(view.timestamp_type() == TimestampType::log_append_time);
    REQUIRE(view.max_timestamp() == 77777);
    REQUIRE(check_batch(batch).problem == BatchProblem::none);
}

TEST_CASE("record batch: corruption is reported, never asserted") {
    Bytes batch = sample_batch();
    SECTION("any flipped bit in the CRC'd range fails the CRC") {
        for (std::size_t at = kCrcStart; at < batch.size(); at += 17) {
            Bytes copy = batch;
            copy[at] ^= 0x10;
            REQUIRE(check_batch(copy).problem != BatchProblem::none);
        }
    }
    SECTION("short input is truncated") {
        for (std::size_t length : {0, 5, 11, 12, 60}) {
            REQUIRE(check_batch(std::span(batch).first(length)).problem == BatchProblem::truncated);
        }
        REQUIRE(check_batch(std::span(batch).first(batch.size() - 1)).problem ==
                BatchProblem::truncated);
    }
    SECTION("impossible lengths") {
        store_big_endian<int32_t>(batch.data() + 8, 10);
        REQUIRE(check_batch(batch).problem == BatchProblem::bad_length);
        store_big_endian<int32_t>(batch.data() + 8, -1);
        REQUIRE(check_batch(batch).problem == BatchProblem::bad_length);
    }
    SECTION("magic 0 and 1 are an old format, others corrupt") {
        batch[16] = 1;
        auto parsed = parse_record_set(batch);
        REQUIRE(parsed.error().code() == ErrorCode::unsupported);
        batch[16] = 0;
        REQUIRE(parse_record_set(batch).error().code() == ErrorCode::unsupported);
        batch[16] = 3;
        REQUIRE(parse_record_set(batch).error().code() == ErrorCode::corruption);
    }
    SECTION("trailing garbage after a good batch") {
        batch.push_back(0);
        REQUIRE(parse_record_set(batch).error().code() == ErrorCode::corruption);
    }
    SECTION("a record count that disagrees with lastOffsetDelta") {
        store_big_endian<int32_t>(batch.data() + 57, 4);
        store_big_endian<uint32_t>(batch.data() + 17, crc32c(std::span(batch).subspan(kCrcStart)));
        REQUIRE(check_batch(batch).problem == BatchProblem::none);
        REQUIRE(parse_record_set(batch).error().code() == ErrorCode::corruption);
        REQUIRE(decode_records(RecordBatchView(batch)).error().code() == ErrorCode::corruption);
    }
}

TEST_CASE("record batch: several batches in one record set") {
    Bytes set = sample_batch();
    Bytes second = sample_batch();
    set.insert(set.end(), second.begin(), second.end());
    auto batches = parse_record_set(set);
    REQUIRE(batches.ok());
    REQUIRE(batches->size() == 2);
    REQUIRE(parse_record_set({}).error().code() == ErrorCode::corruption);
}

TEST_CASE("record batch: varints and records round-trip (property)") {
    rc::prop("varint round trip", [](int64_t value) {
        Bytes out;
        append_varint(out, value);
        std::size_t position = 0;
        RC_ASSERT(read_varint(out, position) == std::optional<int64_t>(value));
        RC_ASSERT(position == out.size());
    });
    rc::prop("records round trip", [](const std::vector<std::pair<std::vector<uint8_t>, int>>& items) {
        RC_PRE(!items.empty());
        RecordBatchBuilder builder(5000);
        std::vector<Record> expected;
        for (const auto& [value, delta] : items) {
            Record record{.key = std::nullopt, .value = value, .headers = {},
                          .timestamp_ms = 5000 + delta % 100000};
            expected.push_back(record);
            builder.add(record);
        }
        Bytes batch = builder.build();
        auto parsed = parse_record_set(batch);
        RC_ASSERT(parsed.ok());
        auto records = decode_records(parsed->front());
        RC_ASSERT(records.ok());
        RC_ASSERT(*records == expected);
    });
    rc::prop("arbitrary bytes never crash the checker", [](const std::vector<uint8_t>& bytes) {
        BatchCheck check = check_batch(bytes);
        if (check.problem == BatchProblem::none) RC_ASSERT(check.size <= bytes.size());
        (void)parse_record_set(bytes);
    });
}

}  // namespace
}  // namespace brook::log
