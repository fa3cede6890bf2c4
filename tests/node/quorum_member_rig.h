// Three QuorumMembers (voters 1, 2, 3 on simulated hosts "c1".."c3", controller listener 9093),
// and optionally broker-only observers after them, in one simulated world, and a test body that
// speaks Kafka's wire to their controller listeners from host "client", as a broker's registration
// client or an admin tool would.
//
//   QuorumMemberRig rig(/*seed=*/7);
//   rig.run([&] {
//       NodeId active = rig.wait_for_active();
//       auto reply = rig.call<BrokerRegistrationResponse>(active, registration(1), 0);
//   });
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/client/kafka_connection.h"
#include "core/node/quorum_member.h"
#include "scenarios/simulated_quorum.h"
#include "sim/simulation.h"
#include "tests/forget_on_exit.h"
#include "tests/io/fiber_runner.h"

namespace brook::node::testing {

inline constexpr uint16_t kControllerPort = 9093;
inline constexpr char kClusterId[] = "rig-cluster";
inline constexpr NodeId kLastVoter = NodeId(3);

struct QuorumMemberRig {
    // Voters 1..3, then `observers` broker-only members 4, 5, ...
    explicit QuorumMemberRig(uint64_t seed, NodePlantedBug planted_bug = NodePlantedBug::none,
                             int observers = 0)
        : planted_bug(planted_bug), sim(seed) {
        for (int i = 1; i <= 3 + observers; ++i) members[NodeId(i)] = nullptr;
        for (const auto& entry : members) {
            NodeId id = entry.first;
            sim.add_process(name(id), [this, id](Environment& env) { run_member(env, id); });
        }
    }

    // The processes die while the members' table still exists.
    ~QuorumMemberRig() {
        for (const auto& [id, member] : members) {
            if (sim.is_up(name(id))) sim.crash(name(id));
        }
    }

    static std::string name(NodeId id) { return fmt::format("c{}", id); }
    static Address address(NodeId id) { return Address{name(id), kControllerPort}; }

    QuorumMemberOptions options_for(NodeId id, uint64_t seed) const {
        QuorumMemberOptions options;
        options.self = id;
        if (id <= kLastVoter) options.listen = address(id);
        for (int voter = 1; voter <= kLastVoter.value(); ++voter) {
            options.voters[NodeId(voter)] = address(NodeId(voter));
        }
        options.cluster_id = kClusterId;
        std::vector<raft::NodeId> voters;
        for (const auto& [voter, address] : options.voters) voters.push_back(voter);
        options.quorum = scenarios::simulated_quorum_options(id, voters, kClusterId, seed);
        options.controller.controller.broker_session_timeout_ms = 1000;
        options.controller.controller.default_replication_factor = 3;
        options.controller.tick_interval = milliseconds(100);
        options.controller.planted_bug = planted_bug;
        options.quorum.snapshot_every_entries = snapshot_every_entries;
        return options;
    }

    void run_member(Environment& env, NodeId id) {
        auto opened = QuorumMember::open(env, options_for(id, env.random.next()));
        if (!opened) {
            run_results[id] = opened.error().describe();
            return;
        }
        std::unique_ptr<QuorumMember> member = std::move(opened).value();
        members[id] = member.get();
        images_at_open[id] = member->metadata().image();
        brook::testing::ForgetOnExit forget(members[id]);
        Result<void> ran = member->run();
        run_results[id] = ran.ok() ? "ok" : ran.error().describe();
    }

    // Runs `body` as the test's client until it returns. REQUIREs inside it fail the test.
    void run(std::function<void()> body, Duration limit = seconds(120)) {
        brook::testing::FiberRunner runner(sim.scheduler());
        runner.spawn("test", std::move(body));
        runner.run(limit);
    }
    void sleep(Duration duration) { brook::testing::sleep_for(sim.scheduler(), duration); }
    Instant deadline(Duration after = seconds(10)) { return sim.now() + after; }

    QuorumMember& member(NodeId id) {
        REQUIRE(members.at(id) != nullptr);
        return *members.at(id);
    }

    // The member that is the active controller; waits for one. May suspend.
    NodeId wait_for_active(Duration limit = seconds(20)) {
        Instant end = sim.now() + limit;
        while (sim.now() < end) {
            for (const auto& [id, member] : members) {
                if (member && member->is_active_controller()) return id;
            }
            sleep(milliseconds(5));
        }
        FAIL("no active controller within the limit");
        return NodeId(-1);
    }

    // One request on a fresh connection to `id`'s controller listener. May suspend.
    template <typename Response, typename Request>
    Result<Response> call(NodeId id, const Request& request, int16_t version) {
        TRY_ASSIGN(auto connection,
                   client::KafkaConnection::connect(sim.network().host("client"), address(id),
                                                    deadline(), "rig-client"));
        return connection->call<Response>(request, version, deadline());
    }

    // Waits until every running member applied up to `offset`. May suspend.
    void wait_all_applied(Offset offset, Duration limit = seconds(5)) {
        Instant end = sim.now() + limit;
        auto all = [&] {
            for (const auto& [id, member] : members) {
                if (member && member->metadata().applied_offset() < offset) return false;
            }
            return true;
        };
        while (!all() && sim.now() < end) sleep(milliseconds(5));
        REQUIRE(all());
    }

    void crash(NodeId id) { sim.crash(name(id)); }
    // Boots a crashed member again and waits until it opened. May suspend.
    void restart(NodeId id) {
        sim.restart(name(id));
        Instant end = sim.now() + seconds(5);
        while (members.at(id) == nullptr && sim.now() < end) sleep(milliseconds(1));
        REQUIRE(members.at(id) != nullptr);
    }

    NodePlantedBug planted_bug;
    // Set before run(): each member snapshots its image after this many entries (0: never).
    int64_t snapshot_every_entries = 0;
    sim::Simulation sim;
    std::map<NodeId, QuorumMember*> members;  // null while down
    std::map<NodeId, std::string> run_results;
    // What each member held when it opened, before any fetch: its snapshot's image.
    std::map<NodeId, metadata::MetadataImage> images_at_open;
};

}  // namespace brook::node::testing
