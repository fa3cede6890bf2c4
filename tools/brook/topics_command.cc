// `brook topics`: create, list, describe, grow and delete topics through the admin client,
// with kafka-topics.sh's flags and its --describe layout.
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "core/client/admin.h"
#include "tools/brook/client_command.h"
#include "tools/brook/commands.h"

namespace brook::tools {
namespace {

using client::Admin;
using protocol::KafkaError;

constexpr const char* kTopicsUsage = R"(usage:
  brook topics --create --topic T [--partitions N] [--replication-factor R] [--config k=v]...
  brook topics --list
  brook topics --describe [--topic T]
  brook topics --alter --topic T --partitions N
  brook topics --delete --topic T

  --create               creates T; without --partitions or --replication-factor the broker's
                         num.partitions and default.replication.factor apply
  --config k=v           a topic config (retention.ms, cleanup.policy, ...); repeatable
  --list                 every topic's name, one a line, sorted
  --describe             per topic a line with its partition count, replication factor and
                         the configs that differ from the defaults, then a line per partition
                         with its leader, replicas and in-sync replicas (kafka-topics.sh's
                         layout); every topic without --topic
  --alter --partitions N grows T to N partitions (Kafka never shrinks a topic)
  --delete               deletes T and its data

common options:
  --bootstrap-server HOST:PORT[,HOST:PORT...]   brokers to start from (localhost:9092)
  --timeout-ms N         give up after N ms (30000)
  --help                 this text

Errors name the broker, the topic and the Kafka error, and exit with status 1.
)";

std::string join_nodes(const std::vector<NodeId>& nodes) {
    std::string text;
    for (NodeId node : nodes) {
        if (!text.empty()) text += ',';
        text += std::to_string(node.value());
    }
    return text;
}

// The configs kafka-topics.sh shows: those not at their default.
std::string non_default_configs(const client::ResourceConfigs& configs) {
    std::string text;
    for (const client::ConfigEntry& entry : configs.entries) {
        bool is_default = entry.source == -1 ? entry.is_default : entry.source == 5;
        if (is_default || !entry.value) continue;
        if (!text.empty()) text += ',';
        text += entry.name + "=" + (entry.sensitive ? "<sensitive>" : *entry.value);
    }
    return text;
}

struct TopicsJob {
    ClientCommand& command;
    Admin& admin;
    Instant deadline;

    // Status 1 with "broker ...: topic T: ERROR (message)" for each failed item.
    int report(const Result<std::vector<client::ItemResult>>& results) {
        if (!results) return command.fail(results.error().describe());
        int status = 0;
        for (const client::ItemResult& item : *results) {
            if (item.ok()) continue;
            status = command.fail(
                fmt::format("{}: topic {}", broker_label(admin.cluster()), item.describe()));
        }
        return status;
    }

    int describe(std::vector<std::string> names) {
        if (names.empty()) {
            Result<std::vector<std::string>> listed = admin.list_topics(deadline);
            if (!listed) return command.fail(listed.error().describe());
            names = std::move(*listed);
        }
        Result<std::vector<client::TopicMetadata>> topics = admin.describe_topics(names, deadline);
        if (!topics) return command.fail(topics.error().describe());
        std::vector<client::ConfigResource> resources;
        for (const std::string& name : names) resources.push_back({.name = name});
        Result<std::vector<client::ResourceConfigs>> configs =
            admin.describe_configs(resources, deadline);
        // A broker without DescribeConfigs (librdkafka's mock) still has partitions to show.
        if (!configs && configs.error().code() != ErrorCode::unsupported) {
            return command.fail(configs.error().describe());
        }
        std::map<std::string, std::string> overrides;
        for (const client::ResourceConfigs& resource : configs.value_or({})) {
            if (resource.error == KafkaError::none) {
                overrides[resource.resource.name] = non_default_configs(resource);
            }
        }
        int status = 0;
        for (const client::TopicMetadata& topic : *topics) {
            if (topic.error != KafkaError::none) {
                status =
                    command.fail(fmt::format("{}: topic {}: {}", broker_label(admin.cluster()),
                                             topic.name, protocol::kafka_error_name(topic.error)));
                continue;
            }
            std::size_t replication =
                topic.partitions.empty() ? 0 : topic.partitions.front().replicas.size();
            fmt::print("Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n",
                       topic.name, topic.partitions.size(), replication, overrides[topic.name]);
            for (const client::PartitionMetadata& partition : topic.partitions) {
                fmt::print("\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}\n",
                           topic.name, partition.partition.value(),
                           partition.leader.value() < 0 ? std::string("none")
                                                        : std::to_string(partition.leader.value()),
                           join_nodes(partition.replicas), join_nodes(partition.isr));
            }
        }
        return status;
    }
};

}  // namespace

