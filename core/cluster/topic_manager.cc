#include "core/cluster/topic_manager.h"

#include <algorithm>
#include <charconv>

#include "core/cluster/config_values.h"
#include "core/cluster/durable_file.h"
#include "core/cluster/limits.h"

namespace brook::cluster {
namespace {

constexpr std::string_view kTopicsDirectory = "topics";
// An offline log is reopened at most this often, so a failing disk is not hammered.
constexpr Duration kReopenInterval = milliseconds(500);

std::string metadata_path(std::string_view name) {
    return fmt::format("{}/{}", kTopicsDirectory, name);
}

struct TopicFile {
    int32_t partitions = 0;
    bool deleting = false;
    TopicConfig config;
};

std::string render(const Topic& topic, bool deleting) {
    std::string text = fmt::format("# brook topic metadata\nversion=1\npartitions={}\n",
                                   topic.partitions.size());
    if (deleting) text += "deleting=true\n";
    for (const auto& [key, value] : topic.config.overrides()) {
        text += fmt::format("config.{}={}\n", key, value);
    }
    return text;
}

Result<TopicFile> parse_topic_file(std::string_view name, std::string_view text) {
    TopicFile file;
    bool versioned = false;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        if (line.empty() || line.front() == '#') continue;
        std::size_t equals = line.find('=');
        if (equals == std::string_view::npos) {
            return Error(ErrorCode::corruption, fmt::format("topic {}: line '{}'", name, line));
        }
        std::string_view key = line.substr(0, equals);
        std::string_view value = line.substr(equals + 1);
        if (key == "version") {
            if (value != "1") {
                return Error(ErrorCode::unsupported,
                             fmt::format("topic {}: metadata version {}", name, value));
            }
            versioned = true;
        } else if (key == "partitions") {
            Result<int64_t> n = parse_config_integer(key, value, 1, kPartitionsPerTopicMax);
            if (!n) return Error(ErrorCode::corruption, n.error().context());
            file.partitions = static_cast<int32_t>(*n);
        } else if (key == "deleting") {
            file.deleting = value == "true";
        } else if (key.starts_with("config.")) {
            Result<void> set = file.config.set(key.substr(7), value);
            if (!set) return Error(ErrorCode::corruption, set.error().context());
        } else {
            return Error(ErrorCode::corruption, fmt::format("topic {}: key '{}'", name, key));
        }
    }
    if (!versioned || file.partitions == 0) {
        return Error(ErrorCode::corruption, fmt::format("topic {}: incomplete metadata", name));
    }
    return file;
}

}  // namespace

Result<void> validate_topic_name(std::string_view name) {
    if (name.empty()) return Error(ErrorCode::invalid_argument, "topic name is empty");
    if (name == "." || name == "..") {
        return Error(ErrorCode::invalid_argument, "topic name cannot be '.' or '..'");
    }
    if (name.size() > kTopicNameBytesMax) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("topic name is {} characters, more than {}", name.size(),
                                 kTopicNameBytesMax));
    }
    for (char c : name) {
        bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '_' || c == '-';
        if (!legal) {
            return Error(ErrorCode::invalid_argument,
                         "topic name may contain only ASCII letters, digits, '.', '_' and '-'");
        }
    }
    return {};
}

TopicManager::TopicManager(Environment& env, NodeId local_node,
                           const log::LogConfig& log_defaults)
    : env_(env),
      local_node_(local_node),
      log_defaults_(log_defaults),
      log_(env.log_sink, "topics"),
      admin_mutex_(env.scheduler) {}

TopicManager::~TopicManager() = default;

Result<std::shared_ptr<log::PartitionLog>> TopicManager::open_log(const Topic& topic,
                                                                  const Partition& partition) {
    TRY_ASSIGN(std::unique_ptr<log::PartitionLog> opened,
               log::PartitionLog::open(env_.disk, env_.clock, env_.scheduler,
                                       partition.directory(),
                                       topic.config.log_config(log_defaults_),
                                       partition.leader_epoch()));
    return std::shared_ptr<log::PartitionLog>(std::move(opened));
}

