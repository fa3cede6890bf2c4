// Model test of PartitionReplicas: the bed of replication_bed.h (its implementation is here)
// under RapidCheck-drawn seeds and fault rates, and each planted bug of ReplicationPlantedBug
// found by its checks within a few seeds.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidcheck.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/bounded_property.h"
#include "tests/replication/replication_bed.h"

namespace brook::replication::testing {

namespace {

constexpr NodeId kLeader = NodeId(1);
constexpr LeaderEpoch kEpoch = LeaderEpoch(7);

bool contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

ReplicationBed::ReplicationBed(BedParameters parameters)
    : p_(parameters), random_(mix_seed(parameters.seed)) {
    log_end_ = Offset(random_.between(0, 50));
    durable_end_ = Offset(random_.between(0, log_end_.value()));
    Offset high_watermark = Offset(random_.between(0, durable_end_.value()));
    leader_epoch_start_ = log_end_;
    for (int i = 1; i <= p_.replicas; ++i) {
        NodeId id(i);
        replica_ids_.push_back(id);
        isr_.push_back(id);
        if (id == kLeader) continue;
        // An ISR member holds the high watermark durably (invariant 7 at election).
        int fetch_per_mille = i == 2 ? 600 : static_cast<int>(random_.between(50, 600));
        followers_[id] = {Offset(random_.between(high_watermark.value(), log_end_.value())),
                          BrokerEpoch(next_broker_epoch_++), false, fetch_per_mille};
    }
    told_isr_ = isr_;
    told_epoch_ = partition_epoch_;
    ReplicationOptions options{.self = kLeader,
                               .min_insync_replicas = p_.min_insync_replicas,
                               .replica_lag_time_max_ms = p_.replica_lag_time_max_ms,
                               .planted_bug = p_.planted_bug};
    replicas_.emplace(options, controller_metadata(), log_end_, durable_end_, high_watermark,
                      now_ms_);
}

PartitionMetadata ReplicationBed::controller_metadata() const {
    PartitionMetadata metadata{.leader = kLeader,
                               .leader_epoch = kEpoch,
                               .partition_epoch = partition_epoch_,
                               .replicas = replica_ids_,
                               .isr = isr_};
    metadata.brokers[kLeader] = {BrokerEpoch(1), true};
    for (const auto& [id, follower] : followers_) {
        metadata.brokers[id] = {follower.epoch, !follower.fenced};
    }
    return metadata;
}

NodeId ReplicationBed::random_follower() {
    return NodeId(static_cast<int32_t>(random_.between(2, p_.replicas)));
}

Offset ReplicationBed::durable_of(NodeId id) const {
    return id == kLeader ? durable_end_ : followers_.at(id).durable;
}

void ReplicationBed::step() {
    if (violation_) return;
    Offset before = replicas_->high_watermark();
    now_ms_ += random_.between(0, p_.step_ms_max);
    switch (random_.uniform(12)) {
        case 0:
            leader_append();
            break;
        case 1:
            leader_fsync();
            break;
        case 2:
        case 3:
        case 4: {
            NodeId id = random_follower();
            if (random_.chance(followers_.at(id).fetch_per_mille, 1000)) follower_fetch(id);
            break;
        }
        case 5:
            if (random_.chance(p_.bogus_fetch_percent, 100)) bogus_fetch();
            break;
        case 6:
            propose();
            break;
        case 7:
            controller_handles_request();
            break;
        case 8:
            if (random_.chance(p_.reply_lost_per_mille, 1000))
                time_out_request();
            else
                deliver_reply();
            break;
        case 9:
            deliver_metadata();
            break;
        case 10:
            if (random_.chance(p_.fence_percent, 100)) fence(random_follower());
            break;
        default:
            if (random_.chance(p_.register_percent, 100)) register_again(random_follower());
            break;
    }
    check(before);
}

// ---- the leader and its followers --------------------------------------------------------

void ReplicationBed::leader_append() {
    log_end_ = log_end_ + random_.between(1, 10);
    replicas_->on_append(log_end_);
}

void ReplicationBed::leader_fsync() {
    if (durable_end_ == log_end_) return;
    durable_end_ = Offset(random_.between(durable_end_.value() + 1, log_end_.value()));
    replicas_->on_durable(durable_end_);
}

void ReplicationBed::follower_fetch(NodeId id) {
    Follower& follower = followers_.at(id);
    // It copies the leader's log (mostly all of it), fsyncs, and only then fetches from its
    // durable end.
    follower.durable = random_.chance(7, 10)
                           ? log_end_
                           : Offset(random_.between(follower.durable.value(), log_end_.value()));
    replicas_->on_fetch({id, follower.epoch, kEpoch, follower.durable}, now_ms_);
}

void ReplicationBed::bogus_fetch() {
    NodeId id = random_follower();
    const Follower& follower = followers_.at(id);
    ReplicaFetch fetch{id, follower.epoch, kEpoch,
                       Offset(random_.between(follower.durable.value(), log_end_.value()))};
    switch (random_.uniform(3)) {
        case 0:
            fetch.leader_epoch = kEpoch + -1;
            break;
        case 1:
            fetch.broker_epoch = BrokerEpoch(999);
            break;  // never issued
        default:
            fetch.diverging = true;
            break;
    }
    if (replicas_->on_fetch(fetch, now_ms_)) fail("a fetch that says nothing was counted");
}

// ---- proposals and the controller --------------------------------------------------------

void ReplicationBed::propose() {
    Offset high_watermark = replicas_->high_watermark();
    std::optional<IsrProposal> proposal = replicas_->propose_isr_change(now_ms_);
    if (!proposal) return;
    std::vector<NodeId> ids;
    for (const IsrMember& member : proposal->new_isr) ids.push_back(member.id);
    if (!contains(ids, kLeader) || proposal->leader_epoch != kEpoch) {
        fail(fmt::format("proposal {} without the leader or in another epoch", ids));
    }
    if (proposal->partition_epoch > told_epoch_) {
        fail(fmt::format("a proposal based on partition epoch {}, the leader was told of {}",
                         proposal->partition_epoch, told_epoch_));
    }
    for (const IsrMember& member : proposal->new_isr) {
        if (!contains(replica_ids_, member.id)) fail(fmt::format("{} is no replica", member.id));
        bool added = !contains(replicas_->committed_isr(), member.id);
        // E4: durable at or above the high watermark and the leader epoch's start.
        if (added && (durable_of(member.id) < high_watermark ||
                      durable_of(member.id) < leader_epoch_start_)) {
            fail(
                fmt::format("{} proposed for the ISR with {} durable, high watermark {}, "
                            "epoch start {}",
                            member.id, durable_of(member.id), high_watermark, leader_epoch_start_));
        }
    }
    requests_.push_back({*proposal, false});
}

ProposalReply ReplicationBed::judge(const IsrProposal& proposal) {
    auto refuse = [&](KafkaError error) { return ProposalReply{proposal.id, error, {}, {}, {}}; };
    if (proposal.partition_epoch != partition_epoch_) {
        return refuse(KafkaError::invalid_update_version);
    }
    std::vector<NodeId> isr;
    for (const IsrMember& member : proposal.new_isr) {
        if (member.id == kLeader) {
            isr.push_back(member.id);
            continue;
        }
        const Follower& follower = followers_.at(member.id);
        if (follower.fenced || follower.epoch != member.broker_epoch) {
            return refuse(KafkaError::ineligible_replica);
        }
        isr.push_back(member.id);
    }
    (isr.size() < isr_.size() ? shrinks_committed_ : expansions_committed_) += 1;
    isr_ = isr;
    partition_epoch_ = partition_epoch_ + 1;
    publish_metadata();
    return {proposal.id, KafkaError::none, kEpoch, partition_epoch_, isr_};
}

void ReplicationBed::controller_handles_request() {
    if (requests_.empty()) return;
    Request request = requests_.front();
    requests_.pop_front();
    ProposalReply reply = judge(request.proposal);
    if (!request.reply_dropped) replies_.push_back(reply);
}

void ReplicationBed::time_out_request() {
    // The oldest request still awaited: the leader gives up on it, the controller may still
    // apply it.
    for (Request& request : requests_) {
        if (request.reply_dropped) continue;
        request.reply_dropped = true;
        replies_.push_back({request.proposal.id, KafkaError::request_timed_out, {}, {}, {}});
        return;
    }
}

void ReplicationBed::deliver_reply() {
    if (replies_.empty()) return;
    ProposalReply reply = replies_.front();
    replies_.pop_front();
    if (reply.error == KafkaError::none) learn(reply.partition_epoch, reply.isr);
    replicas_->on_proposal_reply(reply);
}

void ReplicationBed::publish_metadata() { metadata_.push_back(controller_metadata()); }

void ReplicationBed::deliver_metadata() {
    if (metadata_.empty()) return;
    PartitionMetadata metadata = metadata_.front();
    metadata_.pop_front();
    learn(metadata.partition_epoch, metadata.isr);
    replicas_->on_metadata(metadata, now_ms_);
}

void ReplicationBed::learn(PartitionEpoch epoch, const std::vector<NodeId>& isr) {
    if (epoch <= told_epoch_) return;
    told_epoch_ = epoch;
    told_isr_ = isr;
}

void ReplicationBed::fence(NodeId id) {
    Follower& follower = followers_.at(id);
    if (follower.fenced) return;
    follower.fenced = true;
    if (contains(isr_, id)) {
        isr_.erase(std::find(isr_.begin(), isr_.end(), id));
        partition_epoch_ = partition_epoch_ + 1;
    }
    publish_metadata();
}

void ReplicationBed::register_again(NodeId id) {
    Follower& follower = followers_.at(id);
    if (!follower.fenced) return;
    // A restart: a new incarnation with its disk as it was (nothing durable is lost).
    follower.fenced = false;
    follower.epoch = BrokerEpoch(next_broker_epoch_++);
    publish_metadata();
}

// ---- the checks --------------------------------------------------------------------------

void ReplicationBed::fail(std::string what) {
    if (!violation_) {
        violation_ = fmt::format("at {} ms, log end {}, durable {}: {}", now_ms_, log_end_,
                                 durable_end_, what);
    }
}

void ReplicationBed::check(Offset before) {
    const PartitionReplicas& replicas = *replicas_;
    Offset high_watermark = replicas.high_watermark();
    int32_t min_isr = std::min<int32_t>(p_.min_insync_replicas, p_.replicas);
    if (high_watermark < before) {
        fail(fmt::format("the high watermark went back from {} to {}", before, high_watermark));
    }
    if (high_watermark > before) {
        if (static_cast<int32_t>(told_isr_.size()) < min_isr) {
            fail(fmt::format("the high watermark moved to {} with the ISR {} below {}",
                             high_watermark, told_isr_, min_isr));
        }
        for (NodeId id : told_isr_) {
            if (durable_of(id) < high_watermark) {
                fail(fmt::format("the high watermark moved to {}, ISR member {} holds {}",
                                 high_watermark, id, durable_of(id)));
            }
        }
    }
    for (NodeId id : isr_) {
        if (durable_of(id) < high_watermark) {
            fail(fmt::format("high watermark {}, but {} of the committed ISR {} holds {}",
                             high_watermark, id, isr_, durable_of(id)));
        }
    }
    std::vector<NodeId> maximal = replicas.maximal_isr();
    for (NodeId id : isr_) {
        if (!contains(maximal, id)) {
            fail(
                fmt::format("maximal ISR {} misses {} of the committed ISR {}", maximal, id, isr_));
        }
    }
    if (replicas.partition_epoch() != told_epoch_) {
        fail(fmt::format("partition epoch {}, the leader was told of {}",
                         replicas.partition_epoch(), told_epoch_));
    }
    bool may = static_cast<int32_t>(told_isr_.size()) >= min_isr;
    if (replicas.may_append_acks_all() != may) {
        fail(fmt::format("acks=all {} with the ISR {}", may ? "refused" : "accepted", told_isr_));
    }
}

// ---- the tests ---------------------------------------------------------------------------

namespace {

constexpr int kSteps = 600;

struct RunResult {
    std::optional<std::string> violation;
    Offset high_watermark;
    int shrinks = 0;
    int expansions = 0;
};

RunResult run(const BedParameters& p) {
    ReplicationBed bed(p);
    for (int i = 0; i < kSteps && !bed.violation(); ++i) bed.step();
    return {bed.violation(), bed.high_watermark(), bed.shrinks_committed(),
            bed.expansions_committed()};
}

std::string describe(const BedParameters& p) {
    return fmt::format("seed={} replicas={} min.insync={} fence={}% register={}% lost={}‰", p.seed,
                       p.replicas, p.min_insync_replicas, p.fence_percent, p.register_percent,
                       p.reply_lost_per_mille);
}

rc::Gen<BedParameters> bed_parameters() {
    return rc::gen::apply(
        [](uint64_t seed, int replicas, int min_isr, int fence, int reg, int lost) {
            BedParameters p;
            p.seed = seed;
            p.replicas = replicas;
            p.min_insync_replicas = min_isr;
            p.fence_percent = fence;
            p.register_percent = reg;
            p.reply_lost_per_mille = lost;
            return p;
        },
        rc::gen::inRange<uint64_t>(1, 1'000'000'000), rc::gen::inRange(2, 6),
        rc::gen::inRange(1, 5), rc::gen::inRange(0, 40), rc::gen::inRange(0, 60),
        rc::gen::inRange(0, 400));
}

TEST_CASE("partition replicas model: the commit rule holds after every step") {
    brook::testing::bounded_property("commit rule", 300, [] {
        BedParameters p = *bed_parameters();
        RunResult result = run(p);
        RC_LOG() << describe(p) << "\n";
        if (result.violation) RC_FAIL(*result.violation);
        RC_TAG(result.shrinks > 0 ? "shrunk" : "never shrunk");
        RC_TAG(result.expansions > 0 ? "expanded" : "never expanded");
    });
}

TEST_CASE("partition replicas model: a default run shrinks, expands and commits") {
    BedParameters p;
    p.seed = 20261206;
    RunResult result = run(p);
    INFO(describe(p));
    REQUIRE_FALSE(result.violation);
    CHECK(result.shrinks > 0);
    CHECK(result.expansions > 0);
    CHECK(result.high_watermark > Offset(100));
}

// The first seed (of `seeds`) whose run breaks a check with `bug` planted.
std::optional<std::string> first_violation(ReplicationPlantedBug bug, int seeds) {
    for (int seed = 1; seed <= seeds; ++seed) {
        BedParameters p;
        p.seed = static_cast<uint64_t>(seed);
        p.planted_bug = bug;
        RunResult result = run(p);
        if (result.violation) return fmt::format("seed {}: {}", seed, *result.violation);
    }
    return std::nullopt;
}

TEST_CASE("partition replicas model: a high watermark moving under min.insync.replicas is caught") {
    auto found = first_violation(ReplicationPlantedBug::advance_hw_under_min_isr, 20);
    REQUIRE(found);
    INFO(*found);
    CHECK(found->find("below") != std::string::npos);
}

TEST_CASE("partition replicas model: using a shrink before it is committed is caught") {
    auto found = first_violation(ReplicationPlantedBug::shrink_before_commit, 20);
    REQUIRE(found);
    INFO(*found);
    CHECK(found->find("maximal ISR") != std::string::npos);
}

TEST_CASE("partition replicas model: expanding before the replica caught up is caught") {
    auto found = first_violation(ReplicationPlantedBug::expand_before_caught_up, 20);
    REQUIRE(found);
    INFO(*found);
    CHECK(found->find("proposed for the ISR") != std::string::npos);
}

TEST_CASE("partition replicas model: the same seed gives the same run") {
    BedParameters p;
    p.seed = 99;
    RunResult a = run(p);
    RunResult b = run(p);
    CHECK(a.high_watermark == b.high_watermark);
    CHECK(a.shrinks == b.shrinks);
}

}  // namespace

}  // namespace brook::replication::testing