int topics_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    ClientCommand command("topics", kTopicsUsage);
    if (auto exit = command.parse_common(args)) return *exit;
    const bool create = args.flag("--create");
    const bool list = args.flag("--list");
    const bool describe = args.flag("--describe");
    const bool alter = args.flag("--alter");
    const bool remove = args.flag("--delete");
    std::optional<std::string> topic = args.value("--topic");
    int64_t partitions = -1;
    int64_t replication_factor = -1;
    int64_t timeout_ms = 30'000;
    if (auto exit = command.read_integer(args, "--partitions", partitions, 1, 1'000'000)) {
        return *exit;
    }
    if (auto exit =
            command.read_integer(args, "--replication-factor", replication_factor, 1, 32'767)) {
        return *exit;
    }
    if (auto exit = command.read_integer(args, "--timeout-ms", timeout_ms, 1, 3'600'000)) {
        return *exit;
    }
    std::map<std::string, std::string> configs;
    for (const std::string& text : args.values("--config")) {
        auto pair = parse_key_value(text);
        if (!pair) return command.usage_error(fmt::format("--config wants k=v, not '{}'", text));
        configs[pair->first] = pair->second;
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (create + list + describe + alter + remove != 1) {
        return command.usage_error(
            "give exactly one of --create, --list, --describe, --alter, --delete");
    }
    if ((create || alter || remove) && !topic) return command.usage_error("--topic is required");
    if (alter && partitions < 0) return command.usage_error("--alter needs --partitions");
    if (!create && (replication_factor >= 0 || !configs.empty())) {
        return command.usage_error("--replication-factor and --config go with --create");
    }
    if (!create && !alter && partitions >= 0) {
        return command.usage_error("--partitions goes with --create or --alter");
    }

    return command.run([&](ClientContext& context) {
        Admin admin(context.env, command.cluster_config(milliseconds(timeout_ms)));
        TopicsJob job{command, admin, context.env.clock.now() + milliseconds(timeout_ms)};
        int status = 0;
        if (create) {
            client::NewTopic spec{.name = *topic,
                                  .partitions = static_cast<int32_t>(partitions),
                                  .replication_factor = static_cast<int16_t>(replication_factor),
                                  .configs = configs};
            status = job.report(admin.create_topics({spec}, job.deadline));
            if (status == 0) fmt::print("Created topic {}.\n", *topic);
        } else if (list) {
            Result<std::vector<std::string>> names = admin.list_topics(job.deadline);
            if (!names) {
                status = command.fail(names.error().describe());
            } else {
                for (const std::string& name : *names) fmt::print("{}\n", name);
            }
        } else if (describe) {
            status =
                job.describe(topic ? std::vector<std::string>{*topic} : std::vector<std::string>{});
        } else if (alter) {
            status = job.report(admin.create_partitions(
                {{*topic, static_cast<int32_t>(partitions)}}, job.deadline));
        } else {
            status = job.report(admin.delete_topics({*topic}, job.deadline));
        }
        admin.close();
        return status;
    });
}

}  // namespace brook::tools
