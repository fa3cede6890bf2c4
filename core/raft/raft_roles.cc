// RaftNode's roles: the quorum state's rules, the transitions between Unattached, Prospective,
// Candidate, Leader, Follower and Resigned, and the timers of the leader and the follower.
#include "core/base/check.h"
#include "core/raft/raft_node.h"

namespace brook::raft {

void RaftNode::set_quorum_state(QuorumState next) {
    ASSERT(next.epoch >= quorum_.epoch, "epoch goes back from {} to {}", quorum_.epoch, next.epoch);
    if (next.epoch == quorum_.epoch) {
        ASSERT(quorum_.voted_for == kNoNode || quorum_.voted_for == next.voted_for,
               "second vote in epoch {}: {} after {}", next.epoch, next.voted_for,
               quorum_.voted_for);
        ASSERT(quorum_.leader == kNoNode || quorum_.leader == next.leader,
               "second leader in epoch {}: {} after {}", next.epoch, next.leader, quorum_.leader);
    }
    quorum_ = next;
}

// A message told of an epoch and maybe its leader. Returns false when it is older than ours.
bool RaftNode::observe_epoch(LeaderEpoch epoch, NodeId leader) {
    if (epoch < quorum_.epoch) return false;
    if (epoch > quorum_.epoch) {
        if (leader != kNoNode && leader != id()) {
            become_follower(epoch, leader);
        } else {
            become_unattached(epoch);
        }
        return true;
    }
    if (leader == kNoNode || leader == id()) return true;
    ASSERT(role_ != Role::leader && quorum_.leader != id(),
           "node {} leads epoch {} but {} claims it too", id(), epoch, leader);
    if (role_ != Role::follower || quorum_.leader != leader) become_follower(epoch, leader);
    return true;
}

void RaftNode::become_unattached(LeaderEpoch epoch) {
    ASSERT(epoch > quorum_.epoch);
    set_quorum_state(QuorumState{epoch, kNoNode, kNoNode});
    role_ = Role::unattached;
    election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
    last_leader_contact_ms_ = -1;
    fetch_in_flight_ = 0;
    download_.reset();
    progress_.clear();
}

void RaftNode::become_follower(LeaderEpoch epoch, NodeId leader) {
    NodeId voted = epoch == quorum_.epoch ? quorum_.voted_for : kNoNode;
    set_quorum_state(QuorumState{epoch, voted, leader});
    role_ = Role::follower;
    fetch_deadline_ms_ = now_ms_ + options_.fetch_timeout_ms;
    last_leader_contact_ms_ = -1;
    fetch_in_flight_ = 0;
    next_fetch_ms_ = now_ms_;
    download_.reset();
    progress_.clear();
}

void RaftNode::become_prospective() {
    ASSERT(is_voter());
    role_ = Role::prospective;
    election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
    votes_granted_ = {id()};
    votes_answered_ = {id()};
    fetch_in_flight_ = 0;
    download_.reset();
    if (votes_granted_.size() >= majority()) {
        become_candidate();
        return;
    }
    send_vote_requests(/*pre_vote=*/true);
}

void RaftNode::become_candidate() {
    set_quorum_state(QuorumState{quorum_.epoch + 1, id(), kNoNode});
    role_ = Role::candidate;
    election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
    last_leader_contact_ms_ = -1;
    votes_granted_ = {id()};
    votes_answered_ = {id()};
    if (votes_granted_.size() >= majority()) {
        become_leader();
        return;
    }
    send_vote_requests(/*pre_vote=*/false);
}

void RaftNode::become_leader() {
    ASSERT(role_ == Role::candidate && quorum_.voted_for == id());
    set_quorum_state(QuorumState{quorum_.epoch, id(), id()});
    role_ = Role::leader;
    progress_.clear();
    for (NodeId voter : options_.voters) {
        if (voter != id()) progress_[voter] = ReplicaProgress{Offset(-1), now_ms_};
    }
    // The epoch's first entry is its LeaderChange record; nothing from an older epoch counts
    // as committed until it is (the high watermark must pass epoch_start_offset_).
    epoch_start_offset_ = log_.end_offset();
    std::string granting;
    for (NodeId voter : votes_granted_) granting += fmt::format("{},", voter);
    append_entry(Entry{log_.end_offset(), epoch(), EntryKind::leader_change,
                       fmt::format("leader={} granting={}", id(), granting)});
    for (NodeId voter : options_.voters) {
        if (voter != id()) send(voter, BeginQuorumEpochRequest{id(), epoch()});
    }
    next_request_ms_ = now_ms_ + options_.request_timeout_ms;
    maybe_advance_high_watermark();
}

void RaftNode::become_resigned() {
    ASSERT(role_ == Role::leader);
    role_ = Role::resigned;
    election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
    std::vector<NodeId> successors = preferred_successors();
    for (NodeId voter : options_.voters) {
        if (voter != id()) send(voter, EndQuorumEpochRequest{id(), epoch(), successors});
    }
    progress_.clear();
}

void RaftNode::tick_leader() {
    // Check-quorum: a leader that a majority has not fetched from within 1.5 fetch timeouts
    // may have been replaced behind a partition; it steps down rather than serve stale reads.
    int64_t window_ms = options_.fetch_timeout_ms * 3 / 2;
    size_t in_touch = 1;
    for (NodeId voter : options_.voters) {
        if (voter == id()) continue;
        if (now_ms_ - progress_[voter].last_fetch_ms <= window_ms) ++in_touch;
    }
    if (in_touch < majority()) {
        become_resigned();
        return;
    }
    if (now_ms_ >= next_request_ms_) {
        // Voters that have not fetched in this epoch may not know it began.
        for (NodeId voter : options_.voters) {
            if (voter != id() && progress_[voter].end_offset < Offset(0)) {
                send(voter, BeginQuorumEpochRequest{id(), epoch()});
            }
        }
        next_request_ms_ = now_ms_ + options_.request_timeout_ms;
    }
}

void RaftNode::tick_follower() {
    if (now_ms_ >= fetch_deadline_ms_) {
        if (is_voter()) {
            become_prospective();
        } else {
            role_ = Role::unattached;  // an observer looks for the leader again
            fetch_in_flight_ = 0;
            download_.reset();
        }
        return;
    }
    maybe_send_fetch();
}

}  // namespace brook::raft
