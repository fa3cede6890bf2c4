// The history of a Kafka workload: every client operation as an invocation and a completion,
// in Jepsen's form, so a checker can judge the whole run afterwards
// (scenarios/kafka_history_checker.h).
//
//   History history;
//   OperationId send = history.invoke_send("p1", PartitionId(0), {41, 42}, now);
//   history.ok_send(send, later, Offset(10));          // 41 at offset 10, 42 at 11
//   OperationId poll = history.invoke_poll("c1", PartitionId(0), Offset(10), now);
//   history.ok_poll(poll, later, {{41, Offset(10)}, {42, Offset(11)}}, Offset(0));
//   history.info(other, later, "timeout");             // outcome unknown: maybe applied
//
// A send carries unique values (one per record); producers never resend a value, so a value
// stored twice is the broker's doing. Results: `ok` (it happened, with what it returned),
// `fail` (it definitely did not happen), `info` (unknown: a timeout, a disconnect, an error the
// broker may have answered after writing). Times are virtual time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/strong_type.h"
#include "core/base/time.h"

namespace brook::scenarios {

enum class OperationType { send, poll, commit, seek, assign };
enum class OperationResult { pending, ok, fail, info };

std::string_view operation_type_name(OperationType type);
std::string_view operation_result_name(OperationResult result);

// One record as written or read: its unique value and where it is stored.
struct Message {
    uint64_t value = 0;
    Offset offset{-1};  // -1 while a send is unacknowledged

    bool operator==(const Message&) const = default;
};

using OperationId = std::size_t;

struct Operation {
    OperationId id = 0;
    std::string process;  // a producer, consumer or group member ("p1", "c2", "verifier")
    OperationType type = OperationType::send;
    PartitionId partition{0};
    Instant invoked{};
    Instant completed{};
    OperationResult result = OperationResult::pending;
    // send: the values, with offsets once acknowledged; poll: the records read, in order.
    std::vector<Message> messages;
    // poll: the offset asked for; seek: the new position; commit: the offset committed;
    // assign: the position the consumer resumes from (-1: no committed offset).
    Offset offset{-1};
    // commit and assign: the consumer group (assign: empty when not resuming from a commit).
    std::string group;
    // poll: the partition's log start offset in the response (retention's horizon).
    Offset log_start{-1};
    // poll: batches the client rejected as corrupt (bad CRC, undecodable); never data.
    int corrupt_batches = 0;
    std::string error;  // fail and info: why

    // "c1 poll p0 @12 ok [41@12 42@13] 1.2s-1.3s"
    std::string describe() const;
};

class History {
public:
    OperationId invoke_send(std::string process, PartitionId partition,
                            const std::vector<uint64_t>& values, Instant now);
    // The broker acknowledged the send: its values sit at base, base + 1, ...
    void ok_send(OperationId id, Instant now, Offset base);

    OperationId invoke_poll(std::string process, PartitionId partition, Offset from, Instant now);
    void ok_poll(OperationId id, Instant now, std::vector<Message> records, Offset log_start,
                 int corrupt_batches = 0);

    // A consumer moved its position (after OFFSET_OUT_OF_RANGE, or by choice). Always ok.
    void seek(std::string process, PartitionId partition, Offset to, Instant now);

    OperationId invoke_commit(std::string process, std::string group, PartitionId partition,
                              Offset offset, Instant now);
    void ok_commit(OperationId id, Instant now);

    // A consumer takes a partition; with a group, it resumes from that group's committed
    // offset `position` (-1: none was committed). Always ok.
    void assign(std::string process, std::string group, PartitionId partition, Offset position,
                Instant now);

    // The operation definitely did not take effect.
    void fail(OperationId id, Instant now, std::string error);
    // Its outcome is unknown (timeout, disconnect, an error that may follow a write).
    void info(OperationId id, Instant now, std::string error);

    const std::vector<Operation>& operations() const { return operations_; }
    const Operation& operation(OperationId id) const { return operations_.at(id); }
    std::size_t size() const { return operations_.size(); }

private:
    OperationId invoke(std::string process, OperationType type, PartitionId partition, Instant now);
    Operation& pending(OperationId id, OperationType type);

    std::vector<Operation> operations_;  // in invocation order; id = index
};

}  // namespace brook::scenarios
