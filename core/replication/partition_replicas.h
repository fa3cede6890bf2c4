// The leader's view of one partition's replicas, as a pure state machine: the commit rule
// (research/replication.md §5a, C1-C4) and the ISR's shrinks and expansions (E1, E4). No I/O,
// no fibers, no clock: callers pass `now_ms`. One object lives for one leader epoch: made when
// this broker becomes the partition's leader, thrown away when the committed metadata shows a
// new leader epoch.
//
//   PartitionReplicas replicas(options, metadata, log_end, durable_end, high_watermark, now_ms);
//   replicas.on_durable(durable_end);               // after the leader's own fsync
//   replicas.on_fetch(fetch, now_ms);               // a follower's Fetch, after its epoch checks
//   if (auto proposal = replicas.propose_isr_change(now_ms)) send_alter_partition(*proposal);
//   replicas.on_proposal_reply(reply);              // the controller's answer, or a timeout
//   replicas.on_metadata(metadata, now_ms);         // a committed change of the partition
//   answer_acks_all_up_to(replicas.high_watermark());
//
// The rules:
// - Durable ends. The leader's is what its fsync covered; a follower's is the offset of a fetch
//   in this leader epoch, at the broker epoch the metadata has for it, that got no
//   DivergingEpoch: anything else does not count (C3). A follower's counted end only grows
//   while its broker epoch stays; a new broker epoch in the metadata forgets it.
// - The committed ISR is the controller's: from the metadata, or from the accepted reply to a
//   proposal (the controller answers once the change is committed). The maximal ISR is the
//   committed ISR plus the replica a pending expansion adds (KIP-497): a shrink counts only once
//   committed (E1), an expansion at once.
// - The high watermark (C2, C4) is the least durable end over the maximal ISR, never moving while
//   the committed ISR is smaller than min(min.insync.replicas, replicas) or while a member has no
//   counted end yet, and never moving back within the epoch.
// - Proposals, at most one pending. A shrink drops the committed ISR's followers that have not
//   caught up to the leader's log end within replica.lag.time.max.ms (Kafka's lastCaughtUpTimeMs
//   rule); otherwise an expansion adds one replica that meets E4: eligible broker, a counted
//   fetch, durable end at or above both the high watermark and the leader epoch's start offset.
// - A pending proposal ends (a) accepted: its reply's state becomes the committed one; (b) rolled
//   back on INELIGIBLE_REPLICA, OPERATION_NOT_ATTEMPTED, INVALID_REQUEST or an unknown partition,
//   which the controller checks after the partition epoch, so no earlier send of the same
//   proposal can have been applied; (c) superseded when the metadata shows a newer partition
//   epoch, which either is the proposal committed or dooms its request (based on an older
//   epoch, the controller refuses it). FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION,
//   NEW_LEADER_ELECTED or an accepted reply in another leader epoch keep it pending, unsent,
//   until the metadata moves (a send may have been applied: its expansion must keep counting);
//   any other error (a timeout, a lost connection) makes propose_isr_change() return it again
//   (Kafka's Partition.handleAlterPartitionError). A reply to a proposal that is no longer the
//   pending one, in flight, is ignored.
// Each rule's invariant is ASSERTed where it can break: the ISR within the replicas and holding
// the leader, the high watermark at most every maximal-ISR member's durable end when it moves and
// never going back, partition epochs never going back, proposals meeting E4.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/replication/replication_options.h"
#include "core/replication/replication_types.h"

namespace brook::replication {

class PartitionReplicas {
public:
    // `metadata` names options.self the leader. `log_end` is the leader's log end at election,
    // which is the leader epoch's start offset (Kafka's LESO); `durable_end` (at most it) what
    // its fsyncs cover; `high_watermark` the one it had (its checkpoint or its last leader's).
    PartitionReplicas(ReplicationOptions options, const PartitionMetadata& metadata, Offset log_end,
                      Offset durable_end, Offset high_watermark, int64_t now_ms);

