#include "core/client/kafka_calls.h"

namespace brook::client {

using namespace protocol;

namespace {

Error malformed(std::string_view what) {
    return Error(ErrorCode::corruption, fmt::format("{} response lacks the partition asked", what));
}

}  // namespace

Result<ProduceOutcome> produce(KafkaConnection& kafka, const std::string& topic,
                               PartitionId partition, std::span<const uint8_t> records,
                               int16_t acks, Instant deadline, int16_t version) {
    ProduceRequest request;
    request.acks = acks;
    request.timeout_ms = 30000;
    auto& topic_data = request.topic_data.emplace_back();
    topic_data.name = topic;
    topic_data.partition_data.push_back(
        {partition.value(), std::vector<uint8_t>(records.begin(), records.end())});
    if (acks == 0) {
        TRY(kafka.send(request, version, /*expect_response=*/false, deadline));
        return ProduceOutcome{};
    }
    TRY_ASSIGN(ProduceResponse response, kafka.call<ProduceResponse>(request, version, deadline));
    if (response.responses.size() != 1 || response.responses[0].partition_responses.size() != 1) {
        return malformed("Produce");
    }
    const auto& result = response.responses[0].partition_responses[0];
    return ProduceOutcome{kafka_error_from_wire(result.error_code), Offset(result.base_offset),
                          result.log_append_time_ms, result.log_start_offset};
}

Result<FetchOutcome> fetch(KafkaConnection& kafka, const std::string& topic, PartitionId partition,
                           Offset offset, const FetchOptions& options, Instant deadline) {
    FetchRequest request;
    request.max_wait_ms = options.max_wait_ms;
    request.min_bytes = options.min_bytes;
    request.max_bytes = options.max_bytes;
    auto& fetch_topic = request.topics.emplace_back();
    fetch_topic.topic = topic;
    auto& fetch_partition = fetch_topic.partitions.emplace_back();
    fetch_partition.partition = partition.value();
    fetch_partition.fetch_offset = offset.value();
    fetch_partition.partition_max_bytes = options.partition_max_bytes;
    if (options.version >= 5) fetch_partition.log_start_offset = -1;
    TRY_ASSIGN(FetchResponse response,
               kafka.call<FetchResponse>(request, options.version, deadline));
    if (response.responses.size() != 1 || response.responses[0].partitions.size() != 1) {
        return malformed("Fetch");
    }
    auto& data = response.responses[0].partitions[0];
    FetchOutcome outcome;
    outcome.error = kafka_error_from_wire(data.error_code);
    outcome.high_watermark = data.high_watermark;
    outcome.log_start_offset = data.log_start_offset;
    if (data.records) outcome.records = std::move(*data.records);
    return outcome;
}

Result<OffsetOutcome> list_offset(KafkaConnection& kafka, const std::string& topic,
                                  PartitionId partition, int64_t timestamp, Instant deadline,
                                  int16_t version) {
    ListOffsetsRequest request;
    request.replica_id = -1;
    auto& request_topic = request.topics.emplace_back();
    request_topic.name = topic;
    auto& request_partition = request_topic.partitions.emplace_back();
    request_partition.partition_index = partition.value();
    request_partition.timestamp = timestamp;
    TRY_ASSIGN(ListOffsetsResponse response,
               kafka.call<ListOffsetsResponse>(request, version, deadline));
    if (response.topics.size() != 1 || response.topics[0].partitions.size() != 1) {
        return malformed("ListOffsets");
    }
    const auto& result = response.topics[0].partitions[0];
    OffsetOutcome outcome{kafka_error_from_wire(result.error_code), Offset(result.offset),
                          result.timestamp};
    if (version == 0) {
        outcome.offset = Offset(result.old_style_offsets.empty() ? -1
                                                                 : result.old_style_offsets[0]);
        outcome.timestamp = -1;
    }
    return outcome;
}

Result<KafkaError> create_topic(KafkaConnection& kafka, const std::string& topic,
                                int32_t partitions,
                                const std::map<std::string, std::string>& configs,
                                Instant deadline, int16_t version) {
    CreateTopicsRequest request;
    auto& creatable = request.topics.emplace_back();
    creatable.name = topic;
    creatable.num_partitions = partitions;
    creatable.replication_factor = version >= 4 ? -1 : 1;
    for (const auto& [key, value] : configs) creatable.configs.push_back({key, value});
    request.timeout_ms = 30000;
    TRY_ASSIGN(CreateTopicsResponse response,
               kafka.call<CreateTopicsResponse>(request, version, deadline));
    if (response.topics.size() != 1) return malformed("CreateTopics");
    return kafka_error_from_wire(response.topics[0].error_code);
}

Result<MetadataResponse> metadata(KafkaConnection& kafka,
                                  std::optional<std::vector<std::string>> topics,
                                  Instant deadline, int16_t version, bool allow_auto_create) {
    MetadataRequest request;
    if (topics) {
        request.topics.emplace();
        for (const std::string& name : *topics) {
            request.topics->push_back({Uuid{}, name});
        }
    } else {
        request.topics = std::nullopt;
        if (version == 0) request.topics.emplace();  // v0: an empty list means all
    }
    if (version >= 4) request.allow_auto_topic_creation = allow_auto_create;
    return kafka.call<MetadataResponse>(request, version, deadline);
}

}  // namespace brook::client
