// Three KraftNodes (broker and controller each) in one simulated world, and a client process
// that reaches them over the simulated network with Brook's own client library, as a real client
// would reach `brook serve`. For the tests of tests/node/ that need a whole cluster.
//
//   KraftRig rig(seed);
//   rig.run([&] {
//       rig.wait_for_cluster();
//       rig.create_topic(2, "orders", 6);
//       auto metadata = rig.metadata_from(1, {"orders"});
//   });
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/client/admin.h"
#include "core/client/kafka_calls.h"
#include "core/cluster/meta_properties.h"
#include "core/node/kraft_node.h"
#include "sim/simulation.h"
#include "tests/forget_on_exit.h"
#include "tests/io/fiber_runner.h"

namespace brook::node::testing {

inline constexpr std::string_view kKraftClusterId = "a1b2c3d4e5f6g7h8i9j0kA";
inline constexpr int kNodes = 3;
inline constexpr int32_t kSessionTimeoutMs = 3000;

inline std::string host(int id) { return fmt::format("n{}", id); }
inline Address broker_address(int id) { return Address{host(id), 9092}; }

inline broker::BrokerConfig node_config(int id) {
    std::string text = fmt::format(
        "process.roles=broker,controller\n"
        "node.id={0}\n"
        "controller.quorum.voters=1@n1:9093,2@n2:9093,3@n3:9093\n"
        "controller.listener.names=CONTROLLER\n"
        "listeners=PLAINTEXT://n{0}:9092,CONTROLLER://n{0}:9093\n"
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
        "broker.session.timeout.ms={1}\n"
        "broker.heartbeat.interval.ms=500\n"
        "num.partitions=3\n"
        "log.dirs=/data/n{0}\n",
        id, kSessionTimeoutMs);
    auto config = broker::BrokerConfig::parse(text);
    REQUIRE(config.ok());
    return std::move(config).value();
}

struct KraftRig {
    explicit KraftRig(uint64_t seed) : sim(seed) {
        sim.trace().keep_lines(true);
        for (int id = 1; id <= kNodes; ++id) {
            sim.add_process(host(id), [this, id](Environment& env) { run_node(env, id); });
        }
        sim.add_process("client", [this](Environment& env) { client_env = &env; });
    }

    ~KraftRig() {
        for (int id = 1; id <= kNodes; ++id) {
            if (sim.is_up(host(id))) sim.crash(host(id));
        }
    }

    // `brook format`, then the node until it stops.
    void run_node(Environment& env, int id) {
        auto found = cluster::read_meta_properties(env.disk);
        REQUIRE(found.ok());
        if (!*found) {
            cluster::MetaProperties meta{std::string(kKraftClusterId), NodeId(id),
                                         cluster::random_uuid_text(env.random)};
            REQUIRE(cluster::write_meta_properties(env.disk, meta).ok());
        }
        KraftNode node(env, node_config(id));
        nodes[id] = &node;
        brook::testing::ForgetOnExit forget(nodes[id]);
        Result<void> ran = node.run();
        results[id] = ran.ok() ? "ok" : ran.error().describe();
    }

    void run(std::function<void()> body, Duration limit = seconds(300)) {
        brook::testing::FiberRunner runner(sim.scheduler());
        runner.spawn("test", std::move(body));
        runner.run(limit);
    }

    void sleep(Duration duration) { brook::testing::sleep_for(sim.scheduler(), duration); }
    Instant deadline(Duration after = seconds(20)) { return sim.now() + after; }

    // Sleeps until `done`, failing the test after `limit`. May suspend.
    void wait_until(const std::function<bool()>& done, Duration limit, const char* what) {
        Instant end = sim.now() + limit;
        while (!done() && sim.now() < end) sleep(milliseconds(20));
        if (!done()) dump_log();
        INFO(what);
        REQUIRE(done());
    }

