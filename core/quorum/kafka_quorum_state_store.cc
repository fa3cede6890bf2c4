#include "core/quorum/kafka_quorum_state_store.h"

#include <fmt/format.h>

#include "core/quorum/quorum_state_file.h"

namespace brook::quorum {

KafkaQuorumStateStore::KafkaQuorumStateStore(Disk& disk, std::string path, std::string cluster_id,
                                             std::vector<raft::NodeId> voters)
    : disk_(disk),
      path_(std::move(path)),
      cluster_id_(std::move(cluster_id)),
      voters_(std::move(voters)) {}

Result<std::optional<raft::QuorumState>> KafkaQuorumStateStore::load() {
    TRY_ASSIGN(bool present, disk_.exists(path_));
    if (!present) return std::optional<raft::QuorumState>();
    TRY_ASSIGN(std::unique_ptr<File> file, disk_.open(path_, OpenMode::read_only));
    TRY_ASSIGN(uint64_t size, file->size());
    std::string text(size, '\0');
    TRY_ASSIGN(std::size_t read,
               file->read_at(0, std::span(reinterpret_cast<uint8_t*>(text.data()), text.size())));
    text.resize(read);
    Result<QuorumStateFile> parsed = parse_quorum_state(text);
    if (!parsed) return parsed.error().wrap(path_);
    // Kafka's v1 file has no cluster id ("" here): nothing to compare.
    if (!parsed->cluster_id.empty() && parsed->cluster_id != cluster_id_) {
        return Error(ErrorCode::corruption,
                     fmt::format("{}: written for cluster {}, this is {}", path_,
                                 parsed->cluster_id, cluster_id_));
    }
    return std::optional<raft::QuorumState>(parsed->state);
}

Result<void> KafkaQuorumStateStore::save(const raft::QuorumState& state) {
    std::string text = format_quorum_state(QuorumStateFile{state, cluster_id_, voters_});
    return replace_file_durably(
        disk_, path_, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace brook::quorum
