// Judges what Brook's own client library (core/client/) saw against what it promises, for the
// `client-produce` scenario (scenarios/client_scenario.cc).
//
//   ClientChecker checker;
//   checker.acknowledged("p1", 7, PartitionId(0), Offset(12));   // a delivery report
//   checker.read("c1", PartitionId(0), Offset(12), "p1", 7);      // a consumer returned it
//   checker.final_read(PartitionId(0), Offset(12), "p1", 7);      // the verifier, at the end
//   std::optional<std::string> anomaly = checker.check();
//
// Each record carries its producer and a sequence number in send order. Without idempotence a
// retried batch may be stored twice, so duplicates are allowed; what is not:
//   lost-write      an acknowledged record is not at the offset its delivery report named
//   reordered       a producer's acknowledged records of one partition have offsets that do
//                   not grow with their sequence numbers (a retry overtook a later batch)
//   double-report   one record got two delivery reports
//   phantom-read    a record read that no producer sent (a corrupt or misattributed record)
//   unstable-read   a consumer read a record at an offset where the final log holds another
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/strong_type.h"

namespace brook::scenarios {

class ClientChecker {
public:
    void sent(const std::string& producer, uint64_t sequence);
    void acknowledged(const std::string& producer, uint64_t sequence, PartitionId partition,
                      Offset offset);
    void read(const std::string& consumer, PartitionId partition, Offset offset,
              const std::string& producer, uint64_t sequence);
    void final_read(PartitionId partition, Offset offset, const std::string& producer,
                    uint64_t sequence);
    // A violation seen on the spot (a consumer error that must not happen).
    void violation(std::string what);

    // The first anomaly found, or nullopt.
    std::optional<std::string> check() const;

    std::size_t acknowledged_count() const { return acknowledged_.size(); }
    std::size_t read_count() const { return reads_; }
    std::size_t final_count() const { return final_.size(); }

private:
    using RecordId = std::pair<std::string, uint64_t>;  // producer, sequence
    struct Placement {
        PartitionId partition;
        Offset offset;
    };

    std::map<std::string, uint64_t> sent_;  // producer -> sequences sent (0..n-1)
    std::map<RecordId, Placement> acknowledged_;
    std::map<std::pair<PartitionId, Offset>, RecordId> final_;
    std::vector<std::pair<std::pair<PartitionId, Offset>, RecordId>> reads_seen_;
    std::size_t reads_ = 0;
    std::vector<std::string> violations_;
};

}  // namespace brook::scenarios
