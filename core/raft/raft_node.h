// One member of the metadata quorum as a pure state machine: KRaft's pull-based Raft (KIP-595)
// with pre-vote (KIP-996), check-quorum and snapshots (KIP-630), in the style of etcd-io/raft's
// RawNode. It never does I/O and never reads a clock: messages, ticks of virtual time and
// completions of durable writes go in; a Ready batch of writes to make durable, messages to
// send and entries to apply comes out. docs/design/raft.md explains the protocol.
//
//   RaftNode node(options, recovered_from_disk, now_ms);
//   node.tick(now_ms);                        // timers: elections, fetches, check-quorum
//   node.step(message);                       // a message from another node
//   while (node.has_ready()) {
//       Ready ready = node.ready();
//       write(ready.quorum_state, ready.install_snapshot, ready.truncate_to, ready.append);
//       fsync();  ...  node.persisted(ready.write_id);   // later, once durable
//       send(ready.messages);                 // at once: they never wait on this batch
//       apply(ready.committed);
//   }
//
// The order of durability is the protocol, and RaftNode enforces it itself rather than trusting
// the caller: a message that depends on durable state (a granted vote, anything sent in a new
// epoch, a follower's Fetch that reports its log end) is held back until persisted() says the
// write it depends on is durable, and ASSERTed when it leaves.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "core/raft/raft_log.h"
#include "core/raft/raft_messages.h"
#include "core/raft/raft_options.h"

namespace brook::raft {

// What a restarting node finds on its disk: the quorum-state file, the latest snapshot and the
// log entries after it. A new node passes the default (epoch 0, empty log).
struct RecoveredState {
    QuorumState quorum;
    std::optional<Snapshot> snapshot;
    std::vector<Entry> log;  // dense from the snapshot's end (or 0)
};

// One batch of work for the caller. Durable writes first, in this order: the quorum-state file
// (write a temporary file, fsync, rename, fsync the directory), then the snapshot to install
// (it replaces the whole log), then the log's truncation and appends; when all of them are
// durable, call persisted(write_id). Messages may be sent at once. Committed entries may be
// applied at once (they are durable on a majority, if not yet here).
struct Ready {
    uint64_t write_id = 0;  // 0: this batch holds no durable write
    std::optional<QuorumState> quorum_state;
    std::optional<Snapshot> install_snapshot;
    std::optional<Offset> truncate_to;  // drop the log from this offset on, then append
    std::vector<Entry> append;          // dense, starting at the log end after truncation
    // The log below this snapshot may be deleted; the snapshot is durable already (the caller
    // made it, see snapshot_created). Not a durability point: done whenever convenient.
    std::optional<SnapshotId> trim_log_to;
    std::vector<Message> messages;
    std::vector<Entry> committed;  // to apply, in order
    Offset high_watermark;         // after this batch

    bool has_writes() const { return write_id != 0; }
};

// The leader's view of one replica, after DescribeQuorum's ReplicaState.
struct ReplicaProgress {
    Offset end_offset = Offset(-1);  // durable end, as its last valid Fetch reported (-1: none)
    int64_t last_fetch_ms = -1;
};

class RaftNode {
public:
    RaftNode(RaftOptions options, RecoveredState recovered, int64_t now_ms);

    // Advances virtual time (never backwards) and fires the timers that are due. Other inputs
    // happen at the time of the last tick.
    void tick(int64_t now_ms);
    // A message addressed to this node. Any content is accepted: stale, duplicated, reordered
    // or foreign messages are answered or ignored, never asserted on.
    void step(const Message& message);
    // Appends records in the current epoch; only a leader accepts (returns the offset of the
    // first record), anyone else returns nullopt and the caller forwards to the leader.
    std::optional<Offset> propose(std::vector<std::string> records);
    // Every durable write of the batches up to write_id is durable.
    void persisted(uint64_t write_id);
    // The caller has durably written a snapshot of the applied state up to id.end_offset
    // (<= what was handed out as committed): the log below it may go, and lagging followers
    // are sent this snapshot.
    void snapshot_created(Snapshot snapshot);
    // Gives up leadership (shutdown): EndQuorumEpoch to the voters, most caught-up first.
    void resign();

    bool has_ready() const;
    Ready ready();

    // Views, for the driver, DescribeQuorum and tests.
    Role role() const { return role_; }
    NodeId id() const { return options_.node_id; }
    bool is_voter() const { return is_voter(options_.node_id); }
    LeaderEpoch epoch() const { return quorum_.epoch; }
    NodeId leader() const { return role_ == Role::leader ? id() : known_leader(); }
    const QuorumState& quorum_state() const { return quorum_; }
    Offset high_watermark() const { return commit_; }
    Offset log_start() const { return log_.start_offset(); }
    Offset log_end() const { return log_.end_offset(); }
    Offset durable_end() const { return durable_end_; }
    Offset epoch_start_offset() const { return epoch_start_offset_; }
    const RaftLog& log() const { return log_; }
    const std::optional<Snapshot>& snapshot() const { return snapshot_; }
    const std::map<NodeId, ReplicaProgress>& replicas() const { return progress_; }

private:
    struct PendingWrite {
        uint64_t id;
        Offset end_after;                     // log end once this write is durable
        std::optional<Offset> lowers_end_to;  // a truncation or install in this write
        std::optional<QuorumState> quorum;    // the quorum state it writes
    };
    struct Outgoing {
        uint64_t gate;  // the write that must be durable before it leaves (0: none)
        Message message;
    };
    struct SnapshotDownload {
        SnapshotId id;
        std::string bytes;
    };

