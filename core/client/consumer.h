// Brook's Kafka consumer, assign mode: read chosen partitions from chosen positions, check
// every batch's CRC, and commit offsets to a group.
//
//   ConsumerConfig config;
//   config.cluster.bootstrap_servers = {Address{"n1", 9092}};
//   config.auto_offset_reset = OffsetReset::earliest;
//   Consumer consumer(env, config);
//   consumer.assign({{"orders", PartitionId(0)}, {"orders", PartitionId(1)}});
//   TRY(consumer.seek({"orders", PartitionId(1)}, Offset(42)));
//   TRY_ASSIGN(std::vector<ConsumerRecord> records, consumer.poll(clock.now() + seconds(1)));
//   TRY(consumer.commit(clock.now() + seconds(5)));          // the positions, to group.id
//
// The fetch loop works over "the current assignment" and nothing else: assign() sets it (and
// keeps the positions of partitions that stay), and a later subscribe() will set it from the
// group's SyncGroup answer and give commits its generation with set_group_generation(). A
// partition without a position gets one before it is fetched: the committed offset when
// group.id is set and one is committed, else auto.offset.reset (earliest, latest, or an error
// with none). poll() returns buffered records first, else sends one long-polling Fetch per
// leader (fetch.min.bytes, fetch.max.wait.ms, max.partition.fetch.bytes) and decodes what
// comes back: each batch's CRC is checked (a mismatch is an ErrorCode::corruption error, never
// data), compressed batches are decompressed, records below the position are skipped (a fetch
// returns whole batches), control batches are skipped, and a batch cut short at the end of the
// response is left for the next fetch.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/client/cluster.h"
#include "core/client/offset_calls.h"
#include "core/client/topic_partition.h"
#include "core/log/record_batch.h"

namespace brook::client {

enum class OffsetReset { earliest, latest, none };

struct ConsumerConfig {
    ClusterConfig cluster;                                // bootstrap.servers, client.id, ...
    std::string group_id;                                 // group.id ("" : commits refused)
    OffsetReset auto_offset_reset = OffsetReset::latest;  // auto.offset.reset
    int32_t fetch_min_bytes = 1;                          // fetch.min.bytes
    int32_t fetch_max_bytes = 50 * 1024 * 1024;           // fetch.max.bytes
    Duration fetch_max_wait = milliseconds(500);          // fetch.max.wait.ms
    int32_t max_partition_fetch_bytes = 1024 * 1024;      // max.partition.fetch.bytes
    int32_t max_poll_records = 500;                       // max.poll.records

    // Sets one option by its Kafka name ("group.id", "auto.offset.reset", "fetch.max.wait.ms",
    // "bootstrap.servers", ...). invalid_argument for an unknown name or a bad value.
    Result<void> set(std::string_view name, std::string_view value);
};

struct ConsumerRecord {
    std::string topic;
    PartitionId partition{0};
    Offset offset{0};
    int64_t timestamp_ms = -1;
    log::TimestampType timestamp_type = log::TimestampType::create_time;
    std::optional<Bytes> key;
    std::optional<Bytes> value;
    std::vector<Header> headers;
};

class Consumer {
public:
    Consumer(Environment& env, ConsumerConfig config);
    ~Consumer();
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;

    // Replaces the assignment. Partitions that stay keep their positions; records buffered for
    // partitions that leave are dropped.
    void assign(std::vector<TopicPartition> partitions);
    std::vector<TopicPartition> assignment() const;

    // The next poll() reads `tp` from `offset`. invalid_argument when `tp` is not assigned.
    Result<void> seek(const TopicPartition& tp, Offset offset);
    // The next poll() reads from the log start / end; resolved lazily (ListOffsets) at the
    // next poll() or position(). invalid_argument for a partition not assigned.
    Result<void> seek_to_beginning(const std::vector<TopicPartition>& partitions);
    Result<void> seek_to_end(const std::vector<TopicPartition>& partitions);
    // Seeks each partition to the first offset whose timestamp is at least `timestamp_ms`
    // (ListOffsets by time), or to the end when there is none. May suspend.
    Result<void> seek_to_timestamp(const std::vector<TopicPartition>& partitions,
                                   int64_t timestamp_ms, Instant deadline);

    // The offset of the next record poll() returns for `tp`, resolving a pending reset first.
    // May suspend.
    Result<Offset> position(const TopicPartition& tp, Instant deadline);

    // Records from the assigned partitions, at most max.poll.records; empty when nothing came
    // before `deadline`. Errors: corruption (a batch failed its CRC or does not decode),
    // out_of_range (OFFSET_OUT_OF_RANGE with auto.offset.reset none), and connection failures
    // that outlast the deadline. May suspend.
    Result<std::vector<ConsumerRecord>> poll(Instant deadline);

    // Commits offsets (the next offset to read, as Kafka's convention) to group.id with
    // OffsetCommit. invalid_argument without a group.id; a Kafka error for any partition fails
    // the call naming it. May suspend.
    Result<void> commit(const std::map<TopicPartition, Offset>& offsets, Instant deadline);
    // Commits the current positions of every assigned partition that has one. May suspend.
    Result<void> commit(Instant deadline);
    // The committed offsets (nullopt: none committed) from OffsetFetch. May suspend.
    Result<std::map<TopicPartition, std::optional<Offset>>> committed(
        const std::vector<TopicPartition>& partitions, Instant deadline);

    // The seam for group subscription: the generation that commits carry.
    void set_group_generation(GroupGeneration generation);
    const ConsumerConfig& config() const;

    // Drops the connections; the consumer is unusable afterwards.
    void close();
    Cluster& cluster() { return *cluster_; }

private:
    struct State;
    std::unique_ptr<Cluster> cluster_;
    std::unique_ptr<State> state_;
};

}  // namespace brook::client
