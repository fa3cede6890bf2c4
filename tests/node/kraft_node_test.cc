// Three KraftNodes (broker and controller each) in one simulated world (kraft_rig.h), reached
// by Brook's own client library over the simulated network, as a real client would reach
// `brook serve`.
#include "core/node/kraft_node.h"

#include <catch2/catch.hpp>

#include <set>

#include "core/client/consumer.h"
#include "core/client/producer.h"
#include "tests/node/kraft_rig.h"

namespace brook::node {
namespace {

using testing::broker_address;
using testing::host;
using testing::KraftRig;
using testing::kNodes;
using testing::kSessionTimeoutMs;

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
