// Produce: append each partition's record set to its log and answer once the batches are as
// durable as the topic's flush policy makes them (Brook's default: fsynced, group-committed).
//
// Ordering: every partition of the request is WRITTEN before the handler's first suspension
// (PartitionLog::write never suspends), and only then does it wait for fsyncs. The connection
// starts handlers in request order, so pipelined Produce requests on one connection append in
// the order they were sent, while a later request's batches can still join an earlier one's
// fsync (group commit). Responses leave in request order (ClientConnection).
#include "core/base/planted_bug.h"
#include "core/broker/request_handlers.h"

namespace brook::broker {

using protocol::KafkaError;
using protocol::ProduceRequest;
using protocol::ProduceResponse;

namespace {

struct Pending {
    std::size_t topic;
    std::size_t partition;
    std::shared_ptr<log::PartitionLog> log;
    Offset end;  // one past the last offset written
};

ProduceResponse::PartitionProduceResponse failed(int32_t index, KafkaError error) {
    ProduceResponse::PartitionProduceResponse result;
    result.index = index;
    result.error_code = to_wire(error);
    result.base_offset = -1;
    return result;
}

}  // namespace

std::optional<ProduceResponse> handle_produce(BrokerServices& services,
                                              const RequestContext& context,
                                              const ProduceRequest& request) {
    bool valid_acks = request.acks == 0 || request.acks == 1 || request.acks == -1;
    ProduceResponse response;
    std::vector<Pending> pending;
    // Phase 1, no suspension: validate and write every partition.
    for (const auto& topic_data : request.topic_data) {
        auto& topic_response = response.responses.emplace_back();
        topic_response.name = topic_data.name;
        bool valid_name = cluster::validate_topic_name(topic_data.name).ok();
        for (const auto& data : topic_data.partition_data) {
            auto& out = topic_response.partition_responses.emplace_back();
            auto reject = [&](KafkaError error) { out = failed(data.index, error); };
            if (!valid_acks) {
                reject(KafkaError::invalid_required_acks);
                continue;
            }
            if (!valid_name) {
                reject(KafkaError::invalid_topic_exception);
                continue;
            }
            KafkaError not_led = KafkaError::none;
            std::shared_ptr<cluster::Partition> partition = led_partition(
                services, topic_data.name, data.index, kNoLeaderEpoch, not_led);
            if (!partition) {
                reject(not_led);
                continue;
            }
            std::shared_ptr<log::PartitionLog> log = partition->log();
            if (!log || log->offline()) {
                reject(KafkaError::kafka_storage_error);
                continue;
            }
            if (!data.records || data.records->empty()) {
                reject(KafkaError::corrupt_message);
                continue;
            }
            Result<log::AppendResult> written = log->write(*data.records);
            if (!written) {
                KafkaError error = storage_error_code(written.error());
                services.log.debug("produce to {} from {}: {}", partition->directory(),
                                   context.peer.to_string(), written.error().describe());
                reject(error);
                continue;
            }
            out.index = data.index;
            out.base_offset = written->base_offset.value();
            out.log_append_time_ms = written->log_append_time_ms;
            out.log_start_offset = log->log_start_offset().value();
            pending.push_back({response.responses.size() - 1,
                               topic_response.partition_responses.size() - 1, std::move(log),
                               written->last_offset + 1});
        }
    }
    // Phase 2: wait until the topic's flush policy is satisfied for each written partition.
    // A failed fsync takes the log offline: the batch may or may not survive, so the client
    // must hear an error (it will retry; Kafka clients treat KAFKA_STORAGE_ERROR as retriable).
    for (Pending& entry : pending) {
        if (planted(PlantedBug::ack_before_fsync)) break;
        Result<bool> flushed = entry.log->flush_if_due(entry.end);  // May suspend.
        if (!flushed) {
            auto& out = response.responses[entry.topic].partition_responses[entry.partition];
            out = failed(out.index, storage_error_code(flushed.error()));
        }
    }
    if (request.acks == 0) return std::nullopt;
    return response;
}

}  // namespace brook::broker
