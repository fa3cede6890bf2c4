// The `__consumer_offsets` topic as the coordinator uses it: a normal topic of the TopicManager
// (one PartitionLog per partition), holding the records of offsets_records.h. Writes are whole
// batches of keyed records; a reader replays a partition from its log start; and a partition
// that has grown well past its live state is rewritten (its live records written again, the
// older segments dropped), which keeps the topic bounded without log compaction.
//
//   OffsetsLog offsets(env, topics, /*partitions=*/50);
//   TRY(offsets.ensure_topic());                               // May suspend
//   TRY_ASSIGN(Offset end, offsets.write(PartitionId(7), records));   // never suspends
//   TRY(offsets.wait_durable(PartitionId(7), end));            // May suspend (fsync)
//   TRY(offsets.replay(PartitionId(7), [&](const log::Record& r) { ... }));  // May suspend
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/cluster/topic_manager.h"
#include "core/log/record_batch_builder.h"
#include "core/runtime/environment.h"

namespace brook::group {

inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";
// Batches the coordinator writes stay below this, far under the default max.message.bytes.
inline constexpr std::size_t kOffsetsBatchBytesMax = 512 * 1024;

// The offsets topic's configuration overrides, wherever it is created (ensure_topic on a single
// node, the controller in KRaft mode): kept by the rewrite below, never by time or size
// retention, which would silently forget committed offsets.
const std::map<std::string, std::string>& offsets_topic_configs();

class OffsetsLog {
public:
    OffsetsLog(Environment& env, cluster::TopicManager& topics, int32_t partitions)
        : env_(env), topics_(topics), partitions_(partitions) {}

    // The topic's partition count: the configured one, or the existing topic's (a later change
    // of offsets.topic.num.partitions would move groups, so the topic wins, as in Kafka).
    int32_t partition_count() const;
    bool exists() const { return topics_.find(kOffsetsTopic) != nullptr; }
    // Creates the topic if it does not exist, with offsets_topic_configs(). May suspend.
    Result<void> ensure_topic();

    // Appends the records to the partition in batches, without suspending, and returns the end
    // offset they need to be durable. io_error when the log is offline.
    Result<Offset> write(PartitionId partition, const std::vector<log::Record>& records);
    // Waits until everything below `end` is committed: below the partition's high watermark
    // (today: fsynced). May suspend.
    Result<void> wait_durable(PartitionId partition, Offset end);
    // Calls `visit` for each committed record (below the high watermark) from the log start,
    // in offset order. It lets the other fibers run before each read of up to 1 MiB, so a long
    // replay does not hold up the node's requests. May suspend.
    Result<void> replay(PartitionId partition,
                        const std::function<void(const log::Record&)>& visit);

    uint64_t size_bytes(PartitionId partition) const;
    // Writes the partition's whole live state (from `build_live`, called without suspension
    // right before the write) into a fresh segment, makes it durable and moves the log start
    // to it, dropping every older segment. It calls `build_live` before it first suspends.
    // May suspend.
    Result<void> rewrite(PartitionId partition,
                         const std::function<std::vector<log::Record>()>& build_live);

private:
    // The partition, if its log is open.
    Result<std::shared_ptr<cluster::Partition>> partition_of(PartitionId partition) const;
    Result<std::shared_ptr<log::PartitionLog>> log_of(PartitionId partition) const;

    Environment& env_;
    cluster::TopicManager& topics_;
    int32_t partitions_;
};

}  // namespace brook::group
