// The test bed of tests/replication/partition_replicas_model_test.cc: one PartitionReplicas (the
// leader, broker 1) among a model of everything around it, driven by a seeded Random, with the
// commit rule's invariants checked after every step.
//
//   ReplicationBed bed({.seed = 7, .replicas = 3, .min_insync_replicas = 2});
//   for (int i = 0; i < 400 && !bed.violation(); ++i) bed.step();
//
// The model: the leader's log end and durable end; each follower's durable end (its true disk:
// nothing durable is ever lost, restarts included) and its broker epoch; the controller's
// committed ISR, partition epoch and broker registrations; the AlterPartition requests on their
// way to the controller, their replies (which a timeout may replace: the request may still be
// applied later), and the committed metadata on its way to the leader, in order. Followers copy
// the leader's log at their own pace and fetch honestly; bogus fetches (an old leader epoch,
// another incarnation, a diverging one) carry offsets they do not hold. The controller fences
// and re-registers followers and judges proposals as Kafka's does.
//
// Checked after every step (research/replication.md §5c):
// - the high watermark never goes back (11);
// - when it moves, the ISR the leader was told of has at least min(min.insync.replicas, RF)
//   members, and every member of that ISR and of the controller's holds it durably (10);
// - every member of the controller's ISR holds the high watermark durably, always (7);
// - the leader's maximal ISR holds the controller's ISR (8);
// - a proposal is within the replicas, holds the leader, is based on the epoch the leader was
//   told of, and adds only a replica that meets E4;
// - acks=all is refused exactly when the ISR the leader was told of is too small.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/io/random.h"
#include "core/replication/partition_replicas.h"

namespace brook::replication::testing {

struct BedParameters {
    uint64_t seed = 1;
    int replicas = 3;
    int32_t min_insync_replicas = 2;
    int64_t replica_lag_time_max_ms = 1000;
    int64_t step_ms_max = 200;  // time passing per step, at most
    // Percent chances of the events that take one of the step's twelve slots.
    int fence_percent = 10;          // the controller fences a follower
    int register_percent = 20;       // a fenced follower registers again
    int bogus_fetch_percent = 50;    // a fetch that must not count
    int reply_lost_per_mille = 100;  // a reply is replaced by a timeout
    ReplicationPlantedBug planted_bug = ReplicationPlantedBug::none;
};

class ReplicationBed {
public:
    explicit ReplicationBed(BedParameters parameters);

    // One random event, then the checks. Nothing happens after a violation.
    void step();
    const std::optional<std::string>& violation() const { return violation_; }

    // What the run did, for tags and the tests' sanity checks.
    Offset high_watermark() const { return replicas_->high_watermark(); }
    int shrinks_committed() const { return shrinks_committed_; }
    int expansions_committed() const { return expansions_committed_; }

private:
    struct Follower {
        Offset durable;  // its disk
        BrokerEpoch epoch;
        bool fenced = false;
        int fetch_per_mille;  // how often it copies and fetches: some followers are slow
    };
    struct Request {
        IsrProposal proposal;
        bool reply_dropped = false;  // timed out at the leader: the answer goes nowhere
    };

    // The events.
    void leader_append();
    void leader_fsync();
    void follower_fetch(NodeId id);
    void bogus_fetch();
    void propose();
    void controller_handles_request();
    void time_out_request();
    void deliver_reply();
    void deliver_metadata();
    void fence(NodeId id);
    void register_again(NodeId id);

    // The controller's judgement of a proposal (Kafka's validateAlterPartitionData order).
    ProposalReply judge(const IsrProposal& proposal);
    void publish_metadata();
    PartitionMetadata controller_metadata() const;
    void learn(PartitionEpoch epoch, const std::vector<NodeId>& isr);
    void check(Offset high_watermark_before);
    void fail(std::string what);
    NodeId random_follower();
    Offset durable_of(NodeId id) const;

    BedParameters p_;
    Random random_;
    int64_t now_ms_ = 0;
    Offset log_end_;
    Offset durable_end_;
    Offset leader_epoch_start_;
    std::map<NodeId, Follower> followers_;
    std::vector<NodeId> replica_ids_;
    // The controller.
    std::vector<NodeId> isr_;
    PartitionEpoch partition_epoch_ = PartitionEpoch(3);
    int64_t next_broker_epoch_ = 1000;
    // What the leader was told: the newest state among the metadata and accepted replies
    // delivered to it.
    std::vector<NodeId> told_isr_;
    PartitionEpoch told_epoch_;
    std::deque<Request> requests_;
    std::deque<ProposalReply> replies_;
    std::deque<PartitionMetadata> metadata_;
    std::optional<PartitionReplicas> replicas_;
    std::optional<std::string> violation_;
    int shrinks_committed_ = 0;
    int expansions_committed_ = 0;
};

}  // namespace brook::replication::testing
