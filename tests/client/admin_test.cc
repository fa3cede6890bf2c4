#include <catch2/catch.hpp>

#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

TEST_CASE("admin: create, list, describe, grow and delete topics with per-item errors") {
    ClientRig rig;
    rig.run([&] {
        Admin admin(rig.client(), rig.cluster_config());
        auto created = admin.create_topics(
            {{"alpha", 3, -1, {{"retention.ms", "60000"}}}, {"beta", 1}}, rig.deadline());
        REQUIRE(created.ok());
        REQUIRE(created->size() == 2);
        CHECK((*created)[0].ok());
        CHECK((*created)[1].ok());
        auto again = admin.create_topics({{"alpha", 3}, {"gamma", 2}}, rig.deadline());
        REQUIRE(again.ok());
        std::map<std::string, KafkaError> errors;
        for (const auto& item : *again) errors[item.name] = item.error;
        CHECK(errors["alpha"] == KafkaError::topic_already_exists);
        CHECK(errors["gamma"] == KafkaError::none);

        auto listed = admin.list_topics(rig.deadline());
        REQUIRE(listed.ok());
        CHECK(*listed == std::vector<std::string>{"alpha", "beta", "gamma"});

        auto described = admin.describe_topics({"alpha", "missing"}, rig.deadline());
        REQUIRE(described.ok());
        REQUIRE(described->size() == 2);
        const TopicMetadata& alpha = (*described)[0];
        CHECK(alpha.error == KafkaError::none);
        REQUIRE(alpha.partitions.size() == 3);
        for (const auto& partition : alpha.partitions) {
            CHECK(partition.leader == NodeId(1));
            CHECK(partition.replicas == std::vector<NodeId>{NodeId(1)});
            CHECK(partition.isr == std::vector<NodeId>{NodeId(1)});
        }
        CHECK((*described)[1].error == KafkaError::unknown_topic_or_partition);

        auto grown = admin.create_partitions({{"beta", 4}, {"missing", 2}}, rig.deadline());
        REQUIRE(grown.ok());
        for (const auto& item : *grown) {
            INFO(item.describe());
            CHECK(item.ok() == (item.name == "beta"));
        }
        auto beta = admin.describe_topics({"beta"}, rig.deadline());
        REQUIRE(beta.ok());
        CHECK((*beta)[0].partitions.size() == 4);

        auto deleted = admin.delete_topics({"gamma", "missing"}, rig.deadline());
        REQUIRE(deleted.ok());
        for (const auto& item : *deleted) {
            CHECK(item.error == (item.name == "gamma" ? KafkaError::none
                                                      : KafkaError::unknown_topic_or_partition));
        }
        listed = admin.list_topics(rig.deadline());
        REQUIRE(listed.ok());
        CHECK(*listed == std::vector<std::string>{"alpha", "beta"});
        admin.close();
    });
}

TEST_CASE("admin: describe and alter topic configs") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("alpha", 1, {{"retention.ms", "60000"}});
        Admin admin(rig.client(), rig.cluster_config());
        ConfigResource alpha{ConfigResource::Type::topic, "alpha"};
        auto value_of = [&](const std::string& name) -> std::optional<std::string> {
            auto described = admin.describe_configs({alpha}, rig.deadline());
            REQUIRE(described.ok());
            REQUIRE(described->size() == 1);
            REQUIRE((*described)[0].error == KafkaError::none);
            for (const auto& entry : (*described)[0].entries) {
                if (entry.name == name) return entry.value;
            }
            return std::nullopt;
        };
        CHECK(value_of("retention.ms") == std::optional<std::string>("60000"));
        auto altered =
            admin.incremental_alter_configs({{alpha,
                                              {{"retention.ms", AlterOp::set, "120000"},
                                               {"cleanup.policy", AlterOp::set, "delete"}}}},
                                            rig.deadline());
        REQUIRE(altered.ok());
        REQUIRE(altered->size() == 1);
        INFO((*altered)[0].describe());
        CHECK((*altered)[0].ok());
        CHECK(value_of("retention.ms") == std::optional<std::string>("120000"));
        auto bad = admin.incremental_alter_configs(
            {{alpha, {{"retention.ms", AlterOp::set, "soon"}}}}, rig.deadline());
        REQUIRE(bad.ok());
        CHECK((*bad)[0].error == KafkaError::invalid_config);
        auto missing =
            admin.describe_configs({{ConfigResource::Type::topic, "nope"}}, rig.deadline());
        REQUIRE(missing.ok());
        CHECK((*missing)[0].error == KafkaError::unknown_topic_or_partition);
        admin.close();
    });
}

