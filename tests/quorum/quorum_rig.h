// Quorum nodes (the real driver, QuorumNode) in one simulated world, joined by the in-memory
// channel: each node is a simulator process "q<id>" with its own disk, so a crash kills its
// fibers and drops its unsynced writes, and a restart recovers it from that disk. Each node's
// owner state is the list of entries it applied, snapshotted as text.
//
//   QuorumRig rig(QuorumRigSetup{.voters = 3}, /*seed=*/5);
//   REQUIRE(rig.run_until([&] { return rig.leader() != raft::kNoNode; }, seconds(10)));
//   REQUIRE(rig.propose("x"));
//   rig.crash(rig.leader());  rig.restart(id);
//   REQUIRE(rig.agreement().empty());
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/quorum/kafka_quorum_channel.h"
#include "core/quorum/quorum_node.h"
#include "scenarios/quorum_checker.h"
#include "scenarios/simulated_quorum.h"
#include "sim/simulation.h"
#include "tests/forget_on_exit.h"
#include "tests/quorum/observed_quorum_state_store.h"
#include "tests/quorum/memory_quorum_channel.h"

namespace brook::quorum::testing {

struct QuorumRigSetup {
    int voters = 3;
    int observers = 0;  // broker-only nodes, numbered after the voters
    int64_t snapshot_every_entries = 0;
    uint64_t segment_bytes = 1u << 20;
    QuorumPlantedBug planted_bug = QuorumPlantedBug::none;
    // A leader applying "ping<x>" proposes "pong<x>" from inside apply, as a controller would.
    bool echo_pings = false;
    Duration fetch_park_time = milliseconds(50);  // below the rig's request timeout (100 ms)
    // The nodes talk Kafka's KRaft RPCs over the simulated network (KafkaQuorumChannel, each on
    // "q<id>":9093) instead of the in-memory channel; partitions of network() do not apply.
    bool kafka_wire = false;
};

class QuorumRig {
public:
    struct Member {
        QuorumNode* node = nullptr;        // while its process runs
        std::vector<raft::Entry> applied;  // the owner's state: every entry, from offset 0
        int snapshot_loads = 0;
        std::string run_result;  // "ok" or the error run() returned
    };

    QuorumRig(QuorumRigSetup setup, uint64_t seed) : setup_(setup), sim_(seed), network_(sim_) {
        sim_.trace().keep_lines(true);
        for (int i = 1; i <= setup_.voters; ++i) voters_.push_back(raft::NodeId(i));
        for (int i = 1; i <= setup_.voters + setup_.observers; ++i) {
            raft::NodeId id(i);
            members_[id];
            sim_.add_process(name(id), [this, id](Environment& env) { run_member(env, id); });
        }
    }

    // The processes die while the members and the network they use still exist.
    ~QuorumRig() {
        for (const auto& [id, member] : members_) {
            if (sim_.is_up(name(id))) sim_.crash(name(id));
        }
    }

    static std::string name(raft::NodeId id) { return fmt::format("q{}", id); }

    sim::Simulation& sim() { return sim_; }
    MemoryQuorumNetwork& network() { return network_; }
    const std::vector<raft::NodeId>& voters() const { return voters_; }
    // Voters and observers.
    std::vector<raft::NodeId> nodes() const {
        std::vector<raft::NodeId> all;
        for (const auto& [id, member] : members_) all.push_back(id);
        return all;
    }
    Member& member(raft::NodeId id) { return members_.at(id); }
    QuorumNode& node(raft::NodeId id) {
        REQUIRE(members_.at(id).node != nullptr);
        return *members_.at(id).node;
    }

    // Runs the world in 10 ms steps, checking the invariants after each, until `done` or
    // `limit` of virtual time passed.
    bool run_until(const std::function<bool()>& done, Duration limit) {
        Instant end = sim_.now() + limit;
        while (!done()) {
            if (sim_.now() >= end) return false;
            sim_.run_for(milliseconds(10));
            check();
        }
        return true;
    }
    void run_for(Duration duration) {
        Instant end = sim_.now() + duration;
        while (sim_.now() < end) {
            sim_.run_for(std::min<Duration>(milliseconds(10), end - sim_.now()));
            check();
        }
    }

    // The first broken invariant of scenarios/quorum_checker.h, if any: leaders are checked
    // after every step of run_until / run_for, applies and durable quorum-state saves as they
    // happen.
    const std::optional<std::string>& violation() const { return checker_.violation(); }
    const std::vector<raft::Entry>& committed() const { return checker_.committed(); }

    // The running leader of the highest epoch, or kNoNode.
    raft::NodeId leader() const {
        std::map<raft::NodeId, const QuorumNode*> running;
        for (const auto& [id, member] : members_) running[id] = member.node;
        return scenarios::newest_leader(running);
    }

    bool elect(Duration limit = seconds(20)) {
        return run_until([&] { return leader() != raft::kNoNode; }, limit);
    }

    // Proposes `record` on the leader; false when there is none.
    bool propose(const std::string& record) {
        raft::NodeId at = leader();
        if (at == raft::kNoNode) return false;
        return node(at).propose({record}).first_offset.has_value();
    }

    // The data records node `id` applied, in order.
    std::vector<std::string> applied_data(raft::NodeId id) const {
        std::vector<std::string> data;
        for (const raft::Entry& entry : members_.at(id).applied) {
            if (entry.kind == raft::EntryKind::data) data.push_back(entry.data);
        }
        return data;
    }

    // Runs until every node whose process is up applied `records` data records.
    bool all_applied(size_t records, Duration limit = seconds(20)) {
        return run_until(
            [&] {
                for (const auto& [id, member] : members_) {
                    if (!sim_.is_up(name(id))) continue;
                    if (!member.node || applied_data(id).size() < records) return false;
                }
                return true;
            },
            limit);
    }

