#include "core/controller/partition_election.h"

#include <algorithm>

namespace brook::controller {

using metadata::kNoLeader;
using metadata::PartitionChangeRecord;
using metadata::PartitionState;

NodeId elect_leader(const std::vector<NodeId>& replicas, const std::vector<NodeId>& isr,
                    const MayLead& may_lead, ControllerPlantedBug planted_bug) {
    for (NodeId replica : replicas) {
        if (std::find(isr.begin(), isr.end(), replica) == isr.end()) continue;
        if (planted_bug == ControllerPlantedBug::elect_fenced_leader || may_lead(replica)) {
            return replica;
        }
    }
    return kNoLeader;
}

std::optional<PartitionChangeRecord> change_removing_broker(const Uuid& topic_id,
                                                            PartitionId partition,
                                                            const PartitionState& state,
                                                            NodeId leaving, const MayLead& may_lead,
                                                            ControllerPlantedBug planted_bug) {
    std::vector<NodeId> isr = state.isr;
    if (isr.size() > 1) std::erase(isr, leaving);
    const bool isr_changed = isr != state.isr;
    // A leader that may not lead is replaced too: only a foreign log leaves one behind.
    const bool must_elect =
        state.leader == leaving || (state.leader != kNoLeader && !may_lead(state.leader));
    if (!isr_changed && !must_elect) return std::nullopt;
    PartitionChangeRecord change{partition, topic_id};
    if (isr_changed) change.isr = isr;
    if (must_elect) {
        change.leader = elect_leader(
            state.replicas, isr, [&](NodeId id) { return id != leaving && may_lead(id); },
            planted_bug);
    }
    return change;
}

std::optional<PartitionChangeRecord> change_electing_leader(const Uuid& topic_id,
                                                            PartitionId partition,
                                                            const PartitionState& state,
                                                            const MayLead& may_lead,
                                                            ControllerPlantedBug planted_bug) {
    if (state.leader != kNoLeader) return std::nullopt;
    NodeId leader = elect_leader(state.replicas, state.isr, may_lead, planted_bug);
    if (leader == kNoLeader) return std::nullopt;
    PartitionChangeRecord change{partition, topic_id};
    change.leader = leader;
    return change;
}

}  // namespace brook::controller