TEST_CASE("admin: list_offsets at earliest, latest and a timestamp for many partitions") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("alpha", 2);
        Producer producer(rig.client(), rig.producer_config());
        for (int i = 0; i < 6; ++i) {
            REQUIRE(producer
                        .send({.topic = "alpha",
                               .partition = PartitionId(i % 2),
                               .value = bytes_of("v"),
                               .timestamp_ms = 1'000'000 + i})
                        .ok());
        }
        REQUIRE(producer.flush(rig.deadline()).ok());
        producer.close();
        Admin admin(rig.client(), rig.cluster_config());
        TopicPartition p0{"alpha", PartitionId(0)}, p1{"alpha", PartitionId(1)};
        TopicPartition missing{"alpha", PartitionId(9)};
        auto ends = admin.list_offsets(
            {{p0, kLatestTimestamp}, {p1, kEarliestTimestamp}, {missing, kLatestTimestamp}},
            rig.deadline());
        REQUIRE(ends.ok());
        REQUIRE(ends->size() == 3);
        CHECK((*ends)[0].offset == Offset(3));  // ordered like the query: p0, p1, missing
        CHECK((*ends)[1].offset == Offset(0));
        CHECK((*ends)[2].error == KafkaError::unknown_topic_or_partition);
        auto by_time = admin.list_offsets({{p1, 1'000'003}}, rig.deadline());
        REQUIRE(by_time.ok());
        CHECK((*by_time)[0].offset == Offset(1));  // p1 holds timestamps 1, 3, 5
        CHECK((*by_time)[0].timestamp_ms == 1'000'003);
        admin.close();
    });
}

TEST_CASE("admin: bootstrap tries each server, and errors name the broker") {
    ClientRig rig;
    rig.run([&] {
        ClusterConfig config = rig.cluster_config();
        config.bootstrap_servers = {Address{"nowhere", 9092}, broker::testing::kBrokerAddress};
        Admin admin(rig.client(), config);
        auto listed = admin.list_topics(rig.deadline());
        INFO((listed.ok() ? "" : listed.error().describe()));
        CHECK(listed.ok());
        admin.close();

        config.bootstrap_servers = {Address{"nowhere", 9092}};
        Admin lost(rig.client(), config);
        auto failed = lost.list_topics(rig.deadline(seconds(2)));
        REQUIRE(!failed.ok());
        CHECK(failed.error().code() == ErrorCode::disconnected);
        CHECK(failed.error().context().find("nowhere:9092") != std::string::npos);
        lost.close();
    });
}

}  // namespace
}  // namespace brook::client::testing

namespace brook::client::testing {
namespace {

TEST_CASE("admin: a standalone commit makes a group that list_groups, describe_groups and "
          "list_consumer_group_offsets see") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("alpha", 2);
        ConsumerConfig config = rig.consumer_config();
        config.group_id = "audit";
        Consumer consumer(rig.client(), config);
        TopicPartition p0{"alpha", PartitionId(0)}, p1{"alpha", PartitionId(1)};
        consumer.assign({p0, p1});
        auto committed = consumer.commit({{p0, Offset(0)}, {p1, Offset(0)}}, rig.deadline());
        consumer.close();
        INFO((committed.ok() ? "" : committed.error().describe()));
        REQUIRE(committed.ok());
        Admin admin(rig.client(), rig.cluster_config());
        auto groups = admin.list_groups(rig.deadline());
        REQUIRE(groups.ok());
        REQUIRE(groups->size() == 1);
        CHECK((*groups)[0].group_id == "audit");
        auto described = admin.describe_groups({"audit", "nobody"}, rig.deadline());
        REQUIRE(described.ok());
        REQUIRE(described->size() == 2);
        CHECK((*described)[0].error == KafkaError::none);
        CHECK((*described)[0].members.empty());
        CHECK((*described)[1].state == "Dead");
        auto offsets = admin.list_consumer_group_offsets("audit", std::nullopt, rig.deadline());
        REQUIRE(offsets.ok());
        CHECK(offsets->error == KafkaError::none);
        REQUIRE(offsets->offsets.size() == 2);
        CHECK(offsets->offsets.at(p1).offset == Offset(0));
        admin.close();
    });
}

TEST_CASE("admin: create, grow and delete ride out a broker that is down for a while") {
    ClientRig rig;
    rig.run([&] {
        Admin admin(rig.client(), rig.cluster_config());
        REQUIRE(admin.list_topics(rig.deadline()).ok());  // the controller is known: node 1
        rig.sim.crash("n1");
        Instant down_at = rig.now();
        rig.sim.scheduler().call_at(down_at + seconds(3), [&] { rig.sim.restart("n1"); });
        // Connections are refused until the broker is back: each call retries with backoff.
        auto created = admin.create_topics({{"orders", 1, -1, {}}}, rig.deadline(seconds(20)));
        INFO((created.ok() ? std::string() : created.error().describe()));
        REQUIRE(created.ok());
        REQUIRE(created->size() == 1);
        REQUIRE(created->front().ok());
        REQUIRE(rig.now() >= down_at + seconds(3));
        rig.crash_and_restart();
        auto grown = admin.create_partitions({{"orders", 3}}, rig.deadline(seconds(20)));
        REQUIRE(grown.ok());
        REQUIRE(grown->size() == 1);
        REQUIRE(grown->front().ok());
        rig.crash_and_restart();
        auto deleted = admin.delete_topics({"orders"}, rig.deadline(seconds(20)));
        REQUIRE(deleted.ok());
        REQUIRE(deleted->size() == 1);
        REQUIRE(deleted->front().ok());
        // A broker that stays away: the call gives up at its deadline with the broker's error.
        rig.sim.crash("n1");
        Instant asked_at = rig.now();
        auto refused = admin.create_topics({{"later", 1, -1, {}}}, rig.deadline(seconds(5)));
        REQUIRE_FALSE(refused.ok());
        REQUIRE(refused.error().code() == ErrorCode::disconnected);
        REQUIRE(rig.now() <= asked_at + seconds(5));
        rig.sim.restart("n1");
        rig.wait_until_serving();
        admin.close();
    });
}

}  // namespace
}  // namespace brook::client::testing
