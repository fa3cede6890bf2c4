// The topic table: each topic a name, a TopicConfig and partitions (partition.h), each
// partition's log a log::PartitionLog in `<topic>-<partition>/` under the data directory.
//
//   TopicManager topics(env, config.node_id, config.log_defaults());
//   TRY_ASSIGN(TopicManager::LoadReport report, topics.load());         // at start; May suspend
//   TRY(topics.create_topic("orders", 3, TopicConfig{}));               // May suspend
//   std::shared_ptr<Partition> p = topics.partition("orders", PartitionId(1));
//   std::shared_ptr<log::PartitionLog> log = p ? p->log() : nullptr;   // hold it while in use
//
// Durability: a topic exists once `topics/<name>` (its partition count and config overrides)
// is durably written (temp file, fsync, rename, directory fsync); its partitions' logs are
// created after that and recreated empty if a crash lost them. Deleting first rewrites the
// file with `deleting=true`, then removes the partition directories, then the file; a crash in
// between is finished by the next load(), so a re-created topic never sees old records.
//
// Lifetime: handlers hold shared_ptrs to the partitions and logs they use across suspensions;
// a deleted topic's logs live on until the last such holder lets go (its reads then fail or
// come back empty). A log that went offline (an I/O error) is reopened by tick(), which
// recovers it from what is durable; until then its partition reports a storage error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/cluster/partition.h"
#include "core/cluster/topic_config.h"
#include "core/log/partition_log.h"
#include "core/runtime/environment.h"
#include "core/runtime/mutex.h"

namespace brook::cluster {

struct Topic {
    std::string name;
    TopicConfig config;
    std::vector<std::shared_ptr<Partition>> partitions;
};

// Kafka's rule for topic names; the error text says what is wrong.
Result<void> validate_topic_name(std::string_view name);

class TopicManager {
public:
    struct LoadReport {
        int topics = 0;
        int partitions = 0;
        uint64_t truncated_bytes = 0;   // torn or unsynced tails cut by recovery
        int corrupt_partitions = 0;     // recovery cut a complete but invalid batch
        int deletions_finished = 0;     // topics whose deletion a crash had interrupted
    };

    // Partitions are created led by `local_node`; their logs take `log_defaults` (which must
    // outlive the manager) under each topic's overrides.
    TopicManager(Environment& env, NodeId local_node, const log::LogConfig& log_defaults);
    ~TopicManager();

    // Reads every topic's metadata and opens (recovers) its partitions. May suspend.
    Result<LoadReport> load();

    const Topic* find(std::string_view name) const;
    std::shared_ptr<Partition> partition(std::string_view topic, PartitionId id) const;
    // Sorted names.
    std::vector<std::string> topic_names() const;
    std::size_t topic_count() const { return topics_.size(); }

    // The caller validated the name, the partition count and the config. already_exists when
    // the topic exists (or is being deleted). With validate_only nothing changes. May suspend.
    Result<void> create_topic(std::string_view name, int32_t partitions, TopicConfig config,
                              bool validate_only = false);
    // not_found when absent. May suspend.
    Result<void> delete_topic(std::string_view name);
    // Grows the topic to `total` partitions (invalid_argument if not larger). May suspend.
    Result<void> add_partitions(std::string_view name, int32_t total, bool validate_only = false);
    // Replaces the topic's overrides and applies them to its open logs. May suspend.
    Result<void> alter_config(std::string_view name, TopicConfig config);

    // Periodic duties of every partition (flush.ms, segment.ms, retention) and reopening logs
    // that went offline. Call every ~100 ms. May suspend.
    void tick();
    // Flushes and closes every log (shutdown). May suspend.
    Result<void> close_all();

private:
    Result<void> persist(const Topic& topic, bool deleting);
    Result<std::shared_ptr<log::PartitionLog>> open_log(const Topic& topic, PartitionId id);
    Result<void> remove_partitions(std::string_view name, int32_t count);
    Result<void> load_topic(std::string_view name, LoadReport& report);

    Environment& env_;
    NodeId local_node_;
    const log::LogConfig& log_defaults_;
    Logger log_;
    std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
    std::map<std::string, int, std::less<>> deleting_;
    Mutex admin_mutex_;  // create, delete, grow and alter suspend; they must not interleave
    Instant next_reopen_attempt_{};
};

}  // namespace brook::cluster
