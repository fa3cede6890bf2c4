// Unit tests of PartitionReplicas, one rule each (core/replication/partition_replicas.h): the
// commit rule C2-C4, which fetches count, shrinks after replica.lag.time.max.ms and their commit
// (E1), expansions and E4, and what a reply or moving metadata does to a pending proposal.
#include "core/replication/partition_replicas.h"

#include <catch2/catch.hpp>

namespace brook::replication {
namespace {

constexpr NodeId kLeader = NodeId(1);
constexpr LeaderEpoch kEpoch = LeaderEpoch(5);
constexpr int64_t kLagMs = 1000;

BrokerEpoch broker_epoch(NodeId id) { return BrokerEpoch(100 + id.value()); }

PartitionMetadata metadata(std::vector<NodeId> isr, PartitionEpoch partition_epoch) {
    PartitionMetadata m{.leader = kLeader,
                        .leader_epoch = kEpoch,
                        .partition_epoch = partition_epoch,
                        .replicas = {NodeId(1), NodeId(2), NodeId(3)},
                        .isr = std::move(isr)};
    for (NodeId id : m.replicas) m.brokers[id] = {broker_epoch(id), true};
    return m;
}

const std::vector<NodeId> kAll = {NodeId(1), NodeId(2), NodeId(3)};

// A leader elected at log end 100 with everything durable and the high watermark at 90.
PartitionReplicas leader(std::vector<NodeId> isr = kAll, int32_t min_isr = 2) {
    ReplicationOptions options{
        .self = kLeader, .min_insync_replicas = min_isr, .replica_lag_time_max_ms = kLagMs};
    return PartitionReplicas(options, metadata(std::move(isr), PartitionEpoch(10)), Offset(100),
                             Offset(100), Offset(90), 0);
}

ReplicaFetch fetch(int replica, int64_t offset) {
    return {NodeId(replica), broker_epoch(NodeId(replica)), kEpoch, Offset(offset)};
}

ProposalReply accepted(const IsrProposal& proposal) {
    ProposalReply reply{
        proposal.id, KafkaError::none, proposal.leader_epoch, proposal.partition_epoch + 1, {}};
    for (const IsrMember& member : proposal.new_isr) reply.isr.push_back(member.id);
    return reply;
}

ProposalReply failed(const IsrProposal& proposal, KafkaError error) {
    return {proposal.id, error, {}, {}, {}};
}

TEST_CASE("partition replicas: the high watermark is the least durable end over the ISR") {
    PartitionReplicas replicas = leader();
    CHECK(replicas.high_watermark() == Offset(90));
    CHECK(replicas.on_fetch(fetch(2, 100), 1));
    CHECK(replicas.high_watermark() == Offset(90));  // follower 3 has not fetched in this epoch
    CHECK(replicas.on_fetch(fetch(3, 95), 1));
    CHECK(replicas.high_watermark() == Offset(95));
    replicas.on_append(Offset(120));
    replicas.on_fetch(fetch(2, 120), 2);
    replicas.on_fetch(fetch(3, 120), 2);
    CHECK(replicas.high_watermark() == Offset(100));  // the leader's own fsync holds it
    replicas.on_durable(Offset(110));
    CHECK(replicas.high_watermark() == Offset(110));
}

TEST_CASE("partition replicas: the high watermark never goes back") {
    PartitionReplicas replicas = leader();
    replicas.on_fetch(fetch(2, 100), 1);
    replicas.on_fetch(fetch(3, 100), 1);
    CHECK(replicas.high_watermark() == Offset(100));
    replicas.on_fetch(fetch(3, 97), 2);  // overtaken by the one before: ignored
    CHECK(replicas.durable_end(NodeId(3)) == Offset(100));
    CHECK(replicas.high_watermark() == Offset(100));
}

TEST_CASE("partition replicas: fetches of another epoch or incarnation, or diverging, count not") {
    PartitionReplicas replicas = leader();
    ReplicaFetch old_epoch = fetch(2, 100);
    old_epoch.leader_epoch = kEpoch + -1;
    ReplicaFetch other_incarnation = fetch(2, 100);
    other_incarnation.broker_epoch = BrokerEpoch(999);
    ReplicaFetch diverging = fetch(2, 100);
    diverging.diverging = true;
    CHECK_FALSE(replicas.on_fetch(old_epoch, 1));
    CHECK_FALSE(replicas.on_fetch(other_incarnation, 1));
    CHECK_FALSE(replicas.on_fetch(diverging, 1));
    CHECK_FALSE(replicas.on_fetch(fetch(2, 101), 1));  // past the leader's log end
    CHECK_FALSE(replicas.on_fetch(fetch(7, 100), 1));  // not a replica
    CHECK(replicas.durable_end(NodeId(2)) == std::nullopt);
}

TEST_CASE("partition replicas: below min.insync.replicas the high watermark stands still") {
    PartitionReplicas replicas = leader({NodeId(1)}, 2);
    CHECK_FALSE(replicas.may_append_acks_all());
    replicas.on_append(Offset(150));
    replicas.on_durable(Offset(150));
    CHECK(replicas.high_watermark() == Offset(90));
}

TEST_CASE("partition replicas: min.insync.replicas above the replication factor means all") {
    PartitionReplicas replicas = leader(kAll, 5);
    CHECK(replicas.may_append_acks_all());
    replicas.on_fetch(fetch(2, 100), 1);
    replicas.on_fetch(fetch(3, 100), 1);
    CHECK(replicas.high_watermark() == Offset(100));
}

TEST_CASE("partition replicas: a lagging member is shrunk out only once the shrink commits") {
    PartitionReplicas replicas = leader();
    replicas.on_fetch(fetch(2, 100), 100);
    replicas.on_fetch(fetch(3, 100), 100);
    replicas.on_append(Offset(200));
    replicas.on_durable(Offset(200));
    replicas.on_fetch(fetch(2, 200), 500);
    CHECK_FALSE(replicas.propose_isr_change(1000));  // 3 caught up at 100, within the lag
    replicas.on_fetch(fetch(2, 200), 1150);
    auto shrink = replicas.propose_isr_change(1150);
    REQUIRE(shrink);
    CHECK(shrink->partition_epoch == PartitionEpoch(10));
    CHECK(shrink->new_isr == std::vector<IsrMember>{{NodeId(1), broker_epoch(NodeId(1))},
                                                    {NodeId(2), broker_epoch(NodeId(2))}});
    CHECK_FALSE(replicas.propose_isr_change(1150));  // one at a time
    // E1: still counted until committed.
    CHECK(replicas.maximal_isr() == kAll);
    CHECK(replicas.high_watermark() == Offset(100));
    replicas.on_proposal_reply(accepted(*shrink));
    CHECK(replicas.committed_isr() == std::vector<NodeId>{NodeId(1), NodeId(2)});
    CHECK(replicas.partition_epoch() == PartitionEpoch(11));
    CHECK(replicas.high_watermark() == Offset(200));
}

TEST_CASE("partition replicas: a member at the leader's log end is never lagging") {
    PartitionReplicas replicas = leader();
    replicas.on_fetch(fetch(2, 100), 1);
    replicas.on_fetch(fetch(3, 100), 1);
    CHECK_FALSE(replicas.propose_isr_change(100000));
}

TEST_CASE("partition replicas: an expansion counts at once and needs E4") {
    PartitionReplicas replicas = leader({NodeId(1), NodeId(2)});
    replicas.on_fetch(fetch(2, 100), 1);
    CHECK(replicas.high_watermark() == Offset(100));
    replicas.on_fetch(fetch(3, 99), 2);  // below the high watermark and the epoch's start
    CHECK_FALSE(replicas.propose_isr_change(2));
    replicas.on_fetch(fetch(3, 100), 3);
    auto expand = replicas.propose_isr_change(3);
    REQUIRE(expand);
    CHECK(expand->new_isr.back() == IsrMember{NodeId(3), broker_epoch(NodeId(3))});
    CHECK(replicas.maximal_isr() == kAll);
    replicas.on_append(Offset(130));
    replicas.on_durable(Offset(130));
    replicas.on_fetch(fetch(2, 130), 4);
    CHECK(replicas.high_watermark() == Offset(100));  // the pending member holds it
    replicas.on_fetch(fetch(3, 120), 4);
    CHECK(replicas.high_watermark() == Offset(120));
}

TEST_CASE("partition replicas: an ineligible broker is not proposed") {
    PartitionReplicas replicas = leader({NodeId(1), NodeId(2)});
    PartitionMetadata fenced = metadata({NodeId(1), NodeId(2)}, PartitionEpoch(10));
    fenced.brokers[NodeId(3)].eligible = false;
    replicas.on_metadata(fenced, 1);
    replicas.on_fetch(fetch(3, 100), 2);
    CHECK_FALSE(replicas.propose_isr_change(2));
}

TEST_CASE("partition replicas: a refused expansion rolls back") {
    PartitionReplicas replicas = leader({NodeId(1), NodeId(2)});
    replicas.on_fetch(fetch(2, 100), 1);
    replicas.on_fetch(fetch(3, 100), 1);
    auto expand = replicas.propose_isr_change(1);
    REQUIRE(expand);
    replicas.on_proposal_reply(failed(*expand, KafkaError::ineligible_replica));
    CHECK_FALSE(replicas.pending_proposal());
    CHECK(replicas.maximal_isr() == std::vector<NodeId>{NodeId(1), NodeId(2)});
}

TEST_CASE("partition replicas: a stale proposal waits for the metadata, then ends") {
    PartitionReplicas replicas = leader({NodeId(1), NodeId(2)});
    replicas.on_fetch(fetch(2, 100), 1);
    replicas.on_fetch(fetch(3, 100), 1);
    auto expand = replicas.propose_isr_change(1);
    REQUIRE(expand);
    replicas.on_proposal_reply(failed(*expand, KafkaError::invalid_update_version));
    CHECK(replicas.maximal_isr() == kAll);  // an earlier send may have been applied
    CHECK_FALSE(replicas.propose_isr_change(3));
    replicas.on_metadata(metadata(kAll, PartitionEpoch(11)), 4);
    CHECK_FALSE(replicas.pending_proposal());
    CHECK(replicas.committed_isr() == kAll);
}

TEST_CASE("partition replicas: a timed-out proposal is sent again, unchanged") {
    PartitionReplicas replicas = leader({NodeId(1), NodeId(2)});
    replicas.on_fetch(fetch(2, 100), 1);
    replicas.on_fetch(fetch(3, 100), 1);
    auto first = replicas.propose_isr_change(1);
    REQUIRE(first);
    replicas.on_proposal_reply(failed(*first, KafkaError::request_timed_out));
    auto again = replicas.propose_isr_change(3);
    REQUIRE(again);
    CHECK(*again == *first);
    replicas.on_proposal_reply(accepted(*again));
    CHECK(replicas.committed_isr() == kAll);
    replicas.on_proposal_reply(accepted(*again));  // a duplicate: ignored
    CHECK(replicas.partition_epoch() == PartitionEpoch(11));
}

TEST_CASE("partition replicas: metadata older than an accepted reply changes no ISR") {
    PartitionReplicas replicas = leader();
    replicas.on_fetch(fetch(2, 100), 1);
    auto shrink = replicas.propose_isr_change(2000);
    REQUIRE(shrink);
    replicas.on_proposal_reply(accepted(*shrink));
    replicas.on_metadata(metadata(kAll, PartitionEpoch(10)), 2002);  // the broker lags
    CHECK(replicas.committed_isr() == std::vector<NodeId>{NodeId(1), NodeId(2)});
    CHECK(replicas.partition_epoch() == PartitionEpoch(11));
}

TEST_CASE("partition replicas: a new incarnation of a broker forgets its durable end") {
    PartitionReplicas replicas = leader({NodeId(1), NodeId(2)});
    replicas.on_fetch(fetch(3, 100), 1);
    PartitionMetadata restarted = metadata({NodeId(1), NodeId(2)}, PartitionEpoch(10));
    restarted.brokers[NodeId(3)].epoch = BrokerEpoch(500);
    replicas.on_metadata(restarted, 2);
    CHECK(replicas.durable_end(NodeId(3)) == std::nullopt);
    CHECK_FALSE(replicas.on_fetch(fetch(3, 100), 3));  // the old epoch
}

}  // namespace
}  // namespace brook::replication
