#include "core/cluster/partition.h"

#include <algorithm>

#include "core/base/check.h"

namespace brook::cluster {

Partition::Partition(std::string topic, PartitionId id, NodeId local_node)
    : topic_(std::move(topic)),
      id_(id),
      local_(local_node),
      leader_(local_node),
      replicas_{local_node},
      isr_{local_node} {
    check_replica_invariants();
}

namespace {

bool contains(const std::vector<NodeId>& nodes, NodeId node) {
    return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

}  // namespace

void Partition::check_replica_invariants() const {
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
        ASSERT(std::find(replicas_.begin() + static_cast<std::ptrdiff_t>(i) + 1, replicas_.end(),
                         replicas_[i]) == replicas_.end(),
               "{}: replica {} named twice", directory(), replicas_[i]);
    }
    if (leader_ != NodeId(-1)) {
        ASSERT(contains(replicas_, leader_), "{}: leader {} is not a replica", directory(), leader_);
        ASSERT(contains(isr_, leader_), "{}: leader {} is not in the ISR", directory(), leader_);
    }
    for (NodeId node : isr_) {
        ASSERT(contains(replicas_, node), "{}: in-sync replica {} is not a replica", directory(),
               node);
    }
}

void Partition::set_replica_state(ReplicaState state) {
    ASSERT(state.leader_epoch >= leader_epoch_, "{}: leader epoch moved back from {} to {}",
           directory(), leader_epoch_, state.leader_epoch);
    ASSERT(state.partition_epoch >= partition_epoch_,
           "{}: partition epoch moved back from {} to {}", directory(), partition_epoch_,
           state.partition_epoch);
    replicas_ = std::move(state.replicas);
    isr_ = std::move(state.isr);
    leader_ = state.leader;
    leader_epoch_ = state.leader_epoch;
    partition_epoch_ = state.partition_epoch;
    check_replica_invariants();
    if (log_) log_->set_leader_epoch(leader_epoch_);
}

bool Partition::hosted_locally() const { return contains(replicas_, local_); }

void Partition::set_log(std::shared_ptr<log::PartitionLog> log) {
    if (log != nullptr) {
        // Opened in an epoch the partition has since left (the open suspended meanwhile).
        if (log->leader_epoch() < leader_epoch_) log->set_leader_epoch(leader_epoch_);
        ASSERT(log->leader_epoch() == leader_epoch_,
               "{}: log opened in leader epoch {}, the partition is in {}", directory(),
               log->leader_epoch(), leader_epoch_);
    }
    log_ = std::move(log);
    high_watermark_ = Offset(0);
}

Offset Partition::high_watermark() {
    ASSERT(log_ != nullptr, "{}: high watermark of an offline partition", directory());
    Offset durable_end = log_->durable_end_offset();
    // One replica: committed means durable here.
    Offset high_watermark = durable_end;
    ASSERT(high_watermark >= high_watermark_, "{}: high watermark moved back from {} to {}",
           directory(), high_watermark_, high_watermark);
    ASSERT(high_watermark <= durable_end, "{}: high watermark {} passed the durable end {}",
           directory(), high_watermark, durable_end);
    high_watermark_ = high_watermark;
    return high_watermark;
}

bool Partition::wait_for_high_watermark(Offset offset, Instant deadline) {
    std::shared_ptr<log::PartitionLog> log = log_;  // held across the suspension
    if (log == nullptr) return false;               // offline since the caller looked
    return log->wait_for_data(offset, deadline, /*durable=*/true);  // May suspend.
}

}  // namespace brook::cluster
