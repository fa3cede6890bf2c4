// Request frames captured from real clients (tests/protocol/captured/README.md) decode, carry
// what the client was asked to send, and re-encode to the identical bytes at the same version.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "core/protocol/api_schema.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"

namespace brook::protocol {
namespace {

constexpr const char* kTopic = "brook-capture";

std::vector<uint8_t> read_hex(const std::string& name) {
    std::ifstream in(std::string(BROOK_SOURCE_DIR) + "/tests/protocol/captured/" + name);
    REQUIRE(in.good());
    std::string hex;
    for (std::string line; std::getline(in, line);) hex += line;
    REQUIRE(hex.size() % 2 == 0);
    std::vector<uint8_t> bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

struct Captured {
    RequestHeader header;
    AnyRequest request;
};

// Decodes a captured frame and checks that header and body re-encode to the same bytes.
Captured decode_captured(const std::string& name, ApiKey api_key, int16_t version) {
    INFO(name);
    std::vector<uint8_t> frame = read_hex(name);
    ByteReader reader(frame);
    auto header = decode_request_header(reader);
    REQUIRE(header.ok());
    REQUIRE(header->api_key == api_key);
    REQUIRE(header->api_version == version);
    auto body = std::span<const uint8_t>(frame).subspan(reader.position());
    auto request = decode_request(api_key, version, body);
    if (!request) FAIL(request.error().describe());
    ByteWriter writer;
    header->encode(writer, request_header_version(api_key, version));
    encode_request(*request, version, writer);
    REQUIRE(writer.bytes() == frame);
    return Captured{*header, *request};
}

bool contains(const std::optional<std::vector<uint8_t>>& bytes, std::string_view text) {
    return bytes && std::search(bytes->begin(), bytes->end(), text.begin(), text.end()) !=
                        bytes->end();
}

TEST_CASE("protocol: kcat's ApiVersions v3 requests", "[protocol][captured]") {
    for (const char* name : {"kcat_produce_api_versions_v3.hex",
                             "kcat_consume_api_versions_v3.hex"}) {
        Captured captured = decode_captured(name, ApiKey::api_versions, 3);
        REQUIRE(captured.header.client_id == std::optional<std::string>("kcat-capture"));
        const auto& request = std::get<ApiVersionsRequest>(captured.request);
        REQUIRE(request.client_software_name == "librdkafka");
        REQUIRE(request.client_software_version == "2.0.2");
    }
}

TEST_CASE("protocol: kcat's Metadata v4 requests", "[protocol][captured]") {
    for (const char* name : {"kcat_produce_metadata_v4.hex", "kcat_consume_metadata_v4.hex"}) {
        Captured captured = decode_captured(name, ApiKey::metadata, 4);
        const auto& request = std::get<MetadataRequest>(captured.request);
        REQUIRE(request.topics.has_value());
        REQUIRE(request.topics->size() == 1);
        REQUIRE(request.topics->at(0).name == std::optional<std::string>(kTopic));
    }
}

TEST_CASE("protocol: kcat's Produce v7 request", "[protocol][captured]") {
    Captured captured = decode_captured("kcat_produce_produce_v7.hex", ApiKey::produce, 7);
    const auto& request = std::get<ProduceRequest>(captured.request);
    REQUIRE_FALSE(request.transactional_id.has_value());
    REQUIRE(request.acks == -1);  // librdkafka's default, acks=all
    REQUIRE(request.topic_data.size() == 1);
    REQUIRE(request.topic_data[0].name == kTopic);
    REQUIRE(request.topic_data[0].partition_data.size() == 1);
    const auto& partition = request.topic_data[0].partition_data[0];
    REQUIRE(partition.index == 0);
    REQUIRE(partition.records.has_value());
    REQUIRE(partition.records->at(16) == 2);  // magic v2 record batch
    REQUIRE(contains(partition.records, "hello from kcat"));
}

TEST_CASE("protocol: kcat's ListOffsets v2 and Fetch v11 requests", "[protocol][captured]") {
    Captured list = decode_captured("kcat_consume_list_offsets_v2.hex", ApiKey::list_offsets, 2);
    const auto& list_offsets = std::get<ListOffsetsRequest>(list.request);
    REQUIRE(list_offsets.replica_id == -1);
    REQUIRE(list_offsets.topics.at(0).name == kTopic);
    REQUIRE(list_offsets.topics.at(0).partitions.at(0).partition_index == 0);
    REQUIRE(list_offsets.topics.at(0).partitions.at(0).timestamp == -2);  // -o beginning

    Captured fetch_capture = decode_captured("kcat_consume_fetch_v11.hex", ApiKey::fetch, 11);
    const auto& fetch = std::get<FetchRequest>(fetch_capture.request);
    REQUIRE(fetch.replica_id == -1);
    REQUIRE(fetch.session_id == 0);
    REQUIRE(fetch.session_epoch == -1);
    REQUIRE(fetch.topics.at(0).topic == kTopic);
    REQUIRE(fetch.topics.at(0).partitions.at(0).partition == 0);
    REQUIRE(fetch.topics.at(0).partitions.at(0).fetch_offset == 0);
    REQUIRE(fetch.topics.at(0).partitions.at(0).current_leader_epoch == -1);
}

TEST_CASE("protocol: kafka-python's probe, Metadata and Produce requests",
          "[protocol][captured]") {
    Captured probe = decode_captured("kafka_python_produce_api_versions_v0.hex",
                                     ApiKey::api_versions, 0);
    REQUIRE(probe.header.client_id == std::optional<std::string>("kafka-python-capture"));

    Captured metadata_v0 = decode_captured("kafka_python_produce_metadata_v0.hex",
                                           ApiKey::metadata, 0);
    REQUIRE(std::get<MetadataRequest>(metadata_v0.request).topics.has_value());
    decode_captured("kafka_python_produce_metadata_v1.hex", ApiKey::metadata, 1);

    Captured produce = decode_captured("kafka_python_produce_produce_v7.hex", ApiKey::produce, 7);
    const auto& request = std::get<ProduceRequest>(produce.request);
    REQUIRE(request.acks == 1);
    REQUIRE(request.topic_data.at(0).name == kTopic);
    REQUIRE(contains(request.topic_data.at(0).partition_data.at(0).records,
                     "hello from kafka-python"));
}

// Captured through a recording proxy in front of `brook serve` (capture_requests.py
// --via-broker): admin clients, an idempotent producer and group consumers.
constexpr const char* kAdminTopic = "brook-capture-admin";
constexpr int8_t kTopicResource = 2;  // ConfigResource type TOPIC

TEST_CASE("protocol: confluent-kafka's admin requests", "[protocol][captured]") {
    const std::optional<std::string> client_id("confluent-admin-capture");

    Captured create = decode_captured("confluent_admin_create_topics_v4.hex",
                                      ApiKey::create_topics, 4);
    REQUIRE(create.header.client_id == client_id);
    const auto& create_topics = std::get<CreateTopicsRequest>(create.request);
    REQUIRE(create_topics.topics.size() == 1);
    const auto& topic = create_topics.topics[0];
    REQUIRE(topic.name == kAdminTopic);
    REQUIRE(topic.num_partitions == 2);
    REQUIRE(topic.replication_factor == 1);
    REQUIRE(topic.assignments.empty());
    REQUIRE(topic.configs.size() == 1);
    REQUIRE(topic.configs[0].name == "retention.ms");
    REQUIRE(topic.configs[0].value == std::optional<std::string>("3600000"));
    REQUIRE(create_topics.timeout_ms == 60000);
    REQUIRE_FALSE(create_topics.validate_only);

    Captured partitions = decode_captured("confluent_admin_create_partitions_v0.hex",
                                          ApiKey::create_partitions, 0);
    const auto& create_partitions = std::get<CreatePartitionsRequest>(partitions.request);
    REQUIRE(create_partitions.topics.size() == 1);
    REQUIRE(create_partitions.topics[0].name == kAdminTopic);
    REQUIRE(create_partitions.topics[0].count_field == 4);
    REQUIRE_FALSE(create_partitions.topics[0].assignments.has_value());
    REQUIRE_FALSE(create_partitions.validate_only);

    Captured describe = decode_captured("confluent_admin_describe_configs_v1.hex",
                                        ApiKey::describe_configs, 1);
    const auto& describe_configs = std::get<DescribeConfigsRequest>(describe.request);
    REQUIRE(describe_configs.resources.size() == 1);
    REQUIRE(describe_configs.resources[0].resource_type == kTopicResource);
    REQUIRE(describe_configs.resources[0].resource_name == kAdminTopic);
    REQUIRE_FALSE(describe_configs.resources[0].configuration_keys.has_value());  // all keys
    REQUIRE(describe_configs.include_synonyms);

    Captured alter = decode_captured("confluent_admin_alter_configs_v0.hex",
                                     ApiKey::alter_configs, 0);
    const auto& alter_configs = std::get<AlterConfigsRequest>(alter.request);
    REQUIRE(alter_configs.resources.size() == 1);
    REQUIRE(alter_configs.resources[0].resource_type == kTopicResource);
    REQUIRE(alter_configs.resources[0].resource_name == kAdminTopic);
    REQUIRE(alter_configs.resources[0].configs.size() == 1);
    REQUIRE(alter_configs.resources[0].configs[0].name == "retention.ms");
    REQUIRE(alter_configs.resources[0].configs[0].value == std::optional<std::string>("7200000"));
    REQUIRE_FALSE(alter_configs.validate_only);

    Captured remove = decode_captured("confluent_admin_delete_topics_v1.hex",
                                      ApiKey::delete_topics, 1);
    const auto& delete_topics = std::get<DeleteTopicsRequest>(remove.request);
    REQUIRE(delete_topics.topic_names == std::vector<std::string>{kAdminTopic});
    REQUIRE(delete_topics.timeout_ms == 60000);
}

TEST_CASE("protocol: kafka-python's admin requests", "[protocol][captured]") {
    const std::optional<std::string> client_id("kafka-python-admin-capture");

    Captured metadata = decode_captured("kafka_python_admin_metadata_v5.hex", ApiKey::metadata, 5);
    REQUIRE(metadata.header.client_id == client_id);
    REQUIRE_FALSE(std::get<MetadataRequest>(metadata.request).topics.has_value());  // all topics

    Captured create = decode_captured("kafka_python_admin_create_topics_v3.hex",
                                      ApiKey::create_topics, 3);
    const auto& create_topics = std::get<CreateTopicsRequest>(create.request);
    REQUIRE(create_topics.topics.size() == 1);
    REQUIRE(create_topics.topics[0].name == kAdminTopic);
    REQUIRE(create_topics.topics[0].num_partitions == 2);
    REQUIRE(create_topics.topics[0].replication_factor == 1);
    REQUIRE(create_topics.topics[0].configs.size() == 1);
    REQUIRE(create_topics.topics[0].configs[0].name == "retention.ms");
    REQUIRE(create_topics.topics[0].configs[0].value == std::optional<std::string>("3600000"));
    REQUIRE(create_topics.timeout_ms == 10000);

    Captured partitions = decode_captured("kafka_python_admin_create_partitions_v1.hex",
                                          ApiKey::create_partitions, 1);
    const auto& create_partitions = std::get<CreatePartitionsRequest>(partitions.request);
    REQUIRE(create_partitions.topics.at(0).name == kAdminTopic);
    REQUIRE(create_partitions.topics.at(0).count_field == 4);
    REQUIRE_FALSE(create_partitions.topics.at(0).assignments.has_value());
    REQUIRE(create_partitions.timeout_ms == 10000);

    Captured describe = decode_captured("kafka_python_admin_describe_configs_v2.hex",
                                        ApiKey::describe_configs, 2);
    const auto& describe_configs = std::get<DescribeConfigsRequest>(describe.request);
    REQUIRE(describe_configs.resources.at(0).resource_type == kTopicResource);
    REQUIRE(describe_configs.resources.at(0).resource_name == kAdminTopic);
    REQUIRE_FALSE(describe_configs.resources.at(0).configuration_keys.has_value());
    REQUIRE_FALSE(describe_configs.include_synonyms);

    Captured alter = decode_captured("kafka_python_admin_alter_configs_v1.hex",
                                     ApiKey::alter_configs, 1);
    const auto& alter_configs = std::get<AlterConfigsRequest>(alter.request);
    REQUIRE(alter_configs.resources.at(0).resource_type == kTopicResource);
    REQUIRE(alter_configs.resources.at(0).resource_name == kAdminTopic);
    REQUIRE(alter_configs.resources.at(0).configs.at(0).name == "retention.ms");
    REQUIRE(alter_configs.resources.at(0).configs.at(0).value ==
            std::optional<std::string>("7200000"));

    Captured remove = decode_captured("kafka_python_admin_delete_topics_v3.hex",
                                      ApiKey::delete_topics, 3);
    const auto& delete_topics = std::get<DeleteTopicsRequest>(remove.request);
    REQUIRE(delete_topics.topic_names == std::vector<std::string>{kAdminTopic});
    REQUIRE(delete_topics.timeout_ms == 10000);
}

TEST_CASE("protocol: confluent-kafka's idempotent InitProducerId v4 request",
          "[protocol][captured]") {
    Captured captured = decode_captured("confluent_idempotent_produce_init_producer_id_v4.hex",
                                        ApiKey::init_producer_id, 4);
    REQUIRE(captured.header.client_id ==
            std::optional<std::string>("confluent-idempotent-capture"));
    const auto& request = std::get<InitProducerIdRequest>(captured.request);
    REQUIRE_FALSE(request.transactional_id.has_value());  // idempotent, not transactional
    REQUIRE(request.transaction_timeout_ms == -1);
    REQUIRE(request.producer_id == -1);  // a new producer, not a bumped epoch
    REQUIRE(request.producer_epoch == -1);
}

TEST_CASE("protocol: group consumers' FindCoordinator requests", "[protocol][captured]") {
    Captured confluent = decode_captured("confluent_group_consume_find_coordinator_v2.hex",
                                         ApiKey::find_coordinator, 2);
    REQUIRE(confluent.header.client_id == std::optional<std::string>("confluent-group-capture"));
    const auto& v2 = std::get<FindCoordinatorRequest>(confluent.request);
    REQUIRE(v2.key == "brook-capture-group");
    REQUIRE(v2.key_type == 0);  // group

    Captured kafka_python = decode_captured("kafka_python_group_consume_find_coordinator_v0.hex",
                                            ApiKey::find_coordinator, 0);
    REQUIRE(kafka_python.header.client_id ==
            std::optional<std::string>("kafka-python-group-capture"));
    REQUIRE(std::get<FindCoordinatorRequest>(kafka_python.request).key == "brook-capture-group");
}

TEST_CASE("protocol: kafka-python's ListOffsets v1 and Fetch v4 requests",
          "[protocol][captured]") {
    Captured list = decode_captured("kafka_python_consume_list_offsets_v1.hex",
                                    ApiKey::list_offsets, 1);
    REQUIRE(list.header.client_id == std::optional<std::string>("kafka-python-consume-capture"));
    const auto& list_offsets = std::get<ListOffsetsRequest>(list.request);
    REQUIRE(list_offsets.replica_id == -1);
    REQUIRE(list_offsets.topics.at(0).name == kTopic);
    REQUIRE(list_offsets.topics.at(0).partitions.at(0).partition_index == 0);
    REQUIRE(list_offsets.topics.at(0).partitions.at(0).timestamp == -2);  // seek_to_beginning

    Captured fetch_capture = decode_captured("kafka_python_consume_fetch_v4.hex", ApiKey::fetch, 4);
    const auto& fetch = std::get<FetchRequest>(fetch_capture.request);
    REQUIRE(fetch.replica_id == -1);
    REQUIRE(fetch.max_wait_ms == 500);
    REQUIRE(fetch.min_bytes == 1);
    REQUIRE(fetch.max_bytes == 52428800);
    REQUIRE(fetch.isolation_level == 0);
    REQUIRE(fetch.topics.at(0).topic == kTopic);
    REQUIRE(fetch.topics.at(0).partitions.at(0).partition == 0);
    REQUIRE(fetch.topics.at(0).partitions.at(0).fetch_offset == 0);
    REQUIRE(fetch.topics.at(0).partitions.at(0).partition_max_bytes == 1048576);
}

TEST_CASE("protocol: kafka-python pinned to 0.10.1: Produce v2 and Fetch v3 requests",
          "[protocol][captured]") {
    Captured produce = decode_captured("kafka_python_pinned_produce_v2.hex", ApiKey::produce, 2);
    REQUIRE(produce.header.client_id == std::optional<std::string>("kafka-python-0.10-capture"));
    const auto& request = std::get<ProduceRequest>(produce.request);
    REQUIRE(request.acks == 1);
    REQUIRE(request.timeout_ms == 30000);
    REQUIRE(request.topic_data.at(0).name == kTopic);
    const auto& partition = request.topic_data.at(0).partition_data.at(0);
    REQUIRE(partition.index == 0);
    REQUIRE(partition.records.has_value());
    REQUIRE(partition.records->at(16) == 1);  // a magic-1 message set, refused per partition
    REQUIRE(contains(partition.records, "hello from kafka-python 0.10"));

    Captured fetch_capture = decode_captured("kafka_python_pinned_fetch_v3.hex", ApiKey::fetch, 3);
    const auto& fetch = std::get<FetchRequest>(fetch_capture.request);
    REQUIRE(fetch.replica_id == -1);
    REQUIRE(fetch.max_wait_ms == 500);
    REQUIRE(fetch.max_bytes == 52428800);
    REQUIRE(fetch.topics.at(0).topic == kTopic);
    REQUIRE(fetch.topics.at(0).partitions.at(0).partition == 0);
    REQUIRE(fetch.topics.at(0).partitions.at(0).partition_max_bytes == 1048576);
}

}  // namespace
}  // namespace brook::protocol
