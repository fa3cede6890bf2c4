#include "core/raft/raft_messages.h"

#include <fmt/format.h>

namespace brook::raft {

bool is_request(const MessageBody& body) {
    return std::holds_alternative<VoteRequest>(body) ||
           std::holds_alternative<BeginQuorumEpochRequest>(body) ||
           std::holds_alternative<EndQuorumEpochRequest>(body) ||
           std::holds_alternative<FetchRequest>(body) ||
           std::holds_alternative<FetchSnapshotRequest>(body);
}

namespace {

std::string describe_body(const VoteRequest& m) {
    return fmt::format("Vote(epoch={} candidate={} last={}@{}{})", m.candidate_epoch,
                       m.candidate_id, m.last_offset_epoch, m.last_offset,
                       m.pre_vote ? " pre" : "");
}
std::string describe_body(const VoteResponse& m) {
    return fmt::format("VoteResponse({} epoch={} leader={} granted={}{})", raft_error_name(m.error),
                       m.leader_epoch, m.leader_id, m.vote_granted, m.pre_vote ? " pre" : "");
}
std::string describe_body(const BeginQuorumEpochRequest& m) {
    return fmt::format("BeginQuorumEpoch(epoch={} leader={})", m.leader_epoch, m.leader_id);
}
std::string describe_body(const BeginQuorumEpochResponse& m) {
    return fmt::format("BeginQuorumEpochResponse({} epoch={} leader={})", raft_error_name(m.error),
                       m.leader_epoch, m.leader_id);
}
std::string describe_body(const EndQuorumEpochRequest& m) {
    return fmt::format("EndQuorumEpoch(epoch={} leader={} successors={})", m.leader_epoch,
                       m.leader_id, m.preferred_successors.size());
}
std::string describe_body(const EndQuorumEpochResponse& m) {
    return fmt::format("EndQuorumEpochResponse({} epoch={} leader={})", raft_error_name(m.error),
                       m.leader_epoch, m.leader_id);
}
std::string describe_body(const FetchRequest& m) {
    return fmt::format("Fetch(epoch={} offset={} last_epoch={})", m.current_leader_epoch,
                       m.fetch_offset, m.last_fetched_epoch);
}
std::string describe_body(const FetchResponse& m) {
    std::string extra;
    if (m.diverging_epoch) {
        extra = fmt::format(" diverging={}@{}", m.diverging_epoch->epoch,
                            m.diverging_epoch->end_offset);
    }
    if (m.snapshot_id) {
        extra += fmt::format(" snapshot={}@{}", m.snapshot_id->epoch, m.snapshot_id->end_offset);
    }
    return fmt::format("FetchResponse({} epoch={} leader={} hw={} records={}{})",
                       raft_error_name(m.error), m.leader_epoch, m.leader_id, m.high_watermark,
                       m.records.size(), extra);
}
std::string describe_body(const FetchSnapshotRequest& m) {
    return fmt::format("FetchSnapshot(epoch={} snapshot={}@{} position={})", m.current_leader_epoch,
                       m.snapshot_id.epoch, m.snapshot_id.end_offset, m.position);
}
std::string describe_body(const FetchSnapshotResponse& m) {
    return fmt::format("FetchSnapshotResponse({} epoch={} snapshot={}@{} {}+{}/{})",
                       raft_error_name(m.error), m.leader_epoch, m.snapshot_id.epoch,
                       m.snapshot_id.end_offset, m.position, m.bytes.size(), m.size);
}

}  // namespace

std::string describe(const Message& message) {
    return fmt::format(
        "{}->{} #{} {}", message.from, message.to, message.correlation_id,
        std::visit([](const auto& body) { return describe_body(body); }, message.body));
}

std::string_view raft_error_name(RaftError error) {
    switch (error) {
        case RaftError::none:
            return "ok";
        case RaftError::fenced_leader_epoch:
            return "fenced_leader_epoch";
        case RaftError::not_leader_or_follower:
            return "not_leader_or_follower";
        case RaftError::inconsistent_voter_set:
            return "inconsistent_voter_set";
        case RaftError::inconsistent_cluster_id:
            return "inconsistent_cluster_id";
        case RaftError::snapshot_not_found:
            return "snapshot_not_found";
        case RaftError::position_out_of_range:
            return "position_out_of_range";
    }
    return "?";
}

}  // namespace brook::raft
