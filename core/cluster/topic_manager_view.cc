// TopicManager in KRaft mode: the table follows the committed ClusterView (topic_manager.h says
// what is opened and removed when, and why nothing is before the views have caught up).
#include <algorithm>
#include <charconv>

#include "core/cluster/durable_file.h"
#include "core/cluster/meta_properties.h"
#include "core/cluster/partition_metadata.h"
#include "core/cluster/topic_manager.h"

namespace brook::cluster {
namespace {

// The quorum's own log may share the data directory; it is never a topic partition's.
constexpr std::string_view kMetadataTopic = "__cluster_metadata";

// A directory name `<topic>-<partition>`, split; nullopt for anything else.
std::optional<std::pair<std::string_view, int32_t>> partition_directory(std::string_view name) {
    std::size_t dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
    std::string_view digits = name.substr(dash + 1);
    int32_t id = -1;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (error != std::errc() || end != digits.data() + digits.size() || id < 0) return std::nullopt;
    return std::pair(name.substr(0, dash), id);
}

// The view's overrides as a TopicConfig; a value Brook does not accept is logged and left out,
// so one odd key cannot keep a topic from being served.
TopicConfig config_of(const TopicInfo& info, Logger& log) {
    TopicConfig config;
    for (const auto& [key, value] : info.configs) {
        if (Result<void> set = config.set(key, value); !set) {
            log.warn("topic {}: ignoring config {}={}: {}", info.name, key, value,
                     set.error().describe());
        }
    }
    return config;
}

void keep_first(Result<void>& first, Result<void> next) {
    if (first.ok() && !next.ok()) first = std::move(next);
}

}  // namespace

Result<void> TopicManager::apply_view(const ClusterView& view) {
    Mutex::Lock lock = admin_mutex_.acquire();  // May suspend.
    ASSERT(follows_view_ || topics_.empty(), "a view applied over single-node topics");
    follows_view_ = true;
    caught_up_ = caught_up_ || view.caught_up;
    // The table, all of it before anything suspends: a Metadata request answered between two
    // topics of one view listed one and not the other.
    LogChanges changes;
    for (auto it = topics_.begin(); it != topics_.end();) {
        auto in_view = view.topics.find(it->first);
        if (in_view == view.topics.end() || it->second->id != in_view->second.id) {
            log_.info("topic {} is gone from the metadata log", it->first);
            changes.dropped.push_back(std::move(it->second));
            it = topics_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [name, info] : view.topics) apply_topic(info, changes);
    Result<void> first = change_logs(changes);  // May suspend.
    if (caught_up_ && !strays_swept_) {
        Result<void> swept = sweep_stray_directories();  // May suspend.
        strays_swept_ = swept.ok();
        keep_first(first, std::move(swept));
    }
    return first;
}

void TopicManager::apply_topic(const TopicInfo& info, LogChanges& changes) {
    auto it = topics_.find(info.name);
    if (it == topics_.end()) {
        auto topic = std::make_unique<Topic>(Topic{info.name, config_of(info, log_), {}, info.id});
        it = topics_.emplace(info.name, std::move(topic)).first;
        log_.info("topic {} ({}) with {} partitions", info.name, uuid_text(info.id),
                  info.partitions.size());
    }
    Topic& topic = *it->second;
    ASSERT(topic.id == info.id);
    ASSERT(info.partitions.size() >= topic.partitions.size(), "topic {} lost partitions",
           info.name);
    if (TopicConfig config = config_of(info, log_); !(config == topic.config)) {
        topic.config = std::move(config);
        reconfigure_logs(topic);
    }
    for (const PartitionInfo& state : info.partitions) {
        auto index = static_cast<std::size_t>(state.id.value());
        ASSERT(index <= topic.partitions.size(), "topic {}: partition {} out of order", info.name,
               state.id);
        if (index == topic.partitions.size()) {
            topic.partitions.push_back(
                std::make_shared<Partition>(topic.name, state.id, local_node_));
        }
        const std::shared_ptr<Partition>& partition = topic.partitions[index];
        bool was_hosted = partition->hosted_locally();
        partition->set_replica_state(
            {state.replicas, state.isr, state.leader, state.leader_epoch, state.partition_epoch});
        if (partition->hosted_locally()) {
            if (caught_up_ && partition->log() == nullptr) {
                changes.to_open.emplace_back(&topic, partition);
            }
        } else if (was_hosted || partition->log()) {
            changes.unhosted.push_back(partition);
        }
    }
}

Result<void> TopicManager::change_logs(const LogChanges& changes) {
    Result<void> first;
    // A dropped topic's directories first: a topic re-created under its name opens the same
    // directory names. Holders of its partitions keep their logs until they finish, as after
    // delete_topic().
    for (const std::unique_ptr<Topic>& topic : changes.dropped) {
        for (const std::shared_ptr<Partition>& partition : topic->partitions) {
            if (partition->hosted_locally() || partition->log()) {
                keep_first(first, unhost(*partition));  // May suspend.
            }
        }
    }
    for (const std::shared_ptr<Partition>& partition : changes.unhosted) {
        keep_first(first, unhost(*partition));  // May suspend.
    }
    for (const auto& [topic, partition] : changes.to_open) {
        // A log that cannot be opened leaves its partition offline, as after an I/O error: the
        // table still agrees with the view, and tick() reopens it.
        if (Result<void> opened = open_hosted(*topic, *partition); !opened) {  // May suspend.
            log_.warn("partition {} is offline: {}", partition->directory(),
                      opened.error().describe());
        }
    }
    return first;
}

Result<void> TopicManager::unhost(Partition& partition) {
    std::shared_ptr<log::PartitionLog> log = partition.log();
    partition.set_log(nullptr);
    if (!caught_up_) {
        // Kept on disk: an older view may just not name the partition here yet.
        if (log && !log->offline()) {
            Result<void> closed = log->close();  // May suspend.
            if (!closed) return closed.error().wrap(fmt::format("close {}", partition.directory()));
        }
        return {};
    }
    log_.info("partition {} is no longer hosted here; removing its directory",
              partition.directory());
    return remove_directory_durably(env_.disk, partition.directory());  // May suspend.
}

Result<void> TopicManager::open_hosted(const Topic& topic, Partition& partition) {
    ASSERT(topic.id.has_value() && caught_up_);
    std::string directory = partition.directory();
    std::string ours = uuid_text(*topic.id);
    TRY_ASSIGN(std::optional<std::string> found, read_partition_topic_id(env_.disk, directory));
    if (found && *found != ours) {
        log_.info("{} holds topic id {}, an older topic of that name; removing it", directory,
                  *found);
        TRY(remove_directory_durably(env_.disk, directory));
    }
    if (found != ours) {
        // Named before the log holds anything, so a directory with records names its topic.
        TRY(env_.disk.make_directory(directory));
        TRY(write_partition_metadata(env_.disk, directory, *topic.id));
    }
    TRY_ASSIGN(std::shared_ptr<log::PartitionLog> log, open_log(topic, partition));
    partition.set_log(std::move(log));
    return {};
}

bool TopicManager::hosts_directory(std::string_view directory, std::string_view topic_id) const {
    std::optional<std::pair<std::string_view, int32_t>> parsed = partition_directory(directory);
    if (!parsed) return false;
    const Topic* topic = find(parsed->first);
    if (topic == nullptr || !topic->id || uuid_text(*topic->id) != topic_id) return false;
    if (parsed->second >= std::ssize(topic->partitions)) return false;
    return topic->partitions[static_cast<std::size_t>(parsed->second)]->hosted_locally();
}

Result<void> TopicManager::sweep_stray_directories() {
    TRY_ASSIGN(std::vector<std::string> names, env_.disk.list_directory(""));
    Result<void> first;
    for (const std::string& name : names) {
        // Only directories that name a topic id are partitions of KRaft topics.
        if (!partition_directory(name) || name.starts_with(kMetadataTopic)) continue;
        Result<std::optional<std::string>> id = read_partition_topic_id(env_.disk, name);
        if (!id && id.error().code() == ErrorCode::corruption) {
            // Whose it is cannot be known, so it is kept (and, if hosted, not opened). No
            // error: a sweep retried on every view would never succeed, and a view not applied
            // keeps the node from reporting that it caught up (its broker stays fenced).
            log_.warn("keeping {}: {}", name, id.error().describe());
            continue;
        }
        if (!id) {
            keep_first(first, id.error().wrap(name));
            continue;
        }
        if (!*id || hosts_directory(name, **id)) continue;
        log_.info("removing {}: its topic id {} is not hosted here", name, **id);
        keep_first(first, remove_directory_durably(env_.disk, name));  // May suspend.
    }
    return first;
}

}  // namespace brook::cluster