    // The node's log lines (without the trace's events), for a failure's story: the last
    // `max_lines` of them, to stderr.
    void dump_log(std::size_t max_lines = 300) {
        std::vector<std::string> kept;
        std::string_view lines = sim.trace().lines();
        while (!lines.empty()) {
            std::size_t end = lines.find('\n');
            std::string_view line = lines.substr(0, end);
            if (line.find(" log ") != std::string_view::npos) kept.emplace_back(line);
            lines = end == std::string_view::npos ? std::string_view() : lines.substr(end + 1);
        }
        for (const auto& [id, result] : results) fmt::print(stderr, "node {} ran: {}\n", id, result);
        std::size_t from = kept.size() > max_lines ? kept.size() - max_lines : 0;
        for (std::size_t i = from; i < kept.size(); ++i) fmt::print(stderr, "{}\n", kept[i]);
    }

    // The quorum leader every running node agrees on, or -1.
    int agreed_leader() {
        std::optional<NodeId> agreed;
        for (int id = 1; id <= kNodes; ++id) {
            if (nodes[id] == nullptr || nodes[id]->quorum() == nullptr) continue;
            std::optional<NodeId> leader = nodes[id]->quorum()->leader();
            if (!leader || (agreed && *agreed != *leader)) return -1;
            agreed = leader;
        }
        return agreed ? agreed->value() : -1;
    }

    bool unfenced(int id) {
        return nodes[id] != nullptr && nodes[id]->lifecycle() != nullptr &&
               !nodes[id]->lifecycle()->fenced();
    }

    // Waits for a leader and every running node's broker unfenced. May suspend.
    void wait_for_cluster() {
        wait_until(
            [&] {
                if (agreed_leader() < 0) return false;
                for (int id = 1; id <= kNodes; ++id) {
                    if (sim.is_up(host(id)) && !unfenced(id)) return false;
                }
                return true;
            },
            seconds(30), "a quorum leader and every broker unfenced");
    }

    client::ClusterConfig client_config(std::vector<int> bootstrap) {
        client::ClusterConfig config;
        for (int id : bootstrap) config.bootstrap_servers.push_back(broker_address(id));
        config.request_timeout = seconds(5);
        return config;
    }

    // Metadata of `topics` as broker `id` answers it. May suspend.
    protocol::MetadataResponse metadata_from(int id, std::vector<std::string> topics) {
        auto kafka = client::KafkaConnection::connect(client_env->network, broker_address(id),
                                                      deadline());
        REQUIRE(kafka.ok());
        auto answer = client::metadata(**kafka, topics, deadline(), 9, false);
        REQUIRE(answer.ok());
        return std::move(answer).value();
    }

    std::set<int32_t> broker_ids(const protocol::MetadataResponse& metadata) {
        std::set<int32_t> ids;
        for (const auto& broker : metadata.brokers) ids.insert(broker.node_id);
        return ids;
    }

    // Creates `topic` through broker `through` (-1: the default replication factor) and waits
    // until every running broker knows it from the metadata log. May suspend.
    void create_topic(int through, const std::string& topic, int32_t partitions,
                      int16_t replication_factor = -1) {
        client::Admin admin(*client_env, client_config({through}));
        auto created = admin.create_topics(
            {{.name = topic, .partitions = partitions, .replication_factor = replication_factor}},
            deadline());
        REQUIRE(created.ok());
        INFO(created->at(0).describe());
        REQUIRE(created->at(0).error == protocol::KafkaError::none);
        wait_for_topic(topic, static_cast<size_t>(partitions));
    }

    // Waits until every running broker's Metadata has `topic` with `partitions` partitions, all
    // led. May suspend.
    void wait_for_topic(const std::string& topic, size_t partitions) {
        for (int id = 1; id <= kNodes; ++id) {
            if (!sim.is_up(host(id))) continue;
            wait_until(
                [&] {
                    auto metadata = metadata_from(id, {topic});
                    if (metadata.topics.size() != 1 || metadata.topics[0].error_code != 0 ||
                        metadata.topics[0].partitions.size() != partitions) {
                        return false;
                    }
                    for (const auto& partition : metadata.topics[0].partitions) {
                        if (partition.leader_id < 0) return false;
                    }
                    return true;
                },
                seconds(5), "the topic in every broker's Metadata");
        }
    }

    // Declared before the simulation, so they outlive the fibers it unwinds.
    std::map<int, KraftNode*> nodes;
    std::map<int, std::string> results;
    sim::Simulation sim;
    Environment* client_env = nullptr;
};

}  // namespace brook::node::testing
