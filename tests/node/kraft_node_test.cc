// Three KraftNodes (broker and controller each) in one simulated world, reached by Brook's own
// client library over the simulated network, as a real client would reach `brook serve`.
#include "core/node/kraft_node.h"

#include <catch2/catch.hpp>

#include <set>

#include "core/client/admin.h"
#include "core/client/consumer.h"
#include "core/client/kafka_calls.h"
#include "core/client/producer.h"
#include "core/cluster/meta_properties.h"
#include "sim/simulation.h"
#include "tests/forget_on_exit.h"
#include "tests/io/fiber_runner.h"

namespace brook::node {
namespace {

constexpr std::string_view kClusterId = "a1b2c3d4e5f6g7h8i9j0kA";
constexpr int kNodes = 3;
constexpr int32_t kSessionTimeoutMs = 3000;

std::string host(int id) { return fmt::format("n{}", id); }
Address broker_address(int id) { return Address{host(id), 9092}; }

broker::BrokerConfig node_config(int id) {
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
            cluster::MetaProperties meta{std::string(kClusterId), NodeId(id),
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

    // Creates `topic` through broker `through` and waits until every running broker knows it
    // from the metadata log. May suspend.
    void create_topic(int through, const std::string& topic, int32_t partitions) {
        client::Admin admin(*client_env, client_config({through}));
        auto created = admin.create_topics({{.name = topic, .partitions = partitions}}, deadline());
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

TEST_CASE("kraft node: a topic created through any broker is everywhere, spread over three") {
    KraftRig rig(1);
    rig.run([&] {
        rig.wait_for_cluster();
        rig.create_topic(2, "orders", 6);
        for (int id = 1; id <= kNodes; ++id) {
            auto metadata = rig.metadata_from(id, {"orders"});
            REQUIRE(rig.broker_ids(metadata) == std::set<int32_t>{1, 2, 3});
            std::map<int32_t, int> led;
            for (const auto& partition : metadata.topics[0].partitions) {
                REQUIRE(partition.error_code == 0);
                ++led[partition.leader_id];
            }
            // Kafka's striped placement, exactly even: two partitions per broker.
            REQUIRE(led == std::map<int32_t, int>{{1, 2}, {2, 2}, {3, 2}});
        }
    });
}

TEST_CASE("kraft node: produce to every partition's leader and consume it back") {
    KraftRig rig(2);
    rig.run([&] {
        rig.wait_for_cluster();
        rig.create_topic(3, "events", 6);
        client::ProducerConfig producer_config;
        producer_config.cluster = rig.client_config({1});
        client::Producer producer(*rig.client_env, producer_config);
        int delivered = 0;
        for (int32_t partition = 0; partition < 6; ++partition) {
            for (int i = 0; i < 5; ++i) {
                std::string value = fmt::format("p{}-{}", partition, i);
                REQUIRE(producer
                            .send({.topic = "events",
                                   .partition = PartitionId(partition),
                                   .value = client::Bytes(value.begin(), value.end())},
                                  [&](const client::DeliveryReport& report) {
                                      INFO((report.error ? report.error->describe() : ""));
                                      REQUIRE(report.ok());
                                      ++delivered;
                                  })
                            .ok());
            }
        }
        REQUIRE(producer.flush(rig.deadline()).ok());
        REQUIRE(delivered == 30);
        producer.close(rig.deadline());

        client::ConsumerConfig consumer_config;
        consumer_config.cluster = rig.client_config({2});
        client::Consumer consumer(*rig.client_env, consumer_config);
        std::vector<client::TopicPartition> partitions;
        for (int32_t p = 0; p < 6; ++p) partitions.push_back({"events", PartitionId(p)});
        consumer.assign(partitions);
        REQUIRE(consumer.seek_to_beginning(partitions).ok());
        std::set<std::string> values;
        Instant end = rig.deadline();
        while (values.size() < 30 && rig.sim.now() < end) {
            auto records = consumer.poll(rig.sim.now() + milliseconds(500));
            REQUIRE(records.ok());
            for (const auto& record : *records) {
                values.emplace(record.value->begin(), record.value->end());
                REQUIRE(std::string(record.value->begin(), record.value->end())
                            .starts_with(fmt::format("p{}-", record.partition)));
            }
        }
        REQUIRE(values.size() == 30);
    });
}

TEST_CASE("kraft node: a crashed broker is fenced after the session timeout and rejoins") {
    KraftRig rig(3);
    rig.run([&] {
        rig.wait_for_cluster();
        rig.create_topic(1, "t", 3);
        // A node that is not the quorum leader, so the quorum keeps its leader.
        int leader = rig.agreed_leader();
        int victim = leader == 3 ? 2 : 3;
        int witness = 6 - leader - victim;
        rig.sim.crash(host(victim));
        Instant crashed = rig.sim.now();
        rig.wait_until([&] { return rig.broker_ids(rig.metadata_from(witness, {"t"})).size() == 2; },
                       seconds(15), "the crashed broker left out of Metadata");
        Duration fenced_after = rig.sim.now() - crashed;
        // The session ran from the last heartbeat, at most one interval (500 ms) before the crash.
        REQUIRE(fenced_after >= milliseconds(kSessionTimeoutMs - 500));
        auto metadata = rig.metadata_from(witness, {"t"});
        REQUIRE(!rig.broker_ids(metadata).contains(victim));
        // Its partition has no leader left (one replica each).
        for (const auto& partition : metadata.topics.at(0).partitions) {
            REQUIRE(partition.leader_id != victim);
        }
        rig.sim.restart(host(victim));
        rig.wait_for_cluster();
        rig.wait_until([&] { return rig.broker_ids(rig.metadata_from(witness, {"t"})).size() == 3; },
                       seconds(10), "the restarted broker back in Metadata");
    });
}

TEST_CASE("kraft node: the quorum leader crashed, another leads and CreateTopics still works") {
    KraftRig rig(4);
    rig.run([&] {
        rig.wait_for_cluster();
        int leader = rig.agreed_leader();
        rig.sim.crash(host(leader));
        rig.wait_until(
            [&] {
                int now = rig.agreed_leader();
                return now > 0 && now != leader;
            },
            seconds(10), "a new quorum leader");
        int survivor = rig.agreed_leader() == 1 ? 2 : 1;
        if (survivor == leader) survivor = 3;
        rig.create_topic(survivor, "after-failover", 2);
        rig.sim.restart(host(leader));
        rig.wait_for_cluster();
        // The old leader caught up with what was committed without it.
        rig.wait_until(
            [&] {
                auto metadata = rig.metadata_from(leader, {"after-failover"});
                return metadata.topics.size() == 1 && metadata.topics[0].error_code == 0;
            },
            seconds(10), "the restarted node knows the new topic");
    });
}

}  // namespace
}  // namespace brook::node