    bool is_voter(NodeId node) const;
    size_t majority() const { return options_.voters.size() / 2 + 1; }
    NodeId known_leader() const;
    int64_t random_election_timeout_ms();

    // Transitions and timers (raft_roles.cc).
    void set_quorum_state(QuorumState next);
    bool observe_epoch(LeaderEpoch epoch, NodeId leader);
    void become_unattached(LeaderEpoch epoch);
    void become_follower(LeaderEpoch epoch, NodeId leader);
    void become_prospective();
    void become_candidate();
    void become_leader();
    void become_resigned();
    void tick_leader();
    void tick_follower();

    // The outbox (raft_node.cc).
    void send(NodeId to, MessageBody body, uint64_t correlation_id = 0);
    void check_outgoing(const Message& message) const;

    // Elections (raft_election.cc).
    void send_vote_requests(bool pre_vote);
    void on_vote_request(const Message& message, const VoteRequest& request);
    void on_vote_response(const Message& message, const VoteResponse& response);
    bool candidate_log_is_current(LeaderEpoch last_epoch, Offset last_offset) const;
    bool pre_vote_refused_for_leader() const;
    void on_begin_quorum_epoch(const Message& message, const BeginQuorumEpochRequest& request);
    void on_end_quorum_epoch(const Message& message, const EndQuorumEpochRequest& request);

    // Replication (raft_replication.cc).
    void maybe_send_fetch();
    void on_fetch_request(const Message& message, const FetchRequest& request);
    FetchResponse answer_valid_fetch(const FetchRequest& request);
    void on_fetch_response(const Message& message, const FetchResponse& response);
    void on_fetch_snapshot_request(const Message& message, const FetchSnapshotRequest& request);
    void on_fetch_snapshot_response(const Message& message, const FetchSnapshotResponse& response);
    void install_downloaded_snapshot();
    void truncate_log(Offset offset);
    void append_entry(const Entry& entry);
    void advance_follower_high_watermark(Offset leader_high_watermark);
    void maybe_advance_high_watermark();
    void advance_commit(Offset next);
    std::vector<NodeId> preferred_successors() const;

    RaftOptions options_;
    uint64_t random_state_;
    int64_t now_ms_;

    Role role_ = Role::unattached;
    QuorumState quorum_;          // in memory, acted on only once durable_quorum_ matches
    QuorumState durable_quorum_;  // as last persisted
    RaftLog log_;
    std::optional<Snapshot> snapshot_;
    Offset durable_end_;  // the log prefix durable and matching log_ (-1: an install is not)
    Offset commit_;       // the high watermark: every entry below it is durable on a majority
    Offset applied_;      // entries below it were handed out in Ready::committed

    // Durable writes handed out and not yet persisted, and what is not handed out yet.
    uint64_t next_write_id_ = 1;
    uint64_t persisted_id_ = 0;
    uint64_t last_quorum_write_id_ = 0;  // the latest write holding a quorum state
    std::deque<PendingWrite> pending_writes_;
    QuorumState issued_quorum_;
    Offset issued_end_;                 // the caller's log end once every handed-out write lands
    std::optional<Offset> dirty_from_;  // the log differs from what was handed out from here
    std::optional<Offset> lowered_to_;  // ... and was truncated to here (or installed)
    std::optional<Snapshot> pending_install_;
    std::optional<SnapshotId> pending_trim_;
    std::deque<Outgoing> outbox_;
    uint64_t next_correlation_id_ = 1;

    // Elections.
    int64_t election_deadline_ms_ = 0;
    int64_t next_request_ms_ = 0;     // resend of Vote or BeginQuorumEpoch requests
    std::set<NodeId> votes_granted_;  // this round's (pre-)votes, self included
    std::set<NodeId> votes_answered_;

    // Following.
    int64_t fetch_deadline_ms_ = 0;        // no word from the leader by then: election
    int64_t last_leader_contact_ms_ = -1;  // -1: not heard from a leader in this epoch
    uint64_t fetch_in_flight_ = 0;         // correlation id of the outstanding request
    int64_t fetch_sent_ms_ = 0;
    int64_t next_fetch_ms_ = 0;
    size_t discovery_index_ = 0;  // an observer without a leader asks voters in turn
    std::optional<SnapshotDownload> download_;

    // Leading.
    Offset epoch_start_offset_ = Offset(-1);      // the offset of this epoch's LeaderChange entry
    std::map<NodeId, ReplicaProgress> progress_;  // voters and observers that fetched
};

}  // namespace brook::raft
