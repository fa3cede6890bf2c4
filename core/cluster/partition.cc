#include "core/cluster/partition.h"

#include <algorithm>

#include "core/base/check.h"

namespace brook::cluster {

Partition::Partition(std::string topic, PartitionId id, NodeId local_node)
    : topic_(std::move(topic)),
      id_(id),
      leader_(local_node),
      replicas_{local_node},
      isr_{local_node} {
    ASSERT(std::find(replicas_.begin(), replicas_.end(), leader_) != replicas_.end(),
           "{}: leader {} is not a replica", directory(), leader_);
    ASSERT(std::find(isr_.begin(), isr_.end(), leader_) != isr_.end(),
           "{}: leader {} is not in the ISR", directory(), leader_);
    ASSERT(std::includes(replicas_.begin(), replicas_.end(), isr_.begin(), isr_.end()),
           "{}: the ISR is not a subset of the replicas", directory());
}

void Partition::set_log(std::shared_ptr<log::PartitionLog> log) {
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
