#include "core/replication/partition_replicas.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/base/check.h"

namespace brook::replication {

namespace {

bool contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool bug(const ReplicationOptions& options, ReplicationPlantedBug planted) {
    return options.planted_bug == planted;
}

// What a pending proposal becomes on an error (Kafka's Partition.handleAlterPartitionError).
enum class ErrorOutcome { roll_back, await_metadata, retry };

ErrorOutcome classify(KafkaError error) {
    switch (error) {
        // Checked by the controller after the partition epoch: this proposal was never applied.
        case KafkaError::ineligible_replica:
        case KafkaError::operation_not_attempted:
        case KafkaError::invalid_request:
        case KafkaError::unknown_topic_or_partition:
        case KafkaError::unknown_topic_id:
            return ErrorOutcome::roll_back;
        // The partition moved on; an earlier send may have been applied.
        case KafkaError::fenced_leader_epoch:
        case KafkaError::invalid_update_version:
        case KafkaError::new_leader_elected:
            return ErrorOutcome::await_metadata;
        default:
            return ErrorOutcome::retry;
    }
}

}  // namespace

PartitionReplicas::PartitionReplicas(ReplicationOptions options, const PartitionMetadata& metadata,
                                     Offset log_end, Offset durable_end, Offset high_watermark,
                                     int64_t now_ms)
    : options_(options),
      leader_epoch_(metadata.leader_epoch),
      leader_epoch_start_(log_end),
      min_isr_(std::min<int32_t>(options.min_insync_replicas,
                                 static_cast<int32_t>(metadata.replicas.size()))),
      partition_epoch_(metadata.partition_epoch),
      replicas_(metadata.replicas),
      isr_(metadata.isr),
      log_end_(log_end),
      durable_end_(durable_end),
      high_watermark_(high_watermark) {
    ASSERT(metadata.leader == options_.self, "replica state of {} for a partition led by {}",
           options_.self, metadata.leader);
    ASSERT(options_.min_insync_replicas >= 1 && options_.replica_lag_time_max_ms > 0);
    ASSERT(Offset(0) <= high_watermark && high_watermark <= durable_end && durable_end <= log_end,
           "high watermark {}, durable end {}, log end {}", high_watermark, durable_end, log_end);
    // Kafka's makeLeader: every ISR member starts caught up now, so none is shrunk before it
    // had replica.lag.time.max.ms to fetch from the new leader.
    adopt_brokers(metadata, now_ms);
    check_invariants();
}

// ---- inputs ----------------------------------------------------------------------------------

void PartitionReplicas::on_append(Offset log_end) {
    ASSERT(log_end >= log_end_, "the leader's log end went back from {} to {}", log_end_, log_end);
    log_end_ = log_end;
}

void PartitionReplicas::on_durable(Offset durable_end) {
    ASSERT(durable_end >= durable_end_ && durable_end <= log_end_,
           "the leader's durable end moved from {} to {} with its log end at {}", durable_end_,
           durable_end, log_end_);
    durable_end_ = durable_end;
    advance_high_watermark();
}

bool PartitionReplicas::on_fetch(const ReplicaFetch& fetch, int64_t now_ms) {
    auto found = followers_.find(fetch.replica);
    // Another epoch's fetch, or one from an incarnation the metadata does not show (the broker
    // restarted, or its registration is not applied here yet), says nothing about this log
    // (C3). Nor does an offset past the leader's log end (the handler answers it
    // OFFSET_OUT_OF_RANGE) or one that diverged.
    if (found == followers_.end() || fetch.leader_epoch != leader_epoch_ ||
        fetch.broker_epoch != found->second.broker.epoch || fetch.diverging ||
        fetch.fetch_offset < Offset(0) || fetch.fetch_offset > log_end_) {
        return false;
    }
    Follower& follower = found->second;
    // Kafka's Replica.updateFetchStateOrThrow: caught up at this fetch if it reached the leader's
    // log end; at the previous fetch if it reached the log end the leader had then.
    if (fetch.fetch_offset >= log_end_) {
        follower.last_caught_up_ms = std::max(follower.last_caught_up_ms, now_ms);
    } else if (fetch.fetch_offset >= follower.last_fetch_leader_end) {
        follower.last_caught_up_ms = std::max(follower.last_caught_up_ms, follower.last_fetch_ms);
    }
    follower.last_fetch_leader_end = log_end_;
    follower.last_fetch_ms = now_ms;
    // A fetch overtaken by a later one (a reconnect) must not take a durable end back.
    follower.durable_end = std::max(follower.durable_end.value_or(Offset(0)), fetch.fetch_offset);
    advance_high_watermark();
    return true;
}

void PartitionReplicas::on_metadata(const PartitionMetadata& metadata, int64_t now_ms) {
    ASSERT(metadata.leader == options_.self && metadata.leader_epoch == leader_epoch_,
           "metadata of leader {} in epoch {} given to the state of leader {} in epoch {}",
           metadata.leader, metadata.leader_epoch, options_.self, leader_epoch_);
    if (metadata.partition_epoch > partition_epoch_) {
        replicas_ = metadata.replicas;
        min_isr_ =
            std::min<int32_t>(options_.min_insync_replicas, static_cast<int32_t>(replicas_.size()));
        adopt_committed(metadata.isr, metadata.partition_epoch);
    } else if (metadata.partition_epoch == partition_epoch_) {
        // Both come from the one committed log: the same epoch is the same state.
        ASSERT((metadata.isr == isr_ && metadata.replicas == replicas_) ||
                   bug(options_, ReplicationPlantedBug::shrink_before_commit),
               "partition epoch {} with ISR {} and {}", partition_epoch_, metadata.isr, isr_);
    }
    adopt_brokers(metadata, now_ms);
    advance_high_watermark();
    check_invariants();
}

void PartitionReplicas::on_proposal_reply(const ProposalReply& reply) {
    if (!pending_ || pending_->proposal.id != reply.proposal_id ||
        pending_->state != PendingState::in_flight) {
        return;  // superseded, rolled back, or a duplicate
    }
    if (reply.error == KafkaError::none) {
        bool valid = reply.leader_epoch == leader_epoch_ && contains(reply.isr, options_.self) &&
                     std::all_of(reply.isr.begin(), reply.isr.end(),
                                 [&](NodeId id) { return is_replica(id); });
        if (!valid) {
            // The controller moved the partition on (Kafka's NEW_LEADER_ELECTED case): the
            // metadata will say how.
            pending_->state = PendingState::awaiting_metadata;
        } else if (reply.partition_epoch > partition_epoch_) {
            adopt_committed(reply.isr, reply.partition_epoch);  // E1: committed, so in use
        } else {
            pending_.reset();  // the metadata brought the change first
        }
    } else {
        switch (classify(reply.error)) {
            case ErrorOutcome::roll_back:
                pending_.reset();
                break;
            case ErrorOutcome::await_metadata:
                pending_->state = PendingState::awaiting_metadata;
                break;
            case ErrorOutcome::retry:
                pending_->state = PendingState::to_send;
                break;
        }
    }
    advance_high_watermark();
    check_invariants();
}

// ---- proposals -------------------------------------------------------------------------------

std::optional<IsrProposal> PartitionReplicas::propose_isr_change(int64_t now_ms) {
    if (pending_) {
        if (pending_->state != PendingState::to_send) return std::nullopt;
        pending_->state = PendingState::in_flight;
        return pending_->proposal;
    }
    if (auto shrink = propose_shrink(now_ms)) return shrink;
    return propose_expansion();
}

std::optional<IsrProposal> PartitionReplicas::propose_shrink(int64_t now_ms) {
    std::vector<NodeId> kept;
    for (NodeId id : isr_) {
        if (id == options_.self || caught_up(followers_.at(id), now_ms)) kept.push_back(id);
    }
    if (kept.size() == isr_.size()) return std::nullopt;
    IsrProposal proposal = make_proposal(kept);
    pending_ = Pending{proposal, PendingState::in_flight, std::nullopt};
    if (bug(options_, ReplicationPlantedBug::shrink_before_commit)) isr_ = kept;
    return proposal;
}

std::optional<IsrProposal> PartitionReplicas::propose_expansion() {
    for (const auto& [id, follower] : followers_) {  // the lowest id first: deterministic
        if (contains(isr_, id) || !meets_e4(follower)) continue;
        std::vector<NodeId> grown = isr_;
        grown.push_back(id);
        IsrProposal proposal = make_proposal(grown);
        pending_ = Pending{proposal, PendingState::in_flight, id};
        check_invariants();
        return proposal;
    }
    return std::nullopt;
}

IsrProposal PartitionReplicas::make_proposal(std::vector<NodeId> isr) {
    IsrProposal proposal{next_proposal_id_++, leader_epoch_, partition_epoch_, {}};
    for (NodeId id : isr) {
        BrokerEpoch epoch =
            id == options_.self ? self_broker_.epoch : followers_.at(id).broker.epoch;
        proposal.new_isr.push_back({id, epoch});
    }
    return proposal;
}

bool PartitionReplicas::caught_up(const Follower& follower, int64_t now_ms) const {
    // Kafka's Replica.isCaughtUp, over the durable end: at the leader's log end, or there
    // within replica.lag.time.max.ms.
    return follower.durable_end == log_end_ ||
           now_ms - follower.last_caught_up_ms <= options_.replica_lag_time_max_ms;
}

bool PartitionReplicas::meets_e4(const Follower& follower) const {
    // A counted durable end exists only for a fetch in this leader epoch at the broker's
    // current epoch, so that part of E4 holds of every follower that has one.
    if (!follower.broker.eligible || !follower.durable_end) return false;
    if (bug(options_, ReplicationPlantedBug::expand_before_caught_up)) return true;
    return *follower.durable_end >= high_watermark_ && *follower.durable_end >= leader_epoch_start_;
}

// ---- state -----------------------------------------------------------------------------------

void PartitionReplicas::adopt_brokers(const PartitionMetadata& metadata, int64_t now_ms) {
    auto broker_of = [&](NodeId id) {
        auto found = metadata.brokers.find(id);
        return found == metadata.brokers.end() ? ReplicaBroker{} : found->second;
    };
    self_broker_ = broker_of(options_.self);
    std::map<NodeId, Follower> followers;
    for (NodeId id : replicas_) {
        if (id == options_.self) continue;
        auto known = followers_.find(id);
        Follower follower = known == followers_.end() ? Follower{} : known->second;
        ReplicaBroker broker = broker_of(id);
        if (known == followers_.end()) {
            follower.last_caught_up_ms = now_ms;
            follower.last_fetch_ms = now_ms;
        } else if (broker.epoch != follower.broker.epoch) {
            // Another incarnation: what the last one reported is not this one's to count.
            follower.durable_end.reset();
            follower.last_fetch_leader_end = Offset(-1);
        }
        follower.broker = broker;
        followers.emplace(id, follower);
    }
    followers_ = std::move(followers);
}

void PartitionReplicas::adopt_committed(const std::vector<NodeId>& isr,
                                        PartitionEpoch partition_epoch) {
    ASSERT(partition_epoch > partition_epoch_, "partition epoch {} after {}", partition_epoch,
           partition_epoch_);
    partition_epoch_ = partition_epoch;
    isr_ = isr;
    // Either this is the pending proposal committed, or its request, based on an older epoch,
    // will be refused: it ends here.
    pending_.reset();
}

std::vector<NodeId> PartitionReplicas::maximal_isr() const {
    std::vector<NodeId> maximal = isr_;
    if (pending_ && pending_->added && !contains(maximal, *pending_->added)) {
        maximal.push_back(*pending_->added);
    }
    return maximal;
}

std::optional<Offset> PartitionReplicas::durable_end(NodeId replica) const {
    if (replica == options_.self) return durable_end_;
    auto found = followers_.find(replica);
    if (found == followers_.end()) return std::nullopt;
    return found->second.durable_end;
}

std::optional<IsrProposal> PartitionReplicas::pending_proposal() const {
    if (!pending_) return std::nullopt;
    return pending_->proposal;
}

bool PartitionReplicas::may_append_acks_all() const {
    return static_cast<int32_t>(isr_.size()) >= min_isr_;
}

bool PartitionReplicas::is_replica(NodeId id) const { return contains(replicas_, id); }

void PartitionReplicas::advance_high_watermark() {
    // C2: not while the committed ISR is below the minimum, whatever the maximal ISR holds.
    if (!may_append_acks_all() && !bug(options_, ReplicationPlantedBug::advance_hw_under_min_isr)) {
        return;
    }
    // C3, C4: the least durable end over the maximal ISR, the leader's own among them.
    std::vector<NodeId> maximal = maximal_isr();
    Offset least = durable_end_;
    for (NodeId id : maximal) {
        std::optional<Offset> durable = durable_end(id);
        if (!durable) return;  // a member that has not fetched in this epoch holds it back
        least = std::min(least, *durable);
    }
    if (least <= high_watermark_) return;  // never back (invariant 11)
    for (NodeId id : maximal) {
        ASSERT(*durable_end(id) >= least, "high watermark {} above {}'s durable end {}", least, id,
               *durable_end(id));
    }
    high_watermark_ = least;
}

void PartitionReplicas::check_invariants() const {
    ASSERT(contains(replicas_, options_.self), "leader {} not among replicas {}", options_.self,
           replicas_);
    ASSERT(contains(isr_, options_.self), "leader {} not in its ISR {}", options_.self, isr_);
    for (NodeId id : isr_) {
        ASSERT(is_replica(id), "ISR {} not within replicas {}", isr_, replicas_);
    }
    ASSERT(high_watermark_ <= durable_end_ && durable_end_ <= log_end_,
           "high watermark {}, durable end {}, log end {}", high_watermark_, durable_end_,
           log_end_);
    if (!pending_) return;
    const IsrProposal& proposal = pending_->proposal;
    ASSERT(proposal.leader_epoch == leader_epoch_ && proposal.partition_epoch == partition_epoch_,
           "a pending proposal based on epochs {}/{} of {}/{}", proposal.leader_epoch,
           proposal.partition_epoch, leader_epoch_, partition_epoch_);
    if (pending_->added && !bug(options_, ReplicationPlantedBug::expand_before_caught_up)) {
        // E4 held when it was proposed, and durable ends only grow. A new incarnation of its
        // broker forgets the end (the controller will refuse the old epoch): the high watermark
        // then waits for the reply.
        const Follower& added = followers_.at(*pending_->added);
        ASSERT(!added.durable_end || *added.durable_end >= leader_epoch_start_,
               "expansion of {} below the leader epoch's start {}", *pending_->added,
               leader_epoch_start_);
    }
}

}  // namespace brook::replication
