// Judges a whole Kafka workload history (scenarios/history.h) against what a broker promises,
// after Jepsen's `kafka` workload checker, whose anomaly names it uses where they fit.
//
//   CheckResult result = check_kafka_history(history, CheckOptions{});
//   if (!result.valid()) fmt::print("{}\n", result.summary());
//
// Anomalies (each reported with the offending operations: process, partition, offsets, values,
// virtual times):
//   lost-write           an acknowledged value was never read, though a later offset of its
//                        partition was (offsets below retention's log start are excused)
//   unseen               an acknowledged value was never read, and nothing after it either; the
//                        workloads read every partition to its end at the finish, so this is a
//                        loss at the log's tail
//   duplicate            one value stored at two offsets (or in two partitions)
//   inconsistent-offsets one offset of a partition holds two values across sends and polls
//   G1a                  a poll read a value whose send definitely failed (aborted read)
//   phantom              a poll read a value no one ever sent
//   poll-skip            a consumer's successive reads of a partition jumped over offsets with
//                        no seek or assign in between
//   nonmonotonic-poll    a consumer's successive reads went back (or repeated an offset)
//   nonmonotonic-send    a producer's later acknowledged send to a partition landed below its
//                        earlier one
//   corrupt-read         the broker served a batch the client had to reject (bad CRC)
//   unhonoured-commit    a consumer resuming a group's partition started somewhere other than
//                        the offset last committed before it resumed (or a commit racing it)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scenarios/history.h"

namespace brook::scenarios {

struct CheckOptions {
    // The disk may lose or corrupt acknowledged data (silent bit flips: a single node has no
    // replica to repair from, and recovery truncates at the corruption). Then lost-write,
    // unseen, inconsistent-offsets and nonmonotonic-send are expected and not reported, and
    // corrupt batches are expected too (clients reject them); phantom, duplicate, G1a and the
    // poll ordering anomalies still are.
    bool storage_may_lose_data = false;
    // Producers retry without idempotence, so a value may be stored twice: `duplicate` is
    // not reported (Jepsen counts duplicates only against idempotent producers).
    bool allow_duplicates = false;
    // The history ends with reads of every partition up to its end, so every acknowledged value
    // must have been seen (else `unseen`).
    bool final_reads = true;
};

struct Anomaly {
    std::string name;         // "lost-write", ...
    std::string description;  // the offending records
};

struct CheckResult {
    std::vector<Anomaly> anomalies;
    std::size_t acknowledged = 0;  // values acknowledged
    std::size_t read = 0;          // records read by polls
    std::size_t seeks = 0;         // consumers moving their position (after the first)
    std::size_t resumes = 0;       // consumers resuming from a group's committed offset

    bool valid() const { return anomalies.empty(); }
    bool has(std::string_view name) const;
    // "lost-write x2, poll-skip x1: <first of each, in full>", or a count of what was checked.
    std::string summary() const;
};

CheckResult check_kafka_history(const History& history, const CheckOptions& options = {});

}  // namespace brook::scenarios
