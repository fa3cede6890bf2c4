// The QuorumStateStore of a real node: Kafka's `quorum-state` file (quorum_state_file.h's JSON)
// on the Disk, replaced durably. What a Kafka tool reads in a KRaft metadata directory.
//
//   KafkaQuorumStateStore store(env.disk, "quorum-state", cluster_id, voters);
//   TRY_ASSIGN(std::optional<raft::QuorumState> state, store.load());   // May suspend.
#pragma once

#include <string>
#include <vector>

#include "core/io/disk.h"
#include "core/quorum/quorum_state_store.h"

namespace brook::quorum {

class KafkaQuorumStateStore final : public QuorumStateStore {
public:
    KafkaQuorumStateStore(Disk& disk, std::string path, std::string cluster_id,
                          std::vector<raft::NodeId> voters);

    // corruption for a file that does not parse, or that names another cluster (a directory
    // formatted for another cluster must not vote here). May suspend.
    Result<std::optional<raft::QuorumState>> load() override;
    // May suspend.
    Result<void> save(const raft::QuorumState& state) override;

private:
    Disk& disk_;
    std::string path_;
    std::string cluster_id_;
    std::vector<raft::NodeId> voters_;
};

}  // namespace brook::quorum
