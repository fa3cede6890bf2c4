// One partition of a topic as the cluster sees it: its replica state (leader, leader epoch,
// replicas, in-sync replicas), its high watermark, and its log on this node. The one owner of
// those facts: request handlers and the group coordinator ask the partition, never recompute
// them (docs/design/cluster.md).
//
//   std::shared_ptr<Partition> p = topics.partition("orders", PartitionId(0));
//   std::shared_ptr<log::PartitionLog> log = p->log();     // nullptr while offline
//   Offset visible = p->high_watermark();                   // serve only below this
//   p->wait_for_high_watermark(visible, deadline);          // long poll; May suspend
//
// A single node leads every partition alone in leader epoch 0, its ISR is itself. In KRaft mode
// the metadata log decides: set_replica_state() takes the replicas, ISR, leader and epochs the
// committed ClusterView names, and this node serves the partition only while it leads it
// (led_locally()) and keeps its log only while it is a replica (hosted_locally()). A record is
// committed once it is durable on this node, so the high watermark is the log's durable end;
// data replication changes exactly that and nothing that reads it.
//
// Invariants (asserted): the replicas are distinct; the leader is none (-1) or a replica in the
// ISR; the ISR is a subset of the replicas; the leader epoch and the partition epoch never go
// back; the high watermark never passes the log's durable end and, for one open log, never
// moves backward. A reopened log (after an I/O error) starts a new count: recovery keeps what is
// durable, but a batch it finds corrupt is cut, and the simulator's checkers count records lost
// that way as detected loss.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/base/strong_type.h"
#include "core/base/time.h"
#include "core/log/partition_log.h"

namespace brook::cluster {

class Partition {
public:
    // A partition that `local_node` leads alone: its only replica and in-sync replica, epoch 0.
    Partition(std::string topic, PartitionId id, NodeId local_node);

    // What the metadata log says of this partition now (KRaft mode). `replicas` in preferred
    // order, `leader` -1 for none. The caller passes a state no older than the current one.
    struct ReplicaState {
        std::vector<NodeId> replicas;
        std::vector<NodeId> isr;
        NodeId leader{-1};
        LeaderEpoch leader_epoch{0};
        int32_t partition_epoch = 0;
    };
    void set_replica_state(ReplicaState state);

    const std::string& topic() const { return topic_; }
    PartitionId id() const { return id_; }
    std::string directory() const { return fmt::format("{}-{}", topic_, id_); }

    // -1: no leader (every replica in the ISR is fenced or gone).
    NodeId leader() const { return leader_; }
    LeaderEpoch leader_epoch() const { return leader_epoch_; }
    int32_t partition_epoch() const { return partition_epoch_; }
    // In preferred order, the first the preferred leader.
    const std::vector<NodeId>& replicas() const { return replicas_; }
    const std::vector<NodeId>& isr() const { return isr_; }
    // Whether this node serves the partition's produce and fetch requests.
    bool led_locally() const { return leader_ == local_; }
    // Whether this node is one of the replicas, and so keeps a log of the partition.
    bool hosted_locally() const;

    // The open log, or nullptr while it is offline awaiting a reopen.
    std::shared_ptr<log::PartitionLog> log() const { return log_; }
    void set_log(std::shared_ptr<log::PartitionLog> log);

    // What a consumer may see: every offset below it is committed (today: fsynced on this node,
    // the only replica). Fetch serves records below it and reports it, ListOffsets' latest is
    // it, and the group coordinator replays its offsets topic up to it. Requires an open log.
    Offset high_watermark();

    // Parks until the high watermark passes `offset`, the log goes offline, or the deadline
    // passes. True when there is data at `offset`; false at once while offline. May suspend.
    bool wait_for_high_watermark(Offset offset, Instant deadline);

private:
    void check_replica_invariants() const;

    std::string topic_;
    PartitionId id_;
    NodeId local_;
    NodeId leader_;
    LeaderEpoch leader_epoch_{0};
    int32_t partition_epoch_ = 0;
    std::vector<NodeId> replicas_;
    std::vector<NodeId> isr_;
    std::shared_ptr<log::PartitionLog> log_;
    // The highest high watermark reported for the current log; it never goes back.
    Offset high_watermark_{0};
};

}  // namespace brook::cluster