Result<TopicManager::LoadReport> TopicManager::load() {
    LoadReport report;
    TRY(env_.disk.make_directory(kTopicsDirectory));
    TRY_ASSIGN(std::vector<std::string> names, env_.disk.list_directory(kTopicsDirectory));
    for (const std::string& name : names) {
        if (name.ends_with(".tmp")) {
            // A write that a crash interrupted before its rename: the old file is intact.
            TRY(env_.disk.remove(metadata_path(name)));
            continue;
        }
        Result<void> loaded = load_topic(name, report);
        if (!loaded) return loaded.error().wrap(fmt::format("load topic {}", name));
    }
    report.topics = static_cast<int>(topics_.size());
    return report;
}

Result<void> TopicManager::load_topic(std::string_view name, LoadReport& report) {
    TRY(validate_topic_name(name));
    TRY_ASSIGN(std::optional<std::string> text, read_durable_file(env_.disk, metadata_path(name)));
    if (!text) return {};
    TRY_ASSIGN(TopicFile file, parse_topic_file(name, *text));
    if (file.deleting) {
        TRY(remove_partitions(name, file.partitions));
        TRY(env_.disk.remove(metadata_path(name)));
        TRY(env_.disk.sync_directory(kTopicsDirectory));
        ++report.deletions_finished;
        log_.info("finished deleting topic {}", name);
        return {};
    }
    auto topic = std::make_unique<Topic>(Topic{std::string(name), file.config, {}});
    for (int32_t i = 0; i < file.partitions; ++i) {
        auto partition = std::make_shared<Partition>(topic->name, PartitionId(i), local_node_);
        TRY_ASSIGN(auto log, open_log(*topic, *partition));
        const log::RecoveryReport& recovery = log->recovery_report();
        report.truncated_bytes += recovery.truncated_bytes;
        if (recovery.corruption_at) {
            ++report.corrupt_partitions;
            log_.warn("partition {}: recovery cut a corrupt batch at offset {}",
                      partition->directory(), *recovery.corruption_at);
        }
        partition->set_log(std::move(log));
        topic->partitions.push_back(std::move(partition));
        ++report.partitions;
    }
    topics_.emplace(topic->name, std::move(topic));
    return {};
}

const Topic* TopicManager::find(std::string_view name) const {
    auto it = topics_.find(name);
    return it == topics_.end() ? nullptr : it->second.get();
}

std::shared_ptr<Partition> TopicManager::partition(std::string_view topic, PartitionId id) const {
    const Topic* found = find(topic);
    if (found == nullptr || id.value() < 0 ||
        id.value() >= static_cast<int32_t>(found->partitions.size())) {
        return nullptr;
    }
    return found->partitions[static_cast<std::size_t>(id.value())];
}

std::vector<std::string> TopicManager::topic_names() const {
    std::vector<std::string> names;
    for (const auto& [name, topic] : topics_) names.push_back(name);
    return names;
}

Result<void> TopicManager::persist(const Topic& topic, bool deleting) {
    return write_file_durably(env_.disk, metadata_path(topic.name), render(topic, deleting));
}

