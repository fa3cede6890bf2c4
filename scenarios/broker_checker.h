// Judges what simulated clients of the broker saw against its guarantees (the `broker-crash`
// scenario, scenarios/broker_scenario.cc).
//
//   BrokerChecker checker;
//   checker.sent("p1", id, PartitionId(0));              // a batch left a producer
//   checker.acknowledged("p1", id, PartitionId(0), Offset(12));   // acks=-1 answered
//   checker.read("c1", PartitionId(0), Offset(12), id);  // a consumer read that batch there
//   checker.final_read(PartitionId(0), Offset(12), id);  // the verifier, after the last crash
//   std::optional<std::string> anomaly = checker.check();
//
// Every batch carries a unique id (producers never resend an id, so any id stored twice is the
// broker's doing). Anomalies, named after Jepsen's where they fit:
//   lost-write      an acknowledged batch is not at its acknowledged offset at the end
//   duplicate       one id stored at two offsets
//   phantom-read    a consumer read an id that no producer sent
//   unstable-read   two reads of one offset returned different batches (consumers must only
//                   see durable data, which no crash can change)
//   gap             a consumer's reads of a partition skipped offsets
//   nonmonotonic    one producer's acknowledged offsets in a partition went down
//   wrong-partition an id read from a partition it was not sent to
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/strong_type.h"

namespace brook::scenarios {

class BrokerChecker {
public:
    void sent(const std::string& producer, uint64_t id, PartitionId partition);
    void acknowledged(const std::string& producer, uint64_t id, PartitionId partition,
                      Offset offset);
    // A consumer read batch `id` at `offset`; `expected` is where it asked to continue.
    void read(const std::string& consumer, PartitionId partition, Offset offset, uint64_t id,
              Offset expected);
    // The final walk of a partition after the last restart.
    void final_read(PartitionId partition, Offset offset, uint64_t id);
    // An anomaly a client noticed directly (e.g. OFFSET_OUT_OF_RANGE for an offset it had read).
    void violation(std::string what);

    // The first anomaly found, with the offending values; nullopt when valid.
    std::optional<std::string> check() const;

    std::size_t acknowledged_count() const { return acknowledged_.size(); }
    std::size_t read_count() const { return reads_; }

private:
    struct Ack {
        std::string producer;
        uint64_t id;
        PartitionId partition;
        Offset offset;
    };
    void observe(PartitionId partition, Offset offset, uint64_t id, const std::string& who);

    std::map<uint64_t, PartitionId> sent_;                        // id -> partition
    std::vector<Ack> acknowledged_;                               // in acknowledgement order
    std::map<std::pair<int32_t, int64_t>, uint64_t> observed_;    // (partition, offset) -> id
    std::map<uint64_t, std::pair<int32_t, int64_t>> placed_;      // id -> first place seen
    std::map<std::pair<int32_t, int64_t>, uint64_t> final_;       // the verifier's view
    std::size_t reads_ = 0;
    std::optional<std::string> violation_;
};

}  // namespace brook::scenarios
