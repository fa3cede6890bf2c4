// Metadata, topic administration, configs and producer ids, including what survives a crash.
#include <catch2/catch.hpp>

#include "core/cluster/durable_file.h"
#include "tests/broker/broker_rig.h"

namespace brook::broker::testing {
namespace {

using protocol::KafkaError;

int16_t error_of(const protocol::MetadataResponse& response, const std::string& topic) {
    for (const auto& t : response.topics) {
        if (t.name == topic) return t.error_code;
    }
    FAIL("topic " << topic << " missing from metadata");
    return -1;
}

TEST_CASE("broker: metadata auto-creates requested topics, at every version") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        for (int16_t version = 0; version <= 9; ++version) {
            std::string topic = fmt::format("auto{}", version);
            auto response = client::metadata(*kafka, std::vector<std::string>{topic},
                                              rig.deadline(), version);
            REQUIRE(response.ok());
            REQUIRE(response->brokers.size() == 1);
            REQUIRE(response->brokers[0].node_id == 1);
            REQUIRE(response->brokers[0].host == "n1");
            REQUIRE(response->brokers[0].port == 9092);
            REQUIRE(error_of(*response, topic) == 0);
            REQUIRE(response->topics[0].partitions.size() == 1);
            const auto& partition = response->topics[0].partitions[0];
            REQUIRE(partition.leader_id == 1);
            REQUIRE(partition.replica_nodes == std::vector<int32_t>{1});
            REQUIRE(partition.isr_nodes == std::vector<int32_t>{1});
            if (version >= 1) REQUIRE(response->controller_id == 1);
            if (version >= 2) REQUIRE(response->cluster_id == rig.broker->cluster_id());
        }
        auto all = client::metadata(*kafka, std::nullopt, rig.deadline(), 1);
        REQUIRE(all->topics.size() == 10);
        auto none = client::metadata(*kafka, std::vector<std::string>{}, rig.deadline(), 1);
        REQUIRE(none->topics.empty());
        auto forbidden = client::metadata(*kafka, std::vector<std::string>{"never"}, rig.deadline(),
                                          4, /*allow_auto_create=*/false);
        REQUIRE(error_of(*forbidden, "never") == to_wire(KafkaError::unknown_topic_or_partition));
        auto invalid = client::metadata(*kafka, std::vector<std::string>{"no way"}, rig.deadline());
        REQUIRE(error_of(*invalid, "no way") == to_wire(KafkaError::invalid_topic_exception));
    });
}

TEST_CASE("broker: metadata advertises advertised.listeners, and honours auto.create off") {
    BrokerConfig config = rig_config();
    REQUIRE(config.set("advertised.listeners", "PLAINTEXT://public.example:19092").ok());
    REQUIRE(config.set("auto.create.topics.enable", "false").ok());
    REQUIRE(config.set("num.partitions", "4").ok());
    REQUIRE(config.finish().ok());
    BrokerRig rig(config);
    rig.run([&] {
        auto kafka = rig.connect();
        auto response = client::metadata(*kafka, std::vector<std::string>{"x"}, rig.deadline(), 1);
        REQUIRE(response->brokers[0].host == "public.example");
        REQUIRE(response->brokers[0].port == 19092);
        REQUIRE(error_of(*response, "x") == to_wire(KafkaError::unknown_topic_or_partition));
        // CreateTopics with -1 partitions takes num.partitions.
        REQUIRE(*client::create_topic(*kafka, "x", -1, {}, rig.deadline()) == KafkaError::none);
        auto created = client::metadata(*kafka, std::vector<std::string>{"x"}, rig.deadline(), 1);
        REQUIRE(created->topics[0].partitions.size() == 4);
    });
}

