// The quorum rig's QuorumStateStore: the real one (Kafka's quorum-state JSON file on the node's
// simulated disk), telling the rig's checker each state once it is durable, so the checker can
// hold "one vote per epoch" against what a crash cannot take back.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/quorum/kafka_quorum_state_store.h"

namespace brook::quorum::testing {

class ObservedQuorumStateStore final : public QuorumStateStore {
public:
    ObservedQuorumStateStore(Disk& disk, std::string cluster_id, std::vector<raft::NodeId> voters)
        : store_(disk, "quorum-state", std::move(cluster_id), std::move(voters)) {}

    Result<std::optional<raft::QuorumState>> load() override { return store_.load(); }

    Result<void> save(const raft::QuorumState& state) override {
        TRY(store_.save(state));
        if (on_saved) on_saved(state);
        return {};
    }

    // Told each state once it is durable.
    std::function<void(const raft::QuorumState&)> on_saved;

private:
    KafkaQuorumStateStore store_;
};

}  // namespace brook::quorum::testing
