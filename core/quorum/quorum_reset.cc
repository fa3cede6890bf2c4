#include "core/quorum/quorum_reset.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base/check.h"
#include "core/quorum/kafka_quorum_state_store.h"
#include "core/quorum/metadata_log.h"
#include "core/quorum/quorum_limits.h"

namespace brook::quorum {
namespace {

Result<void> check_voters(std::vector<raft::NodeId>& voters, raft::NodeId self) {
    std::sort(voters.begin(), voters.end());
    if (std::adjacent_find(voters.begin(), voters.end()) != voters.end()) {
        return Error(ErrorCode::invalid_argument, "the new voter set names a node twice");
    }
    if (!std::binary_search(voters.begin(), voters.end(), self)) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("the new voter set does not include this node ({}): reset the "
                                 "quorum on the nodes that will be its voters",
                                 self));
    }
    return {};
}

// The end of the node's metadata log and the epoch of its last entry (or of the snapshot it
// starts from). May suspend.
Result<void> read_log_end(Disk& disk, Logger& logger, QuorumReset& reset) {
    TRY_ASSIGN(bool present, disk.exists(kResetLogDirectory));
    if (!present) return {};  // never stored an entry
    TRY_ASSIGN(OpenedMetadataLog opened,
               MetadataLog::open(disk, logger.child("log"), std::string(kResetLogDirectory),
                                 MetadataLogOptions{}));
    reset.log_end_offset = opened.log->end_offset();
    if (!opened.entries.empty()) {
        reset.last_log_epoch = opened.entries.back().epoch;
    } else if (opened.snapshot) {
        reset.last_log_epoch = opened.snapshot->id.epoch;
    }
    return {};
}

std::string id_list(const std::vector<raft::NodeId>& ids) {
    std::string text;
    for (raft::NodeId id : ids) text += fmt::format("{}{}", text.empty() ? "" : ",", id);
    return text;
}

}  // namespace

Result<QuorumReset> unsafe_reset_quorum(Disk& disk, Logger logger, QuorumResetRequest request) {
    ASSERT(request.self != raft::kNoNode);
    TRY(check_voters(request.voters, request.self));
    TRY_ASSIGN(std::optional<std::string> text,
               read_small_file(disk, kResetStatePath, kQuorumStateFileBytesMax));
    if (!text) {
        return Error(ErrorCode::not_found,
                     fmt::format("{} not found: this node never took part in the quorum, so "
                                 "there is nothing to reset",
                                 kResetStatePath));
    }
    Result<QuorumStateFile> parsed = parse_quorum_state(*text);
    if (!parsed) return parsed.error().wrap(kResetStatePath);
    // Kafka's v1 file has no cluster id ("" here): nothing to compare.
    if (!parsed->cluster_id.empty() && parsed->cluster_id != request.cluster_id) {
        return Error(ErrorCode::corruption,
                     fmt::format("{}: written for cluster {}, this node is of {}",
                                 kResetStatePath, parsed->cluster_id, request.cluster_id));
    }
    QuorumReset reset;
    reset.before = *parsed;
    TRY(read_log_end(disk, logger, reset));
    // The file's epoch never goes back, and the log's entries are never of a later epoch than
    // the file's (a node saves an epoch before it appends in it); the new epoch is above both.
    LeaderEpoch epoch = std::max(reset.before.state.epoch, reset.last_log_epoch);
    reset.after = QuorumStateFile{
        raft::QuorumState{LeaderEpoch(epoch.value() + 1), raft::kNoNode, raft::kNoNode},
        request.cluster_id, request.voters};
    // The node's own writer: the same file, written the same durable way, as a restarted node
    // configured with the new voters would write it.
    TRY(KafkaQuorumStateStore(disk, std::string(kResetStatePath), request.cluster_id,
                              request.voters)
            .save(reset.after.state));
    logger.warn("UNSAFE quorum reset: epoch {} -> {}, voters {} -> {}, log end {} (epoch {})",
                reset.before.state.epoch, reset.after.state.epoch,
                id_list(reset.before.voters), id_list(reset.after.voters),
                reset.log_end_offset, reset.last_log_epoch);
    return reset;
}

}  // namespace brook::quorum