Result<void> TopicManager::create_topic(std::string_view name, int32_t partitions,
                                        TopicConfig config, bool validate_only) {
    ASSERT(!follows_view_, "in KRaft mode the controller changes topics");
    ASSERT(validate_topic_name(name).ok(), "caller validates topic names");
    ASSERT(partitions >= 1 && partitions <= kPartitionsPerTopicMax);
    Mutex::Lock lock = admin_mutex_.acquire();  // May suspend.
    if (topics_.contains(name) || deleting_.contains(name)) {
        return Error(ErrorCode::already_exists, fmt::format("topic {} already exists", name));
    }
    if (topics_.size() >= kTopicsMax) {
        return Error(ErrorCode::invalid_argument, fmt::format("more than {} topics", kTopicsMax));
    }
    if (validate_only) return {};
    auto topic = std::make_unique<Topic>(Topic{std::string(name), std::move(config), {}});
    for (int32_t i = 0; i < partitions; ++i) {
        topic->partitions.push_back(
            std::make_shared<Partition>(topic->name, PartitionId(i), local_node_));
    }
    TRY(persist(*topic, false));  // May suspend. From here on the topic exists.
    for (auto& partition : topic->partitions) {
        Result<std::shared_ptr<log::PartitionLog>> opened = open_log(*topic, *partition);
        // A failed open leaves the partition offline; tick() retries it.
        if (opened) partition->set_log(std::move(opened).value());
    }
    log_.info("created topic {} with {} partitions", name, partitions);
    topics_.emplace(topic->name, std::move(topic));
    return {};
}

Result<void> TopicManager::remove_partitions(std::string_view name, int32_t count) {
    for (int32_t i = 0; i < count; ++i) {
        TRY(remove_directory_durably(env_.disk, fmt::format("{}-{}", name, i)));
    }
    return {};
}

Result<void> TopicManager::delete_topic(std::string_view name) {
    ASSERT(!follows_view_, "in KRaft mode the controller changes topics");
    Mutex::Lock lock = admin_mutex_.acquire();  // May suspend.
    auto it = topics_.find(name);
    if (it == topics_.end()) {
        return Error(ErrorCode::not_found, fmt::format("topic {} does not exist", name));
    }
    std::unique_ptr<Topic> topic = std::move(it->second);
    topics_.erase(it);
    auto count = static_cast<int32_t>(topic->partitions.size());
    std::string key(name);
    deleting_[key] = count;
    struct Done {
        std::map<std::string, int, std::less<>>& deleting;
        std::string key;
        ~Done() { deleting.erase(key); }
    } done{deleting_, key};
    TRY(persist(*topic, true));  // May suspend.
    topic->partitions.clear();  // holders keep their logs until they finish
    TRY(remove_partitions(name, count));
    TRY(env_.disk.remove(metadata_path(name)));
    TRY(env_.disk.sync_directory(kTopicsDirectory));
    log_.info("deleted topic {}", name);
    return {};
}

Result<void> TopicManager::add_partitions(std::string_view name, int32_t total,
                                          bool validate_only) {
    ASSERT(!follows_view_, "in KRaft mode the controller changes topics");
    Mutex::Lock lock = admin_mutex_.acquire();  // May suspend.
    auto it = topics_.find(name);
    if (it == topics_.end()) {
        return Error(ErrorCode::not_found, fmt::format("topic {} does not exist", name));
    }
    Topic& topic = *it->second;
    auto current = static_cast<int32_t>(topic.partitions.size());
    if (total <= current || total > kPartitionsPerTopicMax) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("topic {} has {} partitions; {} is not a valid new count", name,
                                 current, total));
    }
    if (validate_only) return {};
    Topic grown{topic.name, topic.config, topic.partitions};
    for (int32_t i = current; i < total; ++i) {
        grown.partitions.push_back(
            std::make_shared<Partition>(topic.name, PartitionId(i), local_node_));
    }
    TRY(persist(grown, false));  // May suspend.
    for (int32_t i = current; i < total; ++i) {
        auto& partition = grown.partitions[static_cast<std::size_t>(i)];
        Result<std::shared_ptr<log::PartitionLog>> opened = open_log(grown, *partition);
        if (opened) partition->set_log(std::move(opened).value());
    }
    topic.partitions = std::move(grown.partitions);
    log_.info("topic {} grew from {} to {} partitions", name, current, total);
    return {};
}

