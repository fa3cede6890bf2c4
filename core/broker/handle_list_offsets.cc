// ListOffsets: the earliest offset (timestamp -2), the latest (-1: the partition's high
// watermark, which Fetch reports and serves up to), or the first offset whose record timestamp
// is at least the one given. Version 0 answers in its own shape: a list of offsets
// (`old_style_offsets`).
#include "core/broker/request_handlers.h"
#include "core/log/record_batch_builder.h"

namespace brook::broker {

using protocol::KafkaError;
using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;

namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;

struct Found {
    KafkaError error = KafkaError::none;
    int64_t offset = -1;
    int64_t timestamp = -1;
    // Reported with an offset from v4: the epoch that wrote it, or the partition's for latest.
    LeaderEpoch leader_epoch{-1};
};

// The timestamp of the record at `offset`: exact for uncompressed batches, the batch's
// maximum timestamp otherwise (the records are compressed and Brook does not decompress).
int64_t timestamp_at(log::PartitionLog& log, Offset offset, Offset visible) {
    Result<log::LogRead> read = log.read(offset, 1, visible);
    if (!read || read->bytes.empty()) return -1;
    log::BatchCheck check = log::check_batch(read->bytes);
    if (check.problem != log::BatchProblem::none) return -1;
    log::RecordBatchView batch(std::span<const uint8_t>(read->bytes).first(check.size));
    if (batch.compression() == 0) {
        if (Result<std::vector<log::Record>> records = log::decode_records(batch)) {
            int64_t index = offset - batch.base_offset();
            if (index >= 0 && index < static_cast<int64_t>(records->size())) {
                return (*records)[static_cast<std::size_t>(index)].timestamp_ms;
            }
        }
    }
    return batch.max_timestamp();
}

Found lookup(BrokerServices& services, const std::string& topic, int32_t index,
             int64_t timestamp, int32_t current_leader_epoch) {
    KafkaError not_led = KafkaError::none;
    std::shared_ptr<cluster::Partition> partition =
        led_partition(services, topic, index, current_leader_epoch, not_led);
    if (!partition) return {not_led};
    std::shared_ptr<log::PartitionLog> log = partition->log();
    if (!log || log->offline()) return {KafkaError::kafka_storage_error};
    Offset visible = partition->high_watermark();
    // The epoch of the batch holding a stored offset, from the log's epoch cache (-1 if none).
    auto answer = [&](Offset offset, int64_t at) {
        std::optional<LeaderEpoch> epoch = log->epoch_for_offset(offset);
        return Found{KafkaError::none, offset.value(), at, epoch.value_or(log::kUndefinedEpoch)};
    };
    // The latest offset is not a stored record's: Kafka reports the partition's leader epoch.
    if (timestamp == kLatest) {
        return Found{KafkaError::none, visible.value(), -1, partition->leader_epoch()};
    }
    if (timestamp == kEarliest) return answer(log->log_start_offset(), -1);
    if (timestamp < 0) return {KafkaError::invalid_request};
    Result<std::optional<Offset>> found = log->offset_for_timestamp(timestamp);
    if (!found) return {storage_error_code(found.error())};
    if (!*found || **found >= visible) return Found{KafkaError::none, -1, -1};
    return answer(**found, timestamp_at(*log, **found, visible));
}

}  // namespace

ListOffsetsResponse handle_list_offsets(BrokerServices& services, const RequestContext& context,
                                        const ListOffsetsRequest& request) {
    ListOffsetsResponse response;
    int16_t version = context.version();
    for (const auto& topic : request.topics) {
        auto& topic_out = response.topics.emplace_back();
        topic_out.name = topic.name;
        for (const auto& partition : topic.partitions) {
            auto& out = topic_out.partitions.emplace_back();
            out.partition_index = partition.partition_index;
            Found found = lookup(services, topic.name, partition.partition_index,
                                 partition.timestamp, partition.current_leader_epoch);
            out.error_code = to_wire(found.error);
            if (version == 0) {
                // v0 asks for up to max_num_offsets segment starts; the one offset asked for
                // is what every client uses.
                if (found.error == KafkaError::none && found.offset >= 0 &&
                    partition.max_num_offsets > 0) {
                    out.old_style_offsets.push_back(found.offset);
                }
            } else {
                out.offset = found.offset;
                out.timestamp = found.timestamp;
                if (version >= 4 && found.offset >= 0) {
                    out.leader_epoch = found.leader_epoch.value();
                }
            }
        }
    }
    return response;
}

}  // namespace brook::broker
