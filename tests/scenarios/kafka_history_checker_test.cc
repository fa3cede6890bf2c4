#include "scenarios/kafka_history_checker.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <map>
#include <optional>

#include "tests/scenarios/instant_at.h"

namespace brook::scenarios {
namespace {

using testing::at;

// A small builder for hand-made histories: times advance by 1 ms per call.
struct Builder {
    History history;
    int64_t now_ms = 0;

    Instant tick() { return at(++now_ms); }
    OperationId send(const std::string& producer, int partition, std::vector<uint64_t> values,
                     std::optional<int64_t> base) {
        OperationId id = history.invoke_send(producer, PartitionId(partition), values, tick());
        if (base) history.ok_send(id, tick(), Offset(*base));
        return id;
    }
    void poll(const std::string& consumer, int partition, int64_t from,
              std::vector<std::pair<uint64_t, int64_t>> records, int64_t log_start = 0) {
        OperationId id =
            history.invoke_poll(consumer, PartitionId(partition), Offset(from), tick());
        std::vector<Message> messages;
        for (auto [value, offset] : records) messages.push_back({value, Offset(offset)});
        history.ok_poll(id, tick(), std::move(messages), Offset(log_start));
    }
};

Builder clean() {
    Builder b;
    b.send("p1", 0, {1, 2}, 0);
    b.send("p1", 0, {3}, 2);
    b.poll("c1", 0, 0, {{1, 0}, {2, 1}});
    b.poll("c1", 0, 2, {{3, 2}});
    return b;
}

TEST_CASE("kafka history checker: a clean history passes") {
    CheckResult result = check_kafka_history(clean().history);
    INFO(result.summary());
    REQUIRE(result.valid());
    REQUIRE(result.acknowledged == 3);
    REQUIRE(result.read == 3);
}

TEST_CASE("kafka history checker: lost-write names the value, its send and the later read") {
    Builder b;
    b.send("p1", 0, {1}, 0);
    b.send("p1", 0, {2}, 1);
    b.poll("c1", 0, 1, {{2, 1}});
    CheckResult result = check_kafka_history(b.history);
    REQUIRE(result.has("lost-write"));
    REQUIRE(result.summary().find("value 1 acknowledged at partition 0 offset 0") !=
            std::string::npos);
    REQUIRE(result.summary().find("c1 poll p0 @1 ok [2@1]") != std::string::npos);
}

TEST_CASE("kafka history checker: unseen at the tail, excused below retention's log start") {
    Builder tail;
    tail.send("p1", 0, {1}, 0);
    tail.send("p1", 0, {2}, 1);
    tail.poll("c1", 0, 0, {{1, 0}});
    REQUIRE(check_kafka_history(tail.history).has("unseen"));
    REQUIRE(check_kafka_history(tail.history, {.final_reads = false}).valid());

    Builder retained;
    retained.send("p1", 0, {1}, 0);
    retained.send("p1", 0, {2}, 1);
    retained.history.seek("c1", PartitionId(0), Offset(1), retained.tick());
    retained.poll("c1", 0, 1, {{2, 1}}, /*log_start=*/1);
    CheckResult result = check_kafka_history(retained.history);
    INFO(result.summary());
    REQUIRE(result.valid());
}

TEST_CASE("kafka history checker: duplicate and inconsistent-offsets") {
    Builder duplicate;
    duplicate.send("p1", 0, {7}, 0);
    duplicate.poll("c1", 0, 0, {{7, 0}, {7, 1}});
    REQUIRE(check_kafka_history(duplicate.history).has("duplicate"));
    // A producer that retries without idempotence may store a value twice.
    REQUIRE(check_kafka_history(duplicate.history, {.allow_duplicates = true}).valid());

    Builder inconsistent;
    inconsistent.send("p1", 0, {7}, 0);
    inconsistent.send("p2", 0, {8}, 1);
    inconsistent.poll("c1", 0, 0, {{7, 0}, {8, 1}});
    inconsistent.poll("c2", 0, 0, {{8, 0}});
    CheckResult result = check_kafka_history(inconsistent.history);
    REQUIRE(result.has("inconsistent-offsets"));
    REQUIRE(result.has("duplicate"));  // 8 at offsets 1 and 0
}

TEST_CASE("kafka history checker: phantom and G1a") {
    Builder phantom;
    phantom.send("p1", 0, {1}, 0);
    phantom.poll("c1", 0, 0, {{1, 0}, {99, 1}});
    REQUIRE(check_kafka_history(phantom.history).has("phantom"));

    Builder wrong_partition;
    wrong_partition.send("p1", 1, {1}, 0);
    wrong_partition.poll("c1", 0, 0, {{1, 0}});
    REQUIRE(check_kafka_history(wrong_partition.history).has("phantom"));

    Builder aborted;
    OperationId send = aborted.send("p1", 0, {5}, std::nullopt);
    aborted.history.fail(send, aborted.tick(), "UNKNOWN_TOPIC_OR_PARTITION");
    aborted.poll("c1", 0, 0, {{5, 0}});
    REQUIRE(check_kafka_history(aborted.history).has("G1a"));

    Builder unknown;  // an indefinite send may or may not have happened: reading it is fine
    send = unknown.send("p1", 0, {5}, std::nullopt);
    unknown.history.info(send, unknown.tick(), "timeout");
    unknown.poll("c1", 0, 0, {{5, 0}});
    REQUIRE(check_kafka_history(unknown.history).valid());
}

TEST_CASE("kafka history checker: poll-skip and nonmonotonic-poll, unless the consumer sought") {
    Builder skip;
    skip.send("p1", 0, {1, 2, 3}, 0);
    skip.poll("c1", 0, 0, {{1, 0}});
    skip.poll("c1", 0, 2, {{3, 2}});
    skip.poll("c2", 0, 0, {{1, 0}, {2, 1}, {3, 2}});
    CheckResult skipped = check_kafka_history(skip.history);
    REQUIRE(skipped.has("poll-skip"));
    REQUIRE_FALSE(skipped.has("lost-write"));

    Builder back;
    back.send("p1", 0, {1, 2}, 0);
    back.poll("c1", 0, 0, {{1, 0}, {2, 1}});
    back.poll("c1", 0, 1, {{2, 1}});
    REQUIRE(check_kafka_history(back.history).has("nonmonotonic-poll"));

    Builder sought;
    sought.send("p1", 0, {1, 2, 3}, 0);
    sought.poll("c1", 0, 0, {{1, 0}, {2, 1}});
    sought.history.seek("c1", PartitionId(0), Offset(0), sought.tick());
    sought.poll("c1", 0, 0, {{1, 0}, {2, 1}, {3, 2}});
    CheckResult result = check_kafka_history(sought.history);
    INFO(result.summary());
    REQUIRE(result.valid());
}

TEST_CASE("kafka history checker: nonmonotonic-send and corrupt-read") {
    Builder send;
    send.send("p1", 0, {1}, 5);
    send.send("p1", 0, {2}, 3);
    send.poll("c1", 0, 3, {{2, 3}});
    send.poll("c2", 0, 5, {{1, 5}});
    REQUIRE(check_kafka_history(send.history).has("nonmonotonic-send"));

    Builder corrupt = clean();
    OperationId poll = corrupt.history.invoke_poll("c1", PartitionId(0), Offset(3), corrupt.tick());
    corrupt.history.ok_poll(poll, corrupt.tick(), {}, Offset(0), /*corrupt_batches=*/1);
    REQUIRE(check_kafka_history(corrupt.history).has("corrupt-read"));
    REQUIRE(check_kafka_history(corrupt.history, {.storage_may_lose_data = true}).valid());
}

TEST_CASE("kafka history checker: unhonoured-commit, and what a racing commit allows") {
    Builder b = clean();
    OperationId commit = b.history.invoke_commit("c1", "g", PartitionId(0), Offset(2), b.tick());
    b.history.ok_commit(commit, b.tick());
    b.history.assign("c2", "g", PartitionId(0), Offset(2), b.tick());
    REQUIRE(check_kafka_history(b.history).valid());
    b.history.assign("c3", "g", PartitionId(0), Offset(0), b.tick());
    CheckResult forgotten = check_kafka_history(b.history);
    REQUIRE(forgotten.has("unhonoured-commit"));
    REQUIRE(forgotten.summary().find("c3 assign p0 group g @0") != std::string::npos);

    Builder racing = clean();
    OperationId first =
        racing.history.invoke_commit("c1", "g", PartitionId(0), Offset(1), racing.tick());
    racing.history.ok_commit(first, racing.tick());
    OperationId second =
        racing.history.invoke_commit("c1", "g", PartitionId(0), Offset(3), racing.tick());
    racing.history.info(second, racing.tick(), "disconnected");
    racing.history.assign("c2", "g", PartitionId(0), Offset(3), racing.tick());
    racing.history.assign("c3", "g", PartitionId(0), Offset(1), racing.tick());
    REQUIRE(check_kafka_history(racing.history).valid());
    racing.history.assign("c4", "g", PartitionId(0), Offset(-1), racing.tick());
    REQUIRE(check_kafka_history(racing.history).has("unhonoured-commit"));
}

// A correct broker in miniature: per-partition logs with retention, producers whose sends are
// acknowledged, refused or left unknown (and then applied or not), consumers that read in
// order, seek after retention and resume from their group's commits. Whatever it generates
// must pass.
TEST_CASE("kafka history checker: histories of a correct model never fail") {
    rc::prop("a correct model's history is valid", [] {
        const int partitions = *rc::gen::inRange(1, 4);
        std::vector<std::vector<uint64_t>> logs(static_cast<std::size_t>(partitions));
        std::vector<int64_t> log_start(static_cast<std::size_t>(partitions), 0);
        std::map<std::pair<int, int>, int64_t> position;  // (consumer, partition) -> next
        std::map<int, int64_t> committed;                 // partition -> group's commit
        History history;
        int64_t now_ms = 0;
        auto tick = [&] { return at(++now_ms); };
        uint64_t next_value = 1;
        const int steps = *rc::gen::inRange(1, 120);
        for (int step = 0; step < steps; ++step) {
            int partition = *rc::gen::inRange(0, partitions);
            std::vector<uint64_t>& log = logs[static_cast<std::size_t>(partition)];
            int64_t& start = log_start[static_cast<std::size_t>(partition)];
            int64_t end = static_cast<int64_t>(log.size());
            int consumer = *rc::gen::inRange(1, 4);
            std::string name = fmt::format("c{}", consumer);
            auto [where, fresh] = position.emplace(std::pair(consumer, partition), 0);
            int64_t& next = where->second;
            switch (*rc::gen::inRange(0, 6)) {
                case 0: {  // send
                    std::vector<uint64_t> values;
                    for (int i = *rc::gen::inRange(1, 4); i > 0; --i)
                        values.push_back(next_value++);
                    OperationId id =
                        history.invoke_send(fmt::format("p{}", *rc::gen::inRange(1, 3)),
                                            PartitionId(partition), values, tick());
                    int outcome = *rc::gen::inRange(0, 4);
                    if (outcome == 0) {
                        history.fail(id, tick(), "refused");
                        break;
                    }
                    if (outcome == 1 || outcome == 2)
                        log.insert(log.end(), values.begin(), values.end());
                    if (outcome == 1) history.ok_send(id, tick(), Offset(end));
                    if (outcome >= 2) history.info(id, tick(), "timeout");
                    break;
                }
                case 1:
                case 2: {  // poll from the position, after a seek if retention passed it
                    if (next < start || next > end) {
                        next = start;
                        history.seek(name, PartitionId(partition), Offset(next), tick());
                    }
                    OperationId id =
                        history.invoke_poll(name, PartitionId(partition), Offset(next), tick());
                    int64_t until = *rc::gen::inRange(next, end + 1);
                    std::vector<Message> records;
                    for (; next < until; ++next)
                        records.push_back({log[static_cast<std::size_t>(next)], Offset(next)});
                    history.ok_poll(id, tick(), std::move(records), Offset(start));
                    break;
                }
                case 3:  // retention
                    start = *rc::gen::inRange(start, end + 1);
                    break;
                case 4: {  // commit the position, acknowledged or not
                    OperationId id = history.invoke_commit(name, "g", PartitionId(partition),
                                                           Offset(next), tick());
                    if (*rc::gen::inRange(0, 2) == 0) {
                        history.ok_commit(id, tick());
                        committed[partition] = next;
                    } else {
                        history.fail(id, tick(), "coordinator not available");
                    }
                    break;
                }
                default: {  // resume from the group's commit
                    auto commit = committed.find(partition);
                    next = commit == committed.end() ? -1 : commit->second;
                    history.assign(name, "g", PartitionId(partition), Offset(next), tick());
                    if (next < 0) next = start;
                    break;
                }
            }
        }
        // The final reads: everything from each log's start.
        for (int partition = 0; partition < partitions; ++partition) {
            const std::vector<uint64_t>& log = logs[static_cast<std::size_t>(partition)];
            int64_t start = log_start[static_cast<std::size_t>(partition)];
            history.seek("verifier", PartitionId(partition), Offset(start), tick());
            OperationId id =
                history.invoke_poll("verifier", PartitionId(partition), Offset(start), tick());
            std::vector<Message> records;
            for (int64_t offset = start; offset < static_cast<int64_t>(log.size()); ++offset) {
                records.push_back({log[static_cast<std::size_t>(offset)], Offset(offset)});
            }
            history.ok_poll(id, tick(), std::move(records), Offset(start));
        }
        CheckResult result = check_kafka_history(history);
        RC_LOG() << result.summary();
        RC_ASSERT(result.valid());
    });
}

}  // namespace
}  // namespace brook::scenarios