Result<void> TopicManager::alter_config(std::string_view name, TopicConfig config) {
    ASSERT(!follows_view_, "in KRaft mode the controller changes topics");
    Mutex::Lock lock = admin_mutex_.acquire();  // May suspend.
    auto it = topics_.find(name);
    if (it == topics_.end()) {
        return Error(ErrorCode::not_found, fmt::format("topic {} does not exist", name));
    }
    Topic& topic = *it->second;
    Topic altered{topic.name, std::move(config), topic.partitions};
    TRY(persist(altered, false));  // May suspend.
    topic.config = std::move(altered.config);
    reconfigure_logs(topic);
    log_.info("altered the configuration of topic {}", name);
    return {};
}

void TopicManager::reconfigure_logs(const Topic& topic) {
    log::LogConfig effective = topic.config.log_config(log_defaults_);
    for (const auto& partition : topic.partitions) {
        if (auto log = partition->log()) {
            Result<void> updated = log->update_config(effective);
            ASSERT(updated.ok(), "validated topic config rejected by the log: {}",
                   updated.error().describe());
        }
    }
}

void TopicManager::tick() {
    bool reopen_due = env_.clock.now() >= next_reopen_attempt_;
    // Copy first: ticks suspend, and topics may be created or deleted meanwhile.
    std::vector<std::shared_ptr<Partition>> all;
    for (const auto& [name, topic] : topics_) {
        for (const auto& partition : topic->partitions) all.push_back(partition);
    }
    std::vector<std::shared_ptr<Partition>> offline;
    for (auto& partition : all) {
        std::shared_ptr<log::PartitionLog> log = partition->log();
        if (log && !log->offline()) {
            (void)log->tick();  // May suspend. A failure takes the log offline; see below.
            continue;
        }
        if (partition->hosted_locally()) offline.push_back(partition);
    }
    if (!reopen_due || offline.empty()) return;
    next_reopen_attempt_ = env_.clock.now() + kReopenInterval;
    reopen(offline);
}

void TopicManager::reopen(const std::vector<std::shared_ptr<Partition>>& partitions) {
    // Held so that no deletion removes a directory that a reopen would create again.
    Mutex::Lock lock = admin_mutex_.acquire();  // May suspend.
    for (const auto& partition : partitions) {
        // The topic may have been deleted, or the partition left this node, meanwhile.
        const Topic* current = find(partition->topic());
        if (current == nullptr || partition->id().value() >= std::ssize(current->partitions) ||
            current->partitions[static_cast<std::size_t>(partition->id().value())] != partition ||
            !partition->hosted_locally()) {
            continue;
        }
        std::shared_ptr<log::PartitionLog> log = partition->log();
        if (log && !log->offline()) continue;
        if (follows_view_) {
            if (!caught_up_) continue;
            Result<void> opened = open_hosted(*current, *partition);  // May suspend.
            if (!opened) {
                log_.warn("partition {} is offline: {}", partition->directory(),
                          opened.error().describe());
            }
            continue;
        }
        Result<std::shared_ptr<log::PartitionLog>> reopened =
            open_log(*current, *partition);  // May suspend.
        if (reopened) {
            log_.warn("partition {} reopened after a storage error", partition->directory());
            partition->set_log(std::move(reopened).value());
        } else {
            partition->set_log(nullptr);
            log_.warn("partition {} is offline: {}", partition->directory(),
                      reopened.error().describe());
        }
    }
}

Result<void> TopicManager::close_all() {
    Result<void> result;
    std::vector<std::shared_ptr<log::PartitionLog>> logs;
    for (const auto& [name, topic] : topics_) {
        for (const auto& partition : topic->partitions) {
            if (auto log = partition->log()) logs.push_back(std::move(log));
        }
    }
    for (auto& log : logs) {
        if (log->offline()) continue;
        Result<void> closed = log->close();  // May suspend.
        if (!closed && result.ok()) result = closed.error();
    }
    return result;
}

}  // namespace brook::cluster
