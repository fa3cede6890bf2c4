// The partition changes the controller writes when a broker stops or starts being able to lead:
// Kafka's PartitionChangeBuilder reduced to what Brook needs (no reassignment, no eligible
// leader replicas, no unclean election).
//
//   auto change = change_removing_broker(topic_id, partition, state, fenced, is_active);
//   if (change) emit(*change);
//
// A leader is elected from the ISR in replica order (the preferred replica first), among the
// brokers that may lead; none: leader -1. A broker leaves the ISR, except as its last member:
// Kafka keeps the last in-sync replica there with no leader, so that the partition comes back,
// with its data, when that broker does.
#pragma once

#include <functional>
#include <optional>

#include "core/controller/controller_options.h"
#include "core/metadata/metadata_image.h"

namespace brook::controller {

using metadata::Uuid;

// Whether a broker may lead: registered, unfenced and not in controlled shutdown, as the
// command in progress sees it.
using MayLead = std::function<bool(NodeId)>;

// The first replica in the ISR that may lead, or kNoLeader.
NodeId elect_leader(const std::vector<NodeId>& replicas, const std::vector<NodeId>& isr,
                    const MayLead& may_lead, ControllerPlantedBug planted_bug);

// Takes `leaving` out of the ISR and, when it leads, elects another leader (a new leader
// epoch). nullopt when the partition does not change.
std::optional<metadata::PartitionChangeRecord> change_removing_broker(
    const Uuid& topic_id, PartitionId partition, const metadata::PartitionState& state,
    NodeId leaving, const MayLead& may_lead, ControllerPlantedBug planted_bug);

// Elects a leader for a partition without one, if an ISR member may lead now.
std::optional<metadata::PartitionChangeRecord> change_electing_leader(
    const Uuid& topic_id, PartitionId partition, const metadata::PartitionState& state,
    const MayLead& may_lead, ControllerPlantedBug planted_bug);

}  // namespace brook::controller
