// RaftNode's elections: pre-vote (KIP-996), Vote, BeginQuorumEpoch and EndQuorumEpoch.
#include <algorithm>

#include "core/base/check.h"
#include "core/raft/raft_node.h"

namespace brook::raft {

void RaftNode::send_vote_requests(bool pre_vote) {
    // A pre-vote asks about the epoch a candidacy would bump to; a vote is in the bumped epoch.
    LeaderEpoch candidate_epoch = pre_vote ? epoch() + 1 : epoch();
    for (NodeId voter : options_.voters) {
        if (votes_answered_.count(voter) != 0) continue;
        send(voter,
             VoteRequest{candidate_epoch, id(), log_.last_epoch(), log_.end_offset(), pre_vote});
    }
    next_request_ms_ = now_ms_ + options_.request_timeout_ms;
}

// Raft's election restriction: a candidate's log must be at least as up to date as ours.
bool RaftNode::candidate_log_is_current(LeaderEpoch last_epoch, Offset last_offset) const {
    if (last_epoch != log_.last_epoch()) return last_epoch > log_.last_epoch();
    return last_offset >= log_.end_offset();
}

// KIP-996: a voter that heard from a live leader within the fetch timeout refuses pre-votes,
// so a node coming back from a partition cannot unseat a leader the majority still follows.
bool RaftNode::pre_vote_refused_for_leader() const {
    if (role_ == Role::leader) return true;
    return role_ == Role::follower && last_leader_contact_ms_ >= 0 &&
           now_ms_ - last_leader_contact_ms_ < options_.fetch_timeout_ms;
}

void RaftNode::on_vote_request(const Message& message, const VoteRequest& request) {
    VoteResponse response;
    response.pre_vote = request.pre_vote;
    auto answer = [&] {
        response.leader_id = known_leader();
        response.leader_epoch = epoch();
        send(message.from, response, message.correlation_id);
    };
    if (!is_voter() || !is_voter(request.candidate_id) || request.candidate_id != message.from) {
        response.error = RaftError::inconsistent_voter_set;
        answer();
        return;
    }
    bool log_ok = candidate_log_is_current(request.last_offset_epoch, request.last_offset);
    if (request.pre_vote) {
        // Nothing changes here, whatever the answer: a pre-vote is a question.
        bool epoch_ok = request.candidate_epoch > epoch() ||
                        (request.candidate_epoch == epoch() && quorum_.leader == kNoNode &&
                         (quorum_.voted_for == kNoNode || quorum_.voted_for == message.from));
        response.vote_granted = epoch_ok && log_ok && !pre_vote_refused_for_leader();
        answer();
        return;
    }
    if (request.candidate_epoch < epoch()) {
        response.error = RaftError::fenced_leader_epoch;
        answer();
        return;
    }
    if (request.candidate_epoch > epoch()) become_unattached(request.candidate_epoch);
    bool free = quorum_.leader == kNoNode &&
                (quorum_.voted_for == kNoNode || quorum_.voted_for == message.from);
    if (free && log_ok) {
        // The vote is durable before the answer leaves (send() gates it on this write).
        set_quorum_state(QuorumState{epoch(), message.from, kNoNode});
        if (role_ == Role::unattached) {
            election_deadline_ms_ = now_ms_ + random_election_timeout_ms();
        }
        response.vote_granted = true;
    }
    answer();
}

void RaftNode::on_vote_response(const Message& message, const VoteResponse& response) {
    // A granted pre-vote may still name the leader the voter followed (it just stopped
    // trusting it, e.g. after EndQuorumEpoch): following that leader again would undo the
    // election. Only a refusal is news about the leader.
    bool granted_pre_vote = response.pre_vote && response.vote_granted;
    bool current = granted_pre_vote ? response.leader_epoch <= epoch()
                                    : observe_epoch(response.leader_epoch, response.leader_id);
    if (!is_voter(message.from) || response.error != RaftError::none) return;
    if (response.pre_vote) {
        // A grant from a voter still in an older epoch counts: it agreed to our next epoch.
        if (role_ != Role::prospective) return;
    } else if (role_ != Role::candidate || !current || response.leader_epoch != epoch()) {
        return;
    }
    votes_answered_.insert(message.from);
    if (response.vote_granted) votes_granted_.insert(message.from);
    if (votes_granted_.size() < majority()) return;
    if (role_ == Role::prospective) {
        become_candidate();
    } else {
        become_leader();
    }
}

void RaftNode::on_begin_quorum_epoch(const Message& message,
                                     const BeginQuorumEpochRequest& request) {
    BeginQuorumEpochResponse response;
    if (!is_voter() || request.leader_id != message.from) {
        response.error = RaftError::inconsistent_voter_set;
    } else if (request.leader_epoch < epoch()) {
        response.error = RaftError::fenced_leader_epoch;
    } else {
        observe_epoch(request.leader_epoch, request.leader_id);
        if (role_ == Role::follower && quorum_.leader == message.from) {
            last_leader_contact_ms_ = now_ms_;
            fetch_deadline_ms_ = now_ms_ + options_.fetch_timeout_ms;
        }
    }
    response.leader_id = known_leader();
    response.leader_epoch = epoch();
    send(message.from, response, message.correlation_id);
}

void RaftNode::on_end_quorum_epoch(const Message& message, const EndQuorumEpochRequest& request) {
    EndQuorumEpochResponse response;
    if (request.leader_id != message.from) {
        response.error = RaftError::inconsistent_voter_set;
    } else if (request.leader_epoch < epoch()) {
        response.error = RaftError::fenced_leader_epoch;
    } else {
        observe_epoch(request.leader_epoch, request.leader_id);
        if (role_ == Role::follower && quorum_.leader == message.from &&
            epoch() == request.leader_epoch) {
            // The leader is gone: stop counting it as heard from, and let the preferred
            // successors go first, in their order (KIP-595).
            last_leader_contact_ms_ = -1;
            const std::vector<NodeId>& successors = request.preferred_successors;
            auto position = std::find(successors.begin(), successors.end(), id());
            int64_t wait_ms = position != successors.end()
                                  ? (position - successors.begin()) * options_.election_backoff_ms
                                  : random_election_timeout_ms();
            fetch_deadline_ms_ = std::min(fetch_deadline_ms_, now_ms_ + wait_ms);
        }
    }
    response.leader_id = known_leader();
    response.leader_epoch = epoch();
    send(message.from, response, message.correlation_id);
}

}  // namespace brook::raft
