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
// KRaft mode: the metadata log is the truth and there are no `topics/` files. apply_view()
// makes the table agree with each committed ClusterView: every topic of the view is in the
// table with every partition's replica state (handlers answer NOT_LEADER_OR_FOLLOWER from it),
// and the partitions this node is a replica of have their logs open, each directory naming its
// topic's id in Kafka's `partition.metadata` (partition_metadata.h). Nothing is opened or
// removed until the views have caught up with the metadata log: an older view can name an
// older leader epoch than the batches a log holds, and can lack a topic that still exists. From
// the first caught-up view on, a partition this node stops hosting has its directory removed,
// and so has any directory of a topic id the table does not host (deleted while this node was
// down, or an older topic of a re-created name).
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
#include <utility>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/cluster/cluster_view.h"
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
    // KRaft mode: the id the metadata log gave the topic. Single-node topics have none.
    std::optional<TopicId> id;
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

    // Single-node mode: reads every topic's metadata and opens (recovers) its partitions.
    // May suspend.
    Result<LoadReport> load();

    // KRaft mode (see above): makes the table agree with `view`. A partition whose log cannot
    // be opened stays offline, logged, as after an I/O error (tick() reopens it). A directory
    // that cannot be removed or a log that fails to close stays as it is: the first such error
    // is returned after everything else was applied, and applying a view again retries it.
    // Views must come in metadata order. May suspend.
    Result<void> apply_view(const ClusterView& view);

    const Topic* find(std::string_view name) const;
    std::shared_ptr<Partition> partition(std::string_view topic, PartitionId id) const;
    // Sorted names.
    std::vector<std::string> topic_names() const;
    std::size_t topic_count() const { return topics_.size(); }

    // The single-node administration; in KRaft mode the controller changes topics.
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
    Result<std::shared_ptr<log::PartitionLog>> open_log(const Topic& topic,
                                                        const Partition& partition);
    // Gives the open logs of `topic` its current config.
    void reconfigure_logs(const Topic& topic);
    // Reopens the offline logs of `partitions` that the table still hosts. May suspend.
    void reopen(const std::vector<std::shared_ptr<Partition>>& partitions);

    // KRaft mode (topic_manager_view.cc); the caller holds admin_mutex_. apply_view() first
    // makes the table agree with the view without suspending, so that no request sees part of
    // a view, collecting what that changes on disk; then it carries that out, which suspends.
    struct LogChanges {
        std::vector<std::unique_ptr<Topic>> dropped;        // gone from the view
        std::vector<std::shared_ptr<Partition>> unhosted;   // no longer a replica here
        std::vector<std::pair<const Topic*, std::shared_ptr<Partition>>> to_open;
    };
    // Never suspends.
    void apply_topic(const TopicInfo& info, LogChanges& changes);
    // May suspend.
    Result<void> change_logs(const LogChanges& changes);
    // A partition this node stopped hosting: its log closed, its directory removed once
    // caught up. May suspend.
    Result<void> unhost(Partition& partition);
    // Opens a hosted partition's log in a directory that names the topic's id. May suspend.
    Result<void> open_hosted(const Topic& topic, Partition& partition);
    // Removes the directories of topic ids the table does not host here.
    Result<void> sweep_stray_directories();
    bool hosts_directory(std::string_view directory, std::string_view topic_id) const;
    Result<void> remove_partitions(std::string_view name, int32_t count);
    Result<void> load_topic(std::string_view name, LoadReport& report);

    Environment& env_;
    NodeId local_node_;
    const log::LogConfig& log_defaults_;
    Logger log_;
    std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
    std::map<std::string, int, std::less<>> deleting_;
    // create, delete, grow, alter, apply_view and reopening suspend; they must not interleave
    Mutex admin_mutex_;
    Instant next_reopen_attempt_{};
    bool follows_view_ = false;
    bool caught_up_ = false;      // a caught-up view was applied (it stays so)
    bool strays_swept_ = false;
};

}  // namespace brook::cluster