    void crash(raft::NodeId id) {
        sim_.crash(name(id));
        members_.at(id).applied.clear();  // the owner's state was in memory
    }
    // Boots the node again and runs until it recovered from its disk.
    void restart(raft::NodeId id) {
        sim_.restart(name(id));
        REQUIRE(run_until([&] { return members_.at(id).node != nullptr; }, seconds(5)));
    }

    // Where two nodes applied different entries at one offset; empty when they agree.
    std::string agreement() const {
        for (const auto& [a, first] : members_) {
            for (const auto& [b, second] : members_) {
                size_t common = std::min(first.applied.size(), second.applied.size());
                for (size_t i = 0; i < common; ++i) {
                    if (!(first.applied[i] == second.applied[i])) {
                        return fmt::format("nodes {} and {} differ at offset {}: {} vs {}", a, b, i,
                                           first.applied[i].data, second.applied[i].data);
                    }
                }
            }
        }
        return {};
    }

    static std::string encode(const std::vector<raft::Entry>& entries) {
        std::string bytes;
        for (const raft::Entry& entry : entries) {
            bytes += fmt::format("{}|{}|{}|{}\n", entry.offset, entry.epoch,
                                 static_cast<int>(entry.kind), entry.data);
        }
        return bytes;
    }
    static std::vector<raft::Entry> decode(const std::string& bytes) {
        std::vector<raft::Entry> entries;
        size_t at = 0;
        while (at < bytes.size()) {
            size_t end = bytes.find('\n', at);
            std::string line = bytes.substr(at, end - at);
            at = end + 1;
            size_t a = line.find('|'), b = line.find('|', a + 1), c = line.find('|', b + 1);
            entries.push_back(
                raft::Entry{Offset(std::stoll(line.substr(0, a))),
                            LeaderEpoch(std::stoi(line.substr(a + 1, b - a - 1))),
                            static_cast<raft::EntryKind>(std::stoi(line.substr(b + 1, c - b - 1))),
                            line.substr(c + 1)});
        }
        return entries;
    }

private:
    void check() {
        for (const auto& [id, member] : members_) {
            if (member.node && member.node->raft().role() == raft::Role::leader) {
                checker_.leader_seen(id, member.node->raft().epoch());
            }
        }
    }

    std::unique_ptr<QuorumChannel> open_channel(Environment& env, raft::NodeId id) {
        if (!setup_.kafka_wire) {
            return std::make_unique<MemoryQuorumChannel>(network_, id, env.scheduler);
        }
        QuorumChannelConfig config{id, Address{name(id), kControllerPort}, {}, "rig-cluster"};
        for (raft::NodeId voter : voters_) config.voters[voter] = Address{name(voter), kControllerPort};
        auto channel = std::make_unique<KafkaQuorumChannel>(env, config);
        if (Result<void> started = channel->start(); !started.ok()) {
            members_.at(id).run_result = started.error().describe();
            return nullptr;
        }
        return channel;
    }

    static constexpr uint16_t kControllerPort = 9093;

    void run_member(Environment& env, raft::NodeId id) {
        Member& member = members_.at(id);
        member.applied.clear();
        std::unique_ptr<QuorumChannel> channel = open_channel(env, id);
        if (!channel) return;
        ObservedQuorumStateStore store(env.disk, "rig-cluster", voters_);
        store.on_saved = [this, id](const raft::QuorumState& state) {
            checker_.state_saved(id, state);
        };
        QuorumNodeOptions options =
            scenarios::simulated_quorum_options(id, voters_, "rig-cluster", env.random.next());
        options.raft.snapshot_chunk_bytes = 64;
        options.snapshot_every_entries = setup_.snapshot_every_entries;
        options.log.segment_bytes = setup_.segment_bytes;
        options.planted_bug = setup_.planted_bug;
        options.fetch_park_time = setup_.fetch_park_time;
        QuorumCallbacks callbacks{
            .apply =
                [this, id, &member](const raft::Entry& entry) {
                    checker_.applied(id, entry);
                    member.applied.push_back(entry);
                    if (setup_.echo_pings && entry.data.starts_with("ping") && member.node &&
                        member.node->raft().role() == raft::Role::leader) {
                        member.node->propose({"pong" + entry.data.substr(4)});
                    }
                },
            .load_snapshot =
                [this, id, &member](const raft::Snapshot& snapshot) {
                    member.applied = decode(snapshot.bytes);
                    for (const raft::Entry& entry : member.applied) checker_.applied(id, entry);
                    ++member.snapshot_loads;
                },
            .create_snapshot = [&member] { return encode(member.applied); },
        };
        auto opened = QuorumNode::open(env, *channel, store, options, std::move(callbacks));
        if (!opened.ok()) {
            member.run_result = opened.error().describe();
            return;
        }
        std::unique_ptr<QuorumNode> node = std::move(opened).value();
        member.node = node.get();
        if (auto* wire = dynamic_cast<KafkaQuorumChannel*>(channel.get())) {
            wire->set_status_source([node = node.get()] { return node->status(); });
        }
        brook::testing::ForgetOnExit forget(member.node);
        Result<void> ran = node->run();
        member.run_result = ran.ok() ? "ok" : ran.error().describe();
    }

    QuorumRigSetup setup_;
    sim::Simulation sim_;
    MemoryQuorumNetwork network_;
    std::vector<raft::NodeId> voters_;
    std::map<raft::NodeId, Member> members_;
    scenarios::QuorumChecker checker_{[this] { return sim_.now(); }};
};

}  // namespace brook::quorum::testing
