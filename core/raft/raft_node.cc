// RaftNode's skeleton: construction from the disk, the inputs, the batch of work (Ready), the
// durable-write bookkeeping and the outbox. Roles and timers are in raft_roles.cc, elections in
// raft_election.cc, replication and snapshots in raft_replication.cc.
#include "core/raft/raft_node.h"

#include <algorithm>

#include "core/base/check.h"

namespace brook::raft {

namespace {

// splitmix64 (the standard seed spreader): enough for election jitter.
uint64_t next_random(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

SnapshotId base_of(const RecoveredState& recovered) {
    return recovered.snapshot ? recovered.snapshot->id : SnapshotId{};
}

}  // namespace

RaftNode::RaftNode(RaftOptions options, RecoveredState recovered, int64_t now_ms)
    : options_(std::move(options)),
      random_state_(options_.seed ^ (static_cast<uint64_t>(options_.node_id.value()) << 32)),
      now_ms_(now_ms),
      quorum_(recovered.quorum),
      durable_quorum_(recovered.quorum),
      log_(base_of(recovered), std::move(recovered.log)),
      snapshot_(std::move(recovered.snapshot)),
      durable_end_(log_.end_offset()),
      commit_(log_.start_offset()),
      applied_(log_.start_offset()),
      issued_quorum_(recovered.quorum),
      issued_end_(log_.end_offset()) {
    ASSERT(options_.fetch_timeout_ms > 0 && options_.election_timeout_ms > 0 &&
           options_.request_timeout_ms > 0 && options_.fetch_max_entries > 0 &&
           options_.fetch_max_bytes > 0 &&
           options_.snapshot_chunk_bytes > 0);
    ASSERT(std::is_sorted(options_.voters.begin(), options_.voters.end()) &&
               std::adjacent_find(options_.voters.begin(), options_.voters.end()) ==
                   options_.voters.end(),
           "voters must be sorted and distinct");
    // Kafka's QuorumState.initialize: a node that led this epoch before a restart cannot lead
    // it again (its in-memory leader state is gone), so it starts resigned.
    if (quorum_.leader == id()) {
        role_ = Role::resigned;
        election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
    } else if (quorum_.leader != kNoNode) {
        role_ = Role::follower;
        fetch_deadline_ms_ = now_ms_ + options_.fetch_timeout_ms;
    } else {
        role_ = Role::unattached;
        election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
    }
}

bool RaftNode::is_voter(NodeId node) const {
    return std::binary_search(options_.voters.begin(), options_.voters.end(), node);
}

NodeId RaftNode::known_leader() const {
    return role_ == Role::follower || role_ == Role::leader ? quorum_.leader : kNoNode;
}

int64_t RaftNode::random_election_timeout_ms() {
    uint64_t timeout = static_cast<uint64_t>(options_.election_timeout_ms);
    return static_cast<int64_t>(timeout + next_random(random_state_) % timeout);
}

// ---- inputs --------------------------------------------------------------------------------

void RaftNode::tick(int64_t now_ms) {
    ASSERT(now_ms >= now_ms_, "time went back from {} to {}", now_ms_, now_ms);
    now_ms_ = now_ms;
    switch (role_) {
        case Role::leader:
            tick_leader();
            break;
        case Role::follower:
            tick_follower();
            break;
        case Role::prospective:
        case Role::candidate:
            if (now_ms_ >= election_deadline_ms_) {
                // KIP-996: a candidate whose election timed out goes back to asking for
                // pre-votes, so it cannot disturb a leader that meanwhile won elsewhere.
                become_prospective();
            } else if (now_ms_ >= next_request_ms_) {
                send_vote_requests(role_ == Role::prospective);
            }
            break;
        case Role::unattached:
        case Role::resigned:
            if (!is_voter()) {
                maybe_send_fetch();  // an observer looks for the leader
            } else if (now_ms_ >= election_deadline_ms_) {
                become_prospective();
            }
            break;
    }
}

void RaftNode::step(const Message& message) {
    if (message.to != id()) return;
    if (is_request(message.body) && message.cluster_id != options_.cluster_id) {
        // Answered with the error, like Kafka, only for requests we would otherwise serve.
        if (std::holds_alternative<FetchRequest>(message.body)) {
            FetchResponse response;
            response.error = RaftError::inconsistent_cluster_id;
            send(message.from, std::move(response), message.correlation_id);
        }
        return;
    }
    std::visit(
        [&](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, VoteRequest>) {
                on_vote_request(message, body);
            } else if constexpr (std::is_same_v<T, VoteResponse>) {
                on_vote_response(message, body);
            } else if constexpr (std::is_same_v<T, BeginQuorumEpochRequest>) {
                on_begin_quorum_epoch(message, body);
            } else if constexpr (std::is_same_v<T, BeginQuorumEpochResponse> ||
                                 std::is_same_v<T, EndQuorumEpochResponse>) {
                observe_epoch(body.leader_epoch, body.leader_id);
            } else if constexpr (std::is_same_v<T, EndQuorumEpochRequest>) {
                on_end_quorum_epoch(message, body);
            } else if constexpr (std::is_same_v<T, FetchRequest>) {
                on_fetch_request(message, body);
            } else if constexpr (std::is_same_v<T, FetchResponse>) {
                on_fetch_response(message, body);
            } else if constexpr (std::is_same_v<T, FetchSnapshotRequest>) {
                on_fetch_snapshot_request(message, body);
            } else {
                on_fetch_snapshot_response(message, body);
            }
        },
        message.body);
    maybe_send_fetch();
}

std::optional<Offset> RaftNode::propose(std::vector<std::string> records) {
    if (role_ != Role::leader) return std::nullopt;
    Offset first = log_.end_offset();
    for (std::string& record : records) {
        append_entry(Entry{log_.end_offset(), epoch(), EntryKind::data, std::move(record)});
    }
    return first;
}

void RaftNode::persisted(uint64_t write_id) {
    ASSERT(write_id < next_write_id_, "persisted({}) of a write never handed out", write_id);
    if (write_id <= persisted_id_) return;
    persisted_id_ = write_id;
    bool popped = false;
    while (!pending_writes_.empty() && pending_writes_.front().id <= write_id) {
        durable_end_ = pending_writes_.front().end_after;
        if (pending_writes_.front().quorum) durable_quorum_ = *pending_writes_.front().quorum;
        pending_writes_.pop_front();
        popped = true;
    }
    if (popped) {
        // Later truncations (handed out or not) take back what they cut.
        for (const PendingWrite& write : pending_writes_) {
            if (write.lowers_end_to) durable_end_ = std::min(durable_end_, *write.lowers_end_to);
        }
        if (lowered_to_) durable_end_ = std::min(durable_end_, *lowered_to_);
    }
    ASSERT(durable_end_ <= log_.end_offset(), "durable end {} beyond the log end {}", durable_end_,
           log_.end_offset());
    if (role_ == Role::leader) maybe_advance_high_watermark();
    maybe_send_fetch();
}

void RaftNode::snapshot_created(Snapshot snapshot) {
    SnapshotId id = snapshot.id;
    ASSERT(id.end_offset <= applied_, "snapshot up to {} but only {} was applied", id.end_offset,
           applied_);
    if (id.end_offset <= log_.start_offset()) return;  // not newer than what we have
    log_.trim_to_snapshot(id);
    snapshot_ = std::move(snapshot);
    pending_trim_ = id;
}

void RaftNode::resign() {
    if (role_ == Role::leader) become_resigned();
}

// ---- the batch of work ---------------------------------------------------------------------

bool RaftNode::has_ready() const {
    bool message_ready = !outbox_.empty() && outbox_.front().gate <= persisted_id_;
    return quorum_ != issued_quorum_ || dirty_from_ || pending_install_ || pending_trim_ ||
           message_ready || applied_ < commit_;
}

Ready RaftNode::ready() {
    Ready ready;
    bool quorum_dirty = quorum_ != issued_quorum_;
    if (quorum_dirty || dirty_from_ || pending_install_) {
        ready.write_id = next_write_id_++;
        PendingWrite write{ready.write_id, log_.end_offset(), lowered_to_, std::nullopt};
        if (quorum_dirty) {
            ready.quorum_state = quorum_;
            write.quorum = quorum_;
            issued_quorum_ = quorum_;
            last_quorum_write_id_ = ready.write_id;
        }
        if (pending_install_) {
            ready.install_snapshot = std::move(*pending_install_);
            pending_install_.reset();
        }
        if (dirty_from_) {
            Offset from = std::max(*dirty_from_, log_.start_offset());
            if (from < issued_end_) ready.truncate_to = from;
            ready.append = log_.slice(from, SIZE_MAX);
        }
        issued_end_ = log_.end_offset();
        dirty_from_.reset();
        lowered_to_.reset();
        pending_writes_.push_back(write);
    }
    ready.trim_log_to = pending_trim_;
    pending_trim_.reset();
    while (!outbox_.empty() && outbox_.front().gate <= persisted_id_) {
        check_outgoing(outbox_.front().message);
        ready.messages.push_back(std::move(outbox_.front().message));
        outbox_.pop_front();
    }
    if (applied_ < commit_) {
        ASSERT(applied_ >= log_.start_offset(), "entries {}..{} to apply are gone (log from {})",
               applied_, commit_, log_.start_offset());
        ready.committed = log_.slice(applied_, static_cast<size_t>(commit_ - applied_));
        applied_ = commit_;
    }
    ready.high_watermark = commit_;
    return ready;
}

void RaftNode::send(NodeId to, MessageBody body, uint64_t correlation_id) {
    ASSERT(to != id(), "a message to itself");
    // Anything sent waits for the quorum state as it is now to be durable: a granted vote, a
    // request in a new epoch, an answer that names a leader.
    uint64_t gate = quorum_ != issued_quorum_ ? next_write_id_ : last_quorum_write_id_;
    if (options_.planted_bug == RaftPlantedBug::vote_before_durable &&
        std::holds_alternative<VoteResponse>(body)) {
        gate = 0;
    }
    Message message{id(), to, correlation_id, is_request(body) ? options_.cluster_id : "",
                    std::move(body)};
    outbox_.push_back(Outgoing{gate, std::move(message)});
}

// What must hold when a message leaves: the epoch it speaks in is durable, and a granted vote
// is durable as a vote for that candidate (KIP-595: the quorum state is fsynced before a vote
// or an epoch is acted on).
void RaftNode::check_outgoing(const Message& message) const {
    if (options_.planted_bug == RaftPlantedBug::vote_before_durable) return;
    if (const auto* vote = std::get_if<VoteResponse>(&message.body);
        vote && vote->vote_granted && !vote->pre_vote) {
        ASSERT(durable_quorum_.epoch > vote->leader_epoch ||
                   (durable_quorum_.epoch == vote->leader_epoch &&
                    durable_quorum_.voted_for == message.to),
               "vote for {} in epoch {} leaves before it is durable (durable: epoch {} voted {})",
               message.to, vote->leader_epoch, durable_quorum_.epoch, durable_quorum_.voted_for);
    }
    if (const auto* vote = std::get_if<VoteRequest>(&message.body); vote && !vote->pre_vote) {
        ASSERT(durable_quorum_.epoch >= vote->candidate_epoch,
               "vote request in epoch {} before "
               "the epoch is durable",
               vote->candidate_epoch);
    }
    if (const auto* begin = std::get_if<BeginQuorumEpochRequest>(&message.body)) {
        ASSERT(durable_quorum_.epoch > begin->leader_epoch ||
                   (durable_quorum_.epoch == begin->leader_epoch && durable_quorum_.leader == id()),
               "BeginQuorumEpoch of epoch {} before the leadership is durable",
               begin->leader_epoch);
    }
    if (const auto* fetch = std::get_if<FetchRequest>(&message.body)) {
        ASSERT(durable_quorum_.epoch >= fetch->current_leader_epoch,
               "fetch in epoch {} before the epoch is durable", fetch->current_leader_epoch);
        // The leader counts the fetch offset as durable here.
        ASSERT(fetch->fetch_offset <= durable_end_ ||
                   options_.planted_bug == RaftPlantedBug::fetch_before_durable,
               "fetch at {} but only {} is durable", fetch->fetch_offset, durable_end_);
    }
}

std::string_view role_name(Role role) {
    switch (role) {
        case Role::unattached:
            return "unattached";
        case Role::prospective:
            return "prospective";
        case Role::candidate:
            return "candidate";
        case Role::leader:
            return "leader";
        case Role::follower:
            return "follower";
        case Role::resigned:
            return "resigned";
    }
    return "?";
}

}  // namespace brook::raft
