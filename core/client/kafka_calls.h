// Typed one-partition calls over a KafkaConnection: the raw wire client the broker's tests and
// the history scenarios' workload (scenarios/kafka_workload.cc) use, where a test wants exactly
// one request on the wire. Everything else uses Brook's client library: producer.h, consumer.h,
// admin.h.
//
//   TRY_ASSIGN(ProduceOutcome done, produce(kafka, "orders", PartitionId(0), batch, -1, deadline));
//   if (done.error == KafkaError::none) acknowledged(done.base_offset);
//   TRY_ASSIGN(FetchOutcome got, fetch(kafka, "orders", PartitionId(0), Offset(0), {}, deadline));
//
// A Result error means the connection failed (reconnect); a Kafka error code means the broker
// answered with one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/strong_type.h"
#include "core/client/kafka_connection.h"
#include "core/protocol/error_code.h"

namespace brook::client {

using protocol::KafkaError;

struct ProduceOutcome {
    KafkaError error = KafkaError::none;
    Offset base_offset{-1};
    int64_t log_append_time_ms = -1;
    int64_t log_start_offset = -1;
};

// Sends one record set to one partition. With acks=0 nothing comes back: the outcome is
// KafkaError::none with base_offset -1. May suspend.
Result<ProduceOutcome> produce(KafkaConnection& kafka, const std::string& topic,
                               PartitionId partition, std::span<const uint8_t> records,
                               int16_t acks, Instant deadline, int16_t version = 7);

struct FetchOptions {
    int32_t max_wait_ms = 500;
    int32_t min_bytes = 1;
    int32_t max_bytes = 50 * 1024 * 1024;
    int32_t partition_max_bytes = 1024 * 1024;
    int16_t version = 11;
};

struct FetchOutcome {
    KafkaError error = KafkaError::none;
    int64_t high_watermark = -1;
    int64_t log_start_offset = -1;
    std::vector<uint8_t> records;  // whole batches, as stored
};

// Fetches from one partition. May suspend.
Result<FetchOutcome> fetch(KafkaConnection& kafka, const std::string& topic, PartitionId partition,
                           Offset offset, const FetchOptions& options, Instant deadline);

struct OffsetOutcome {
    KafkaError error = KafkaError::none;
    Offset offset{-1};
    int64_t timestamp = -1;
};

// ListOffsets for one partition: timestamp -2 earliest, -1 latest, else the first offset with a
// timestamp at least this. May suspend.
Result<OffsetOutcome> list_offset(KafkaConnection& kafka, const std::string& topic,
                                  PartitionId partition, int64_t timestamp, Instant deadline,
                                  int16_t version = 2);

// CreateTopics for one topic; the error code of its result. May suspend.
Result<KafkaError> create_topic(KafkaConnection& kafka, const std::string& topic,
                                int32_t partitions,
                                const std::map<std::string, std::string>& configs,
                                Instant deadline, int16_t version = 4);

// Metadata for some topics (nullopt: all). May suspend.
Result<protocol::MetadataResponse> metadata(KafkaConnection& kafka,
                                            std::optional<std::vector<std::string>> topics,
                                            Instant deadline, int16_t version = 9,
                                            bool allow_auto_create = true);

}  // namespace brook::client
