// LeaderEpochCache (Kafka's endOffsetFor edge cases, truncation at both ends) and the text
// format of its checkpoint file.
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include "core/log/leader_epoch_cache.h"
#include "core/log/leader_epoch_checkpoint.h"

namespace brook::log {
namespace {

LeaderEpochCache cache_of(std::initializer_list<std::pair<int32_t, int64_t>> entries) {
    LeaderEpochCache cache;
    for (auto [epoch, start] : entries) cache.assign(LeaderEpoch(epoch), Offset(start));
    return cache;
}

EpochEndOffset answer(int32_t epoch, int64_t end) { return {LeaderEpoch(epoch), Offset(end)}; }

TEST_CASE("leader epoch cache: assign records only where a newer epoch starts") {
    LeaderEpochCache cache;
    cache.assign(LeaderEpoch(1), Offset(0));
    cache.assign(LeaderEpoch(1), Offset(5));  // a later batch of the same epoch
    cache.assign(LeaderEpoch(4), Offset(9));
    REQUIRE(cache.entries() ==
            std::vector<EpochEntry>{{LeaderEpoch(1), Offset(0)}, {LeaderEpoch(4), Offset(9)}});
    REQUIRE(cache.latest() == EpochEntry{LeaderEpoch(4), Offset(9)});
}

TEST_CASE("leader epoch cache: end_offset_for follows Kafka's endOffsetFor case by case") {
    Offset log_end(100);
    // Empty cache, and UNDEFINED_EPOCH: undefined.
    REQUIRE(LeaderEpochCache().end_offset_for(LeaderEpoch(0), log_end) == EpochEndOffset{});
    LeaderEpochCache cache = cache_of({{2, 10}, {4, 30}, {7, 60}});
    REQUIRE(cache.end_offset_for(kUndefinedEpoch, log_end) == EpochEndOffset{});
    // The latest epoch ends at the log end.
    REQUIRE(cache.end_offset_for(LeaderEpoch(7), log_end) == answer(7, 100));
    // Above the latest: undefined.
    REQUIRE(cache.end_offset_for(LeaderEpoch(8), log_end) == EpochEndOffset{});
    // An epoch with an entry ends where the next one starts.
    REQUIRE(cache.end_offset_for(LeaderEpoch(2), log_end) == answer(2, 30));
    REQUIRE(cache.end_offset_for(LeaderEpoch(4), log_end) == answer(4, 60));
    // An epoch between entries (it wrote nothing): the largest epoch below it, and its end.
    REQUIRE(cache.end_offset_for(LeaderEpoch(3), log_end) == answer(2, 30));
    REQUIRE(cache.end_offset_for(LeaderEpoch(6), log_end) == answer(4, 60));
    // Below the first entry: the epoch asked for, ending where the first entry starts.
    REQUIRE(cache.end_offset_for(LeaderEpoch(1), log_end) == answer(1, 10));
    REQUIRE(cache.end_offset_for(LeaderEpoch(0), log_end) == answer(0, 10));
}

TEST_CASE("leader epoch cache: epoch_for_offset is the last entry at or before the offset") {
    LeaderEpochCache cache = cache_of({{2, 10}, {4, 30}});
    REQUIRE(cache.epoch_for_offset(Offset(9)) == std::nullopt);
    REQUIRE(cache.epoch_for_offset(Offset(10)) == LeaderEpoch(2));
    REQUIRE(cache.epoch_for_offset(Offset(29)) == LeaderEpoch(2));
    REQUIRE(cache.epoch_for_offset(Offset(30)) == LeaderEpoch(4));
    REQUIRE(cache.epoch_for_offset(Offset(1000)) == LeaderEpoch(4));
}

TEST_CASE("leader epoch cache: truncation from the end drops entries at or after the offset") {
    LeaderEpochCache cache = cache_of({{2, 10}, {4, 30}, {7, 60}});
    cache.truncate_from_end(Offset(61));
    REQUIRE(cache.entries().size() == 3);
    cache.truncate_from_end(Offset(60));
    REQUIRE(cache.latest() == EpochEntry{LeaderEpoch(4), Offset(30)});
    cache.truncate_from_end(Offset(11));
    REQUIRE(cache.entries() == std::vector<EpochEntry>{{LeaderEpoch(2), Offset(10)}});
    cache.truncate_from_end(Offset(10));
    REQUIRE(cache.empty());
    // After a cut, an epoch may start again anywhere above what is left.
    cache.assign(LeaderEpoch(9), Offset(3));
    REQUIRE(cache.latest() == EpochEntry{LeaderEpoch(9), Offset(3)});
}

TEST_CASE("leader epoch cache: truncation from the start moves the epoch in force to the start") {
    LeaderEpochCache cache = cache_of({{2, 10}, {4, 30}, {7, 60}});
    cache.truncate_from_start(Offset(5));  // below every entry: nothing changes
    REQUIRE(cache.entries().size() == 3);
    cache.truncate_from_start(Offset(30));  // exactly at an entry: kept
    REQUIRE(cache.entries() ==
            std::vector<EpochEntry>{{LeaderEpoch(4), Offset(30)}, {LeaderEpoch(7), Offset(60)}});
    cache.truncate_from_start(Offset(45));
    REQUIRE(cache.entries() ==
            std::vector<EpochEntry>{{LeaderEpoch(4), Offset(45)}, {LeaderEpoch(7), Offset(60)}});
    cache.truncate_from_start(Offset(90));
    REQUIRE(cache.entries() == std::vector<EpochEntry>{{LeaderEpoch(7), Offset(90)}});
}

TEST_CASE("leader epoch checkpoint: Kafka's text format, strictly parsed") {
    std::vector<EpochEntry> entries{{LeaderEpoch(0), Offset(0)}, {LeaderEpoch(3), Offset(40)}};
    REQUIRE(encode_leader_epoch_checkpoint(entries) == "0\n2\n0 0\n3 40\n");
    REQUIRE(parse_leader_epoch_checkpoint("0\n2\n0 0\n3 40\n").value() == entries);
    REQUIRE(parse_leader_epoch_checkpoint("0\n0\n").value().empty());
    for (std::string_view bad :
         {"", "0\n", "1\n0\n", "0\n1\n", "0\n1\n0 0", "0\n1\n0 0\n\n", "0\n2\n0 0\n",
          "0\n1\n-1 0\n", "0\n1\n0 -5\n", "0\n-0\n", "0\n1\n+1 2\n", "0\n1\n00 5\n",
          "0\n1\n 0 5\n", "0\n1\n0  5\n", "0\n1\n2147483648 0\n",
          "0\n1\n0 99999999999999999999\n", "0\n2\n3 0\n2 5\n", "0\n2\n2 5\n3 5\n",
          "0\n100001\n"}) {
        INFO(bad);
        REQUIRE(parse_leader_epoch_checkpoint(bad).error().code() == ErrorCode::corruption);
    }
}

rc::Gen<std::vector<EpochEntry>> well_ordered_entries() {
    return rc::gen::map(
        rc::gen::container<std::vector<std::pair<int32_t, int64_t>>>(
            rc::gen::pair(rc::gen::inRange<int32_t>(1, 1000),
                          rc::gen::inRange<int64_t>(1, int64_t{1} << 40))),
        [](const std::vector<std::pair<int32_t, int64_t>>& steps) {
            std::vector<EpochEntry> entries;
            LeaderEpoch epoch(-1);
            Offset start(-1);
            for (auto [epoch_step, offset_step] : steps) {
                epoch = epoch + epoch_step;
                start = start + offset_step;
                entries.push_back({epoch, start});
            }
            return entries;
        });
}

TEST_CASE("leader epoch checkpoint: every well-ordered cache round-trips") {
    rc::prop("encode then parse", [] {
        std::vector<EpochEntry> entries = *well_ordered_entries();
        RC_ASSERT(parse_leader_epoch_checkpoint(encode_leader_epoch_checkpoint(entries)).value() ==
                  entries);
    });
}

TEST_CASE("leader epoch checkpoint: arbitrary text parses or is corruption, never more") {
    rc::prop("parse never crashes", [] {
        std::string text = *rc::gen::container<std::string>(
            rc::gen::element('0', '1', '7', '9', ' ', '\n', '-', 'x'));
        Result<std::vector<EpochEntry>> parsed = parse_leader_epoch_checkpoint(text);
        if (parsed) {
            RC_ASSERT(LeaderEpochCache::well_ordered(*parsed));
            RC_ASSERT(encode_leader_epoch_checkpoint(*parsed) == text);
        } else {
            RC_ASSERT(parsed.error().code() == ErrorCode::corruption);
        }
    });
}

}  // namespace
}  // namespace brook::log