    // The leader appended up to `log_end` (not below the last one).
    void on_append(Offset log_end);
    // The leader's fsync covered everything below `durable_end` (at most its log end, not below
    // the last one).
    void on_durable(Offset durable_end);
    // A follower's fetch; true if it counted as its durable end (see the rules).
    bool on_fetch(const ReplicaFetch& fetch, int64_t now_ms);
    // A committed change of the partition or its replicas' brokers, in the same leader epoch
    // with this node the leader (the caller throws this object away otherwise). A partition
    // epoch below the committed one is older news than an accepted reply: only its brokers count.
    void on_metadata(const PartitionMetadata& metadata, int64_t now_ms);
    // The ISR change to send now, if any; at most one is pending. May return a pending proposal
    // again, unchanged, after a retriable error.
    std::optional<IsrProposal> propose_isr_change(int64_t now_ms);
    // The controller's answer to the proposal with reply.proposal_id.
    void on_proposal_reply(const ProposalReply& reply);

    // Below it, every record is durable on every member of the maximal ISR (C4).
    Offset high_watermark() const { return high_watermark_; }
    // Whether an acks=all produce may be appended: false means NOT_ENOUGH_REPLICAS.
    bool may_append_acks_all() const;
    LeaderEpoch leader_epoch() const { return leader_epoch_; }
    Offset leader_epoch_start() const { return leader_epoch_start_; }
    PartitionEpoch partition_epoch() const { return partition_epoch_; }
    const std::vector<NodeId>& replicas() const { return replicas_; }
    const std::vector<NodeId>& committed_isr() const { return isr_; }
    // The committed ISR, and the replica a pending expansion adds.
    std::vector<NodeId> maximal_isr() const;
    // The replica's durable end as counted (the leader's own for options.self), if any.
    std::optional<Offset> durable_end(NodeId replica) const;
    // The proposal pending, sent or not.
    std::optional<IsrProposal> pending_proposal() const;

private:
    struct Follower {
        ReplicaBroker broker;
        std::optional<Offset> durable_end;  // counted in this epoch at broker.epoch
        // Kafka's replica fetch state: when it last was caught up to the leader's log end, and
        // the leader's log end and the time of its last fetch.
        int64_t last_caught_up_ms = 0;
        int64_t last_fetch_ms = 0;
        Offset last_fetch_leader_end = Offset(-1);
    };

    enum class PendingState {
        to_send,            // propose_isr_change() returns it next
        in_flight,          // sent, its reply awaited
        awaiting_metadata,  // a reply said the metadata moved: wait for it, do not resend
    };

    struct Pending {
        IsrProposal proposal;
        PendingState state = PendingState::in_flight;
        std::optional<NodeId> added;  // an expansion's replica; none for a shrink
    };

    // (Re)reads the partition's brokers and replicas from committed metadata.
    void adopt_brokers(const PartitionMetadata& metadata, int64_t now_ms);
    // Takes `isr` at `partition_epoch` as the committed ISR, ending any pending proposal.
    void adopt_committed(const std::vector<NodeId>& isr, PartitionEpoch partition_epoch);
    std::optional<IsrProposal> propose_shrink(int64_t now_ms);
    std::optional<IsrProposal> propose_expansion();
    IsrProposal make_proposal(std::vector<NodeId> isr);
    bool caught_up(const Follower& follower, int64_t now_ms) const;
    bool meets_e4(const Follower& follower) const;
    bool is_replica(NodeId id) const;
    // Advances the high watermark as far as the commit rule allows.
    void advance_high_watermark();
    void check_invariants() const;

    ReplicationOptions options_;
    LeaderEpoch leader_epoch_;
    Offset leader_epoch_start_;
    int32_t min_isr_;  // min(min.insync.replicas, replicas)
    PartitionEpoch partition_epoch_;
    std::vector<NodeId> replicas_;
    std::vector<NodeId> isr_;
    ReplicaBroker self_broker_;
    std::map<NodeId, Follower> followers_;  // every replica but the leader
    Offset log_end_;
    Offset durable_end_;
    Offset high_watermark_;
    std::optional<Pending> pending_;
    uint64_t next_proposal_id_ = 1;
};

}  // namespace brook::replication
