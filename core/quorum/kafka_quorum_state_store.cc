#include "core/quorum/kafka_quorum_state_store.h"

#include <fmt/format.h>

#include "core/quorum/quorum_limits.h"
#include "core/quorum/quorum_state_file.h"

namespace brook::quorum {

KafkaQuorumStateStore::KafkaQuorumStateStore(Disk& disk, std::string path, std::string cluster_id,
                                             std::vector<raft::NodeId> voters)
    : disk_(disk),
      path_(std::move(path)),
      cluster_id_(std::move(cluster_id)),
      voters_(std::move(voters)) {}

Result<std::optional<raft::QuorumState>> KafkaQuorumStateStore::load() {
    TRY_ASSIGN(std::optional<std::string> text,
               read_small_file(disk_, path_, kQuorumStateFileBytesMax));  // May suspend.
    if (!text) return std::optional<raft::QuorumState>();
    Result<QuorumStateFile> parsed = parse_quorum_state(*text);
    if (!parsed) return parsed.error().wrap(path_);
    // Kafka's v1 file has no cluster id ("" here): nothing to compare.
    if (!parsed->cluster_id.empty() && parsed->cluster_id != cluster_id_) {
        return Error(ErrorCode::corruption, fmt::format("{}: written for cluster {}, this is {}",
                                                        path_, parsed->cluster_id, cluster_id_));
    }
    return std::optional<raft::QuorumState>(parsed->state);
}

Result<void> KafkaQuorumStateStore::save(const raft::QuorumState& state) {
    std::string text = format_quorum_state(QuorumStateFile{state, cluster_id_, voters_});
    return replace_file_durably(
        disk_, path_, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace brook::quorum