TEST_CASE("broker: create topics validates name, partitions, replication and configs") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        auto create = [&](const std::string& name, int32_t partitions,
                          std::map<std::string, std::string> configs = {}, int16_t version = 4) {
            auto result = client::create_topic(*kafka, name, partitions, configs, rig.deadline(), version);
            REQUIRE(result.ok());
            return *result;
        };
        REQUIRE(create("fine", 2, {{"retention.ms", "1000"}}) == KafkaError::none);
        REQUIRE(create("fine", 2) == KafkaError::topic_already_exists);
        REQUIRE(create("..", 1) == KafkaError::invalid_topic_exception);
        REQUIRE(create(std::string(250, 'a'), 1) == KafkaError::invalid_topic_exception);
        REQUIRE(create("zero", 0) == KafkaError::invalid_partitions);
        REQUIRE(create("conf", 1, {{"retention.ms", "soon"}}) == KafkaError::invalid_config);
        REQUIRE(create("conf", 1, {{"no.such.key", "1"}}) == KafkaError::invalid_config);
        for (int16_t version = 0; version <= 5; ++version) {
            REQUIRE(create(fmt::format("v{}", version), 1, {}, version) == KafkaError::none);
        }
        protocol::CreateTopicsRequest replicated;
        replicated.topics.push_back({.name = "rf3", .num_partitions = 1, .replication_factor = 3});
        auto refused = kafka->call<protocol::CreateTopicsResponse>(replicated, 4, rig.deadline());
        REQUIRE(refused->topics[0].error_code == to_wire(KafkaError::invalid_replication_factor));
        REQUIRE(refused->topics[0].error_message->find("replication factor 3") != std::string::npos);
        protocol::CreateTopicsRequest dry;
        dry.validate_only = true;
        dry.topics.push_back({.name = "dry", .num_partitions = 1, .replication_factor = 1});
        auto validated = kafka->call<protocol::CreateTopicsResponse>(dry, 4, rig.deadline());
        REQUIRE(validated->topics[0].error_code == 0);
        REQUIRE(rig.broker->topics().find("dry") == nullptr);
    });
}

TEST_CASE("broker: delete topics and create partitions") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        REQUIRE(*client::create_topic(*kafka, "gone", 2, {}, rig.deadline()) == KafkaError::none);
        REQUIRE(client::produce(*kafka, "gone", PartitionId(1), text_batch("g", 2), -1,
                                rig.deadline())->error == KafkaError::none);
        protocol::DeleteTopicsRequest remove;
        remove.topic_names = {"gone", "never"};
        auto deleted = kafka->call<protocol::DeleteTopicsResponse>(remove, 4, rig.deadline());
        REQUIRE(deleted.ok());
        REQUIRE(deleted->responses[0].error_code == 0);
        REQUIRE(deleted->responses[1].error_code == to_wire(KafkaError::unknown_topic_or_partition));
        // Re-created, the topic starts empty.
        REQUIRE(*client::create_topic(*kafka, "gone", 2, {}, rig.deadline()) == KafkaError::none);
        auto latest = client::list_offset(*kafka, "gone", PartitionId(1), -1, rig.deadline());
        REQUIRE(latest->offset == Offset(0));

        protocol::CreatePartitionsRequest grow;
        grow.topics.push_back({.name = "gone", .count_field = 5, .assignments = std::nullopt});
        grow.topics.push_back({.name = "never", .count_field = 5, .assignments = std::nullopt});
        auto grown = kafka->call<protocol::CreatePartitionsResponse>(grow, 2, rig.deadline());
        REQUIRE(grown->results[0].error_code == 0);
        REQUIRE(grown->results[1].error_code == to_wire(KafkaError::unknown_topic_or_partition));
        grow.topics.pop_back();
        grow.topics[0].count_field = 3;
        auto shrink = kafka->call<protocol::CreatePartitionsResponse>(grow, 2, rig.deadline());
        REQUIRE(shrink->results[0].error_code == to_wire(KafkaError::invalid_partitions));
        REQUIRE(client::produce(*kafka, "gone", PartitionId(4), text_batch("n", 1), -1,
                                rig.deadline())->error == KafkaError::none);
    });
}

std::map<std::string, protocol::DescribeConfigsResponse::DescribeConfigsResourceResult>
describe_topic(BrokerRig& rig, client::KafkaConnection& kafka, const std::string& topic,
               int16_t version = 2) {
    protocol::DescribeConfigsRequest request;
    request.resources.push_back({2, topic, std::nullopt});
    auto response = kafka.call<protocol::DescribeConfigsResponse>(request, version, rig.deadline());
    REQUIRE(response.ok());
    REQUIRE(response->results[0].error_code == 0);
    std::map<std::string, protocol::DescribeConfigsResponse::DescribeConfigsResourceResult> entries;
    for (auto& entry : response->results[0].configs) entries[entry.name] = entry;
    return entries;
}

