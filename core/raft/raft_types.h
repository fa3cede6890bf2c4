// The values the metadata quorum's Raft speaks in: node ids, epochs, offsets, log entries, the
// quorum state that is fsynced before it is acted on, and snapshot ids. No behaviour here.
//
//   Entry entry{Offset(7), LeaderEpoch(3), EntryKind::data, "payload"};
//   QuorumState state{LeaderEpoch(3), /*voted_for=*/NodeId(2), /*leader=*/kNoNode};
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/strong_type.h"

namespace brook::raft {

using brook::LeaderEpoch;
using brook::NodeId;
using brook::Offset;

// Kafka's "-1": no leader known, no vote cast, a replica that is not a voter.
inline constexpr NodeId kNoNode = NodeId(-1);

enum class EntryKind : uint8_t {
    data,           // an opaque record batch of the caller (metadata records)
    leader_change,  // Kafka's LeaderChangeMessage control record: the first entry of each epoch
};

// One entry of the metadata log. Offsets are dense: entry n+1 follows entry n. The epoch is the
// epoch of the leader that appended it (Kafka's batch PartitionLeaderEpoch).
struct Entry {
    Offset offset;
    LeaderEpoch epoch;
    EntryKind kind = EntryKind::data;
    std::string data;

    bool operator==(const Entry&) const = default;
};

// Kafka's QuorumStateData {LeaderEpoch, VotedId, LeaderId}: what must be durable before a node
// acts in an epoch. voted_for is kept when the leader of the same epoch becomes known, so a
// restarted node never votes twice in one epoch.
struct QuorumState {
    LeaderEpoch epoch = LeaderEpoch(0);
    NodeId voted_for = kNoNode;
    NodeId leader = kNoNode;

    bool operator==(const QuorumState&) const = default;
};

// Kafka's SnapshotId {EndOffset, Epoch}: the snapshot holds the effect of every entry below
// end_offset; epoch is the epoch of the entry at end_offset - 1.
struct SnapshotId {
    Offset end_offset = Offset(0);
    LeaderEpoch epoch = LeaderEpoch(0);

    bool operator==(const SnapshotId&) const = default;
};

// A snapshot with its content, opaque to Raft.
struct Snapshot {
    SnapshotId id;
    std::string bytes;

    bool operator==(const Snapshot&) const = default;
};

// Roles after Kafka's QuorumState (KIP-595) plus Prospective (KIP-996).
enum class Role : uint8_t {
    unattached,   // an epoch but no leader known; may have voted in it
    prospective,  // asking for pre-votes; the epoch is not bumped yet
    candidate,    // bumped the epoch, voted for itself, asking for votes
    leader,
    follower,  // knows the epoch's leader and fetches from it (voters and observers)
    resigned,  // was the leader of the current epoch and gave it up; waits for the next
};

// Error codes of the quorum RPCs, named after Kafka's; the codec maps them to wire numbers.
enum class RaftError : uint8_t {
    none,
    fenced_leader_epoch,      // the request's epoch is older than the receiver's
    not_leader_or_follower,   // a Fetch or FetchSnapshot to a node that is not the leader
    inconsistent_voter_set,   // a Vote from, or to, a node that is not a voter
    inconsistent_cluster_id,  // the request names another cluster
    snapshot_not_found,       // FetchSnapshot of a snapshot the leader no longer has
    position_out_of_range,    // FetchSnapshot position beyond the snapshot's size
};

std::string_view role_name(Role role);
std::string_view raft_error_name(RaftError error);

}  // namespace brook::raft
