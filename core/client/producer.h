// Brook's Kafka producer: records in, delivery reports with the broker-assigned offset out.
//
//   ProducerConfig config;
//   config.cluster.bootstrap_servers = {Address{"n1", 9092}};
//   config.acks = -1;
//   config.linger = milliseconds(5);
//   Producer producer(env, config);
//   TRY(producer.send({.topic = "orders", .key = bytes("k"), .value = bytes("v")},
//                     [](const DeliveryReport& report) { ... report.offset ... }));
//   TRY(producer.flush(env.clock.now() + seconds(30)));   // every report has been delivered
//   producer.close();
//
// Records are partitioned like Kafka's Java client (an explicit partition; else murmur2 of the
// key, core/client/partitioner.h; else the sticky or round-robin partitioner), collected into
// one open batch per partition (compressed with compression.type when it is sent), and a batch is
// sent when it is full (batch.size), has waited linger.ms, or a flush asks. A sender fiber groups
// ready batches by leader into one Produce request per broker, at most
// max.in.flight.requests.per.connection at a time. A batch that fails with a retriable error goes
// back to the FRONT of its partition's queue and waits retry.backoff.ms; a partition sends only its
// front batch, and with max.in.flight 1 a partition with a batch in flight sends nothing else, so a
// retried batch is always written before any later batch of its partition. docs/design/client.md
// has the whole story.
//
// Delivery callbacks run on the producer's own fibers and must not suspend. Every record sent
// gets exactly one report: an offset, or an error (delivery.timeout.ms passed, retries ran out,
// a non-retriable Kafka error, close before delivery).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/client/cluster.h"
#include "core/client/topic_partition.h"
#include "core/compression/compression.h"
#include "core/runtime/wait_queue.h"

namespace brook::client {

enum class Partitioner {
    sticky,       // Java's default for null keys: one random partition until its batch is sent
    round_robin,  // RoundRobinPartitioner: null-key records cycle through the partitions
};

struct ProducerConfig {
    ClusterConfig cluster;              // bootstrap.servers, client.id, ...
    int16_t acks = -1;                  // acks: 0, 1, -1 (all)
    Duration linger = milliseconds(5);  // linger.ms
    int32_t batch_size = 16 * 1024;     // batch.size
    compression::Compression compression = compression::Compression::none;  // compression.type
    int32_t retries = 2147483647;                                           // retries
    Duration retry_backoff = milliseconds(100);                             // retry.backoff.ms
    Duration delivery_timeout = minutes(2);                                 // delivery.timeout.ms
    int32_t max_in_flight = 5;                      // max.in.flight.requests.per.connection
    int64_t buffer_memory = 32 * 1024 * 1024;       // buffer.memory
    Duration max_block = seconds(60);               // max.block.ms
    int32_t max_request_size = 1024 * 1024;         // max.request.size
    Partitioner partitioner = Partitioner::sticky;  // partitioner.class

    // Sets one option by its Kafka name ("linger.ms", "acks" with "all", "compression.type",
    // "bootstrap.servers", "request.timeout.ms", ...). invalid_argument for an unknown name or
    // a bad value.
    Result<void> set(std::string_view name, std::string_view value);
    // invalid_argument when the options contradict each other or a limit.
    Result<void> validate() const;
};

struct ProducerRecord {
    std::string topic;
    std::optional<PartitionId> partition;
    std::optional<Bytes> key;
    std::optional<Bytes> value;
    std::vector<Header> headers;
    std::optional<int64_t> timestamp_ms;  // default: the producer's wall clock at send()
};

struct DeliveryReport {
    std::string topic;
    PartitionId partition{-1};
    Offset offset{-1};          // the broker's base offset + index in batch; -1 with acks=0
    int64_t timestamp_ms = -1;  // the record's timestamp, or the broker's LogAppendTime
    KafkaError kafka_error = KafkaError::none;  // the broker's error, when it gave one
    std::optional<Error> error;                 // set when the record was not delivered
    bool ok() const { return !error.has_value(); }
};

using DeliveryCallback = std::function<void(const DeliveryReport&)>;

class Producer {
public:
    Producer(Environment& env, ProducerConfig config);
    // Closes if close() was not called.
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    // Queues a record; `on_delivery` is called once when it is acknowledged or has failed.
    // Waits for the topic's metadata and for buffer.memory, at most max.block.ms; fails with
    // not_found (no such topic), timeout, too_large (a record above max.request.size or
    // buffer.memory), invalid_argument (a partition that does not exist) or shutting_down.
    // May suspend.
    Result<void> send(ProducerRecord record, DeliveryCallback on_delivery = {});

    // Sends everything queued at once and waits until every record sent before the call has
    // its report. timeout when the deadline passes first. May suspend.
    Result<void> flush(Instant deadline);

    // Flushes (until `deadline`), then fails what is left, stops the sender and drops the
    // connections. Idempotent. May suspend.
    void close(Instant deadline = kNever);

    // Records queued or in flight, not yet reported.
    std::size_t pending_records() const;
    Cluster& cluster() { return *cluster_; }

private:
    struct State;
    std::unique_ptr<Cluster> cluster_;
    std::unique_ptr<State> state_;
};

}  // namespace brook::client
