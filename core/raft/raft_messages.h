// The quorum RPCs as plain values, carrying the information of Kafka's KRaft schemas (Vote,
// BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot; see docs/design/raft.md for the field
// map). The single metadata partition (`__cluster_metadata`-0) is implied, so the Topics /
// Partitions nesting of the wire schemas is flattened. Encoding them with Brook's codec is the
// driver's job; RaftNode only exchanges these values.
//
//   Message m{NodeId(1), NodeId(2), 0, "cluster", VoteRequest{...}};
//   if (auto* vote = std::get_if<VoteRequest>(&m.body)) ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/raft/raft_types.h"

namespace brook::raft {

// VoteRequest. A pre-vote (KIP-996, Vote v2's PreVote) asks "would you vote for me in
// candidate_epoch?" and changes no state on either side. last_offset is the candidate's log end
// offset (Kafka sends endOffset), last_offset_epoch the epoch of the entry before it.
struct VoteRequest {
    LeaderEpoch candidate_epoch;
    NodeId candidate_id;
    LeaderEpoch last_offset_epoch;
    Offset last_offset;
    bool pre_vote = false;
};

struct VoteResponse {
    RaftError error = RaftError::none;
    NodeId leader_id = kNoNode;  // the responder's view of its epoch
    LeaderEpoch leader_epoch;
    bool vote_granted = false;
    bool pre_vote = false;  // echoes the request
};

// A new leader announces itself to every voter (repeated until the voter fetches).
struct BeginQuorumEpochRequest {
    NodeId leader_id;
    LeaderEpoch leader_epoch;
};

struct BeginQuorumEpochResponse {
    RaftError error = RaftError::none;
    NodeId leader_id = kNoNode;
    LeaderEpoch leader_epoch;
};

// A leader that gives up (check-quorum failure, shutdown) hands over: the voters in
// preferred_successors start the next election first, in that order.
struct EndQuorumEpochRequest {
    NodeId leader_id;
    LeaderEpoch leader_epoch;
    std::vector<NodeId> preferred_successors;
};

struct EndQuorumEpochResponse {
    RaftError error = RaftError::none;
    NodeId leader_id = kNoNode;
    LeaderEpoch leader_epoch;
};

// Fetch of the metadata partition. replica_id is Fetch v15's ReplicaState.ReplicaId (voters and
// observers alike); fetch_offset is the fetcher's log end, which RaftNode only sends once that
// end is durable, so the leader may count it as the fetcher's durable offset.
struct FetchRequest {
    NodeId replica_id;
    LeaderEpoch current_leader_epoch;
    Offset fetch_offset;
    LeaderEpoch last_fetched_epoch;  // epoch of the entry at fetch_offset - 1 (0 if none)
};

// KIP-595's EpochEndOffset: the largest epoch <= last_fetched_epoch and where it ends.
struct DivergingEpoch {
    LeaderEpoch epoch;
    Offset end_offset;
};

// At most one of diverging_epoch, snapshot_id and non-empty records is set.
struct FetchResponse {
    RaftError error = RaftError::none;
    NodeId leader_id = kNoNode;  // CurrentLeader
    LeaderEpoch leader_epoch;
    Offset high_watermark = Offset(-1);
    Offset log_start_offset = Offset(-1);
    std::optional<DivergingEpoch> diverging_epoch;
    std::optional<SnapshotId> snapshot_id;  // fetch_offset is below the log start: FetchSnapshot
    std::vector<Entry> records;
};

struct FetchSnapshotRequest {
    NodeId replica_id;
    LeaderEpoch current_leader_epoch;
    SnapshotId snapshot_id;
    int64_t position = 0;  // byte position within the snapshot
};

struct FetchSnapshotResponse {
    RaftError error = RaftError::none;
    NodeId leader_id = kNoNode;
    LeaderEpoch leader_epoch;
    SnapshotId snapshot_id;
    int64_t size = 0;      // total size of the snapshot
    int64_t position = 0;  // where `bytes` starts
    std::string bytes;     // UnalignedRecords
};

using MessageBody =
    std::variant<VoteRequest, VoteResponse, BeginQuorumEpochRequest, BeginQuorumEpochResponse,
                 EndQuorumEpochRequest, EndQuorumEpochResponse, FetchRequest, FetchResponse,
                 FetchSnapshotRequest, FetchSnapshotResponse>;

// One message between two nodes. correlation_id plays the request header's role: a response
// carries its request's id, and a node takes a Fetch or FetchSnapshot answer only for the
// request it still waits on, so a late duplicate cannot move its log. cluster_id is the
// ClusterId of every KRaft request body; responses leave it empty.
struct Message {
    NodeId from;
    NodeId to;
    uint64_t correlation_id = 0;
    std::string cluster_id;
    MessageBody body;
};

bool is_request(const MessageBody& body);

// "Vote(epoch=3 candidate=1 last=2@7 pre)": for test failures and traces.
std::string describe(const Message& message);

}  // namespace brook::raft