TEST_CASE("broker: describe, alter and incrementally alter topic configs") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        REQUIRE(*client::create_topic(*kafka, "c", 1, {{"retention.ms", "5000"}}, rig.deadline()) ==
                KafkaError::none);
        for (int16_t version = 0; version <= 4; ++version) {
            auto entries = describe_topic(rig, *kafka, "c", version);
            REQUIRE(entries.at("retention.ms").value == "5000");
            REQUIRE(entries.at("cleanup.policy").value == "delete");
            if (version >= 1) REQUIRE(entries.at("retention.ms").config_source == 1);
            if (version >= 1) REQUIRE(entries.at("segment.bytes").config_source == 5);
            if (version == 0) REQUIRE(entries.at("segment.bytes").is_default);
        }
        protocol::IncrementalAlterConfigsRequest incremental;
        incremental.resources.push_back(
            {2, "c", {{"segment.bytes", 0, "1048576"}, {"retention.ms", 1, std::nullopt}}});
        auto altered = kafka->call<protocol::IncrementalAlterConfigsResponse>(incremental, 1,
                                                                               rig.deadline());
        REQUIRE(altered->responses[0].error_code == 0);
        auto entries = describe_topic(rig, *kafka, "c");
        REQUIRE(entries.at("segment.bytes").value == "1048576");
        REQUIRE(entries.at("retention.ms").config_source == 5);

        protocol::AlterConfigsRequest replace;
        replace.resources.push_back({2, "c", {{"cleanup.policy", "compact"}}});
        auto replaced = kafka->call<protocol::AlterConfigsResponse>(replace, 1, rig.deadline());
        REQUIRE(replaced->responses[0].error_code == 0);
        entries = describe_topic(rig, *kafka, "c");
        REQUIRE(entries.at("cleanup.policy").value == "compact");
        REQUIRE(entries.at("segment.bytes").config_source == 5);  // replaced: back to default

        replace.resources[0].configs = {{"retention.bytes", "lots"}};
        auto invalid = kafka->call<protocol::AlterConfigsResponse>(replace, 1, rig.deadline());
        REQUIRE(invalid->responses[0].error_code == to_wire(KafkaError::invalid_config));
        REQUIRE(invalid->responses[0].error_message->find("retention.bytes") != std::string::npos);
        replace.resources[0].resource_name = "missing";
        replace.resources[0].configs = {{"retention.bytes", "1"}};
        auto missing = kafka->call<protocol::AlterConfigsResponse>(replace, 1, rig.deadline());
        REQUIRE(missing->responses[0].error_code ==
                to_wire(KafkaError::unknown_topic_or_partition));

        protocol::DescribeConfigsRequest broker_request;
        broker_request.resources.push_back({4, "1", std::vector<std::string>{"num.partitions"}});
        auto broker_configs = kafka->call<protocol::DescribeConfigsResponse>(broker_request, 2,
                                                                            rig.deadline());
        REQUIRE(broker_configs->results[0].configs.size() == 1);
        REQUIRE(broker_configs->results[0].configs[0].value == "1");
    });
}

