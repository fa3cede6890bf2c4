// Brook's Kafka admin client: topics, partitions, configs, offsets and groups, each call a
// Kafka API with per-item results (one item's Kafka error does not fail the others).
//
//   Admin admin(env, ClusterConfig{.bootstrap_servers = {Address{"n1", 9092}}});
//   TRY_ASSIGN(auto created, admin.create_topics({{.name = "orders", .partitions = 3}}, deadline));
//   if (created[0].error != KafkaError::none) report(created[0].describe());
//   TRY_ASSIGN(std::vector<TopicMetadata> topics, admin.describe_topics({"orders"}, deadline));
//
// A Result error means the call could not be made (no broker reachable, a broken connection,
// a response that does not parse); a Kafka error of one item sits in that item. Topic calls go
// to the controller, group calls to the group's coordinator (FindCoordinator), list_groups to
// every broker.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/client/cluster.h"
#include "core/client/offset_calls.h"
#include "core/client/topic_partition.h"

namespace brook::client {

// One item's outcome: its name and its Kafka error, with the broker's message.
struct ItemResult {
    std::string name;
    KafkaError error = KafkaError::none;
    std::optional<std::string> message;
    bool ok() const { return error == KafkaError::none; }
    // "orders: TOPIC_ALREADY_EXISTS (Topic 'orders' already exists.)"
    std::string describe() const;
};

struct NewTopic {
    std::string name;
    int32_t partitions = -1;          // -1: the broker's num.partitions
    int16_t replication_factor = -1;  // -1: the broker's default.replication.factor
    std::map<std::string, std::string> configs;
};

struct ConfigResource {
    enum class Type : int8_t { topic = 2, broker = 4 };
    Type type = Type::topic;
    std::string name;  // a topic name, or a broker id ("1"); "" for the broker answering
    auto operator<=>(const ConfigResource&) const = default;
    bool operator==(const ConfigResource&) const = default;
};

struct ConfigEntry {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;
    bool sensitive = false;
    int8_t source = -1;  // Kafka's ConfigSource: 1 topic, 4 static broker, 5 default, ...
};

struct ResourceConfigs {
    ConfigResource resource;
    KafkaError error = KafkaError::none;
    std::optional<std::string> message;
    std::vector<ConfigEntry> entries;
};

// IncrementalAlterConfigs operations, with Kafka's wire values.
enum class AlterOp : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct ConfigChange {
    std::string name;
    AlterOp op = AlterOp::set;
    std::optional<std::string> value;
};

struct GroupListing {
    std::string group_id;
    std::string protocol_type;
    std::string state;  // from ListGroups v4+, else ""
};

struct MemberDescription {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    // Decoded from the consumer protocol's assignment bytes; empty when not a consumer group or
    // the bytes do not decode.
    std::vector<TopicPartition> assignment;
};

struct GroupDescription {
    std::string group_id;
    KafkaError error = KafkaError::none;
    std::string state;
    std::string protocol_type;
    std::string protocol;
    std::vector<MemberDescription> members;
};

class Admin {
public:
    Admin(Environment& env, ClusterConfig config);
    ~Admin();
    Admin(const Admin&) = delete;
    Admin& operator=(const Admin&) = delete;

    // All calls below may suspend.
    Result<std::vector<ItemResult>> create_topics(const std::vector<NewTopic>& topics,
                                                  Instant deadline, bool validate_only = false);
    Result<std::vector<ItemResult>> delete_topics(const std::vector<std::string>& topics,
                                                  Instant deadline);
    // From Metadata (no auto-creation); a missing topic has UNKNOWN_TOPIC_OR_PARTITION.
    Result<std::vector<TopicMetadata>> describe_topics(const std::vector<std::string>& topics,
                                                       Instant deadline);
    // Every topic's name, sorted; internal topics only when asked.
    Result<std::vector<std::string>> list_topics(Instant deadline, bool include_internal = false);
    // Grows each topic to the given total number of partitions.
    Result<std::vector<ItemResult>> create_partitions(const std::map<std::string, int32_t>& totals,
                                                      Instant deadline);
    Result<std::vector<ResourceConfigs>> describe_configs(
        const std::vector<ConfigResource>& resources, Instant deadline);
    // IncrementalAlterConfigs; against a broker without it, AlterConfigs with the described
    // configs plus the changes (only set and remove can be expressed that way).
    Result<std::vector<ItemResult>> incremental_alter_configs(
        const std::map<ConfigResource, std::vector<ConfigChange>>& changes, Instant deadline);
    // ListOffsets for many partitions, each at a timestamp: kEarliestTimestamp,
    // kLatestTimestamp, or a time in ms (the first offset with a timestamp at least that).
    Result<std::vector<ListedOffset>> list_offsets(const std::map<TopicPartition, int64_t>& query,
                                                   Instant deadline);
    Result<std::vector<GroupListing>> list_groups(Instant deadline);
    Result<std::vector<GroupDescription>> describe_groups(const std::vector<std::string>& groups,
                                                          Instant deadline);
    // OffsetFetch for a group: the partitions given, or every partition it committed.
    Result<GroupOffsets> list_consumer_group_offsets(
        const std::string& group_id, std::optional<std::vector<TopicPartition>> partitions,
        Instant deadline);

    void close();
    Cluster& cluster() { return *cluster_; }

private:
    // One request about the named items, sent over the link given.
    using ItemAttempt = std::function<Result<std::vector<ItemResult>>(
        BrokerLink& link, const std::vector<std::string>& names)>;

    Result<std::shared_ptr<BrokerLink>> controller_link(Instant deadline);
    // Sends `attempt` for `names` to the controller, and again, after a growing backoff
    // (Cluster::retry_backoff) and fresh metadata, for the items answered NOT_CONTROLLER, and
    // for all of them when the broker could not be reached or the connection broke (a broker
    // that vanished), until `deadline`. An item's latest answer counts; results keep the order
    // of `names`. May suspend.
    Result<std::vector<ItemResult>> at_controller(const std::vector<std::string>& names,
                                                  Instant deadline, const ItemAttempt& attempt);
    std::unique_ptr<Cluster> cluster_;
};

}  // namespace brook::client