TEST_CASE("broker: topics, configs, records and producer ids survive a crash") {
    BrokerRig rig;
    rig.run([&] {
        std::string cluster_id;
        int64_t first_producer_id = -1;
        {
            auto kafka = rig.connect();
            cluster_id = rig.broker->cluster_id();
            REQUIRE(*client::create_topic(*kafka, "keep", 3, {{"retention.bytes", "123456"}},
                                          rig.deadline()) == KafkaError::none);
            REQUIRE(client::produce(*kafka, "keep", PartitionId(2), text_batch("k", 4), -1,
                                    rig.deadline())->error == KafkaError::none);
            auto id = kafka->call<protocol::InitProducerIdResponse>(
                protocol::InitProducerIdRequest{.transactional_id = std::nullopt}, 1, rig.deadline());
            REQUIRE(id->error_code == 0);
            first_producer_id = id->producer_id;
            auto second = kafka->call<protocol::InitProducerIdResponse>(
                protocol::InitProducerIdRequest{.transactional_id = std::nullopt}, 1, rig.deadline());
            REQUIRE(second->producer_id == first_producer_id + 1);
        }
        rig.crash_and_restart();
        auto kafka = rig.connect();
        REQUIRE(rig.broker->cluster_id() == cluster_id);
        REQUIRE(rig.broker->load_report().topics == 1);
        REQUIRE(rig.broker->load_report().partitions == 3);
        auto entries = describe_topic(rig, *kafka, "keep");
        REQUIRE(entries.at("retention.bytes").value == "123456");
        auto fetched = client::fetch(*kafka, "keep", PartitionId(2), Offset(0), {}, rig.deadline());
        REQUIRE(values_of(fetched->records) ==
                std::vector<std::string>{"k-0", "k-1", "k-2", "k-3"});
        auto id = kafka->call<protocol::InitProducerIdResponse>(
            protocol::InitProducerIdRequest{.transactional_id = std::nullopt}, 1, rig.deadline());
        REQUIRE(id->producer_id > first_producer_id + 1);  // never repeats
        // Deletions interrupted by a crash are finished on restart; nothing comes back.
        protocol::DeleteTopicsRequest remove;
        remove.topic_names = {"keep"};
        REQUIRE(kafka->call<protocol::DeleteTopicsResponse>(remove, 1, rig.deadline()).ok());
        rig.crash_and_restart();
        REQUIRE(rig.broker->load_report().topics == 0);
    });
}

TEST_CASE("broker: describe cluster and init producer id at every version") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        for (int16_t version = 0; version <= 1; ++version) {
            auto cluster = kafka->call<protocol::DescribeClusterResponse>(
                protocol::DescribeClusterRequest{}, version, rig.deadline());
            REQUIRE(cluster->brokers.size() == 1);
            REQUIRE(cluster->controller_id == 1);
            REQUIRE(cluster->cluster_id == rig.broker->cluster_id());
        }
        int64_t previous = -1;
        for (int16_t version = 0; version <= 4; ++version) {
            auto id = kafka->call<protocol::InitProducerIdResponse>(
                protocol::InitProducerIdRequest{.transactional_id = std::nullopt}, version,
                rig.deadline());
            REQUIRE(id->error_code == 0);
            REQUIRE(id->producer_id > previous);
            previous = id->producer_id;
        }
        auto transactional = kafka->call<protocol::InitProducerIdResponse>(
            protocol::InitProducerIdRequest{.transactional_id = "txn"}, 1, rig.deadline());
        REQUIRE(transactional->error_code != 0);
    });
}

}  // namespace
}  // namespace brook::broker::testing

namespace brook::broker::testing {
namespace {

TEST_CASE("broker: a deletion interrupted by a crash is finished at start, records and all") {
    BrokerRig rig;
    rig.run([&] {
        {
            auto kafka = rig.connect();
            REQUIRE(*client::create_topic(*kafka, "doomed", 2, {}, rig.deadline()) ==
                    KafkaError::none);
            REQUIRE(client::produce(*kafka, "doomed", PartitionId(0), text_batch("old", 3), -1,
                                    rig.deadline())->error == KafkaError::none);
        }
        rig.sim.crash("n1");
        // What a crash between "marked for deletion" and "directories removed" leaves behind.
        auto text = cluster::read_durable_file(rig.sim.disk("n1"), "topics/doomed");
        REQUIRE(text.ok());
        REQUIRE(text->has_value());
        REQUIRE(cluster::write_file_durably(rig.sim.disk("n1"), "topics/doomed",
                                            **text + "deleting=true\n")
                    .ok());
        rig.sim.restart("n1");
        rig.wait_until_serving();
        REQUIRE(rig.broker->load_report().deletions_finished == 1);
        REQUIRE(rig.broker->topics().find("doomed") == nullptr);
        REQUIRE_FALSE(*rig.sim.disk("n1").exists("doomed-0"));
        REQUIRE_FALSE(*rig.sim.disk("n1").exists("topics/doomed"));
        auto kafka = rig.connect();
        REQUIRE(*client::create_topic(*kafka, "doomed", 1, {}, rig.deadline()) == KafkaError::none);
        auto latest = client::list_offset(*kafka, "doomed", PartitionId(0), -1, rig.deadline());
        REQUIRE(latest->offset == Offset(0));
    });
}

}  // namespace
}  // namespace brook::broker::testing
