// `brook configs`: describe and change a topic's configs through the admin client
// (DescribeConfigs, IncrementalAlterConfigs), with kafka-configs.sh's flags.
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

constexpr const char* kConfigsUsage = R"(usage:
  brook configs --describe --topic T [--all]
  brook configs --alter --topic T [--add-config k=v[,k=v...]] [--delete-config k[,k...]]

  --describe             the topic's own configs (set at creation or by --alter), one
                         "  key=value" line each after a title line; with --all every
                         config, defaults included, with its source
  --alter                --add-config sets keys, --delete-config returns keys to their
                         defaults; both repeatable, values may not contain commas
                         (IncrementalAlterConfigs)

common options:
  --bootstrap-server HOST:PORT[,HOST:PORT...]   brokers to start from (localhost:9092)
  --timeout-ms N         give up after N ms (30000)
  --help                 this text

Errors name the broker, the topic and the Kafka error, and exit with status 1.
)";

// Kafka's ConfigSource values, as kafka-configs.sh names them.
std::string source_name(int8_t source) {
    switch (source) {
        case 1:
            return "DYNAMIC_TOPIC_CONFIG";
        case 2:
            return "DYNAMIC_BROKER_CONFIG";
        case 3:
            return "DYNAMIC_DEFAULT_BROKER_CONFIG";
        case 4:
            return "STATIC_BROKER_CONFIG";
        case 5:
            return "DEFAULT_CONFIG";
        case 6:
            return "DYNAMIC_BROKER_LOGGER_CONFIG";
        default:
            return "UNKNOWN";
    }
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
    std::vector<std::string> parts;
    for (const std::string& value : values) {
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            if (comma > start) parts.push_back(value.substr(start, comma - start));
            start = comma + 1;
        }
    }
    return parts;
}

int describe(ClientCommand& command, Admin& admin, const std::string& topic, bool all,
             Instant deadline) {
    Result<std::vector<client::ResourceConfigs>> described =
        admin.describe_configs({{.name = topic}}, deadline);
    if (!described) return command.fail(described.error().describe());
    for (const client::ResourceConfigs& resource : *described) {
        if (resource.error != KafkaError::none) {
            return command.fail(
                fmt::format("{}: topic {}: {}{}", broker_label(admin.cluster()), topic,
                            protocol::kafka_error_name(resource.error),
                            resource.message ? " (" + *resource.message + ")" : std::string()));
        }
        fmt::print("{} configs for topic {} are:\n", all ? "All" : "Dynamic", topic);
        for (const client::ConfigEntry& entry : resource.entries) {
            bool topic_level = entry.source == -1 ? !entry.is_default : entry.source == 1;
            if (!all && !topic_level) continue;
            std::string value = entry.sensitive ? "<sensitive>" : entry.value.value_or("null");
            if (all) {
                fmt::print("  {}={} ({})\n", entry.name, value, source_name(entry.source));
            } else {
                fmt::print("  {}={}\n", entry.name, value);
            }
        }
    }
    return 0;
}

}  // namespace

int configs_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    ClientCommand command("configs", kConfigsUsage);
    if (auto exit = command.parse_common(args)) return *exit;
    const bool describe_flag = args.flag("--describe");
    const bool alter = args.flag("--alter");
    const bool all = args.flag("--all");
    std::optional<std::string> topic = args.value("--topic");
    int64_t timeout_ms = 30'000;
    if (auto exit = command.read_integer(args, "--timeout-ms", timeout_ms, 1, 3'600'000)) {
        return *exit;
    }
    std::vector<client::ConfigChange> changes;
    for (const std::string& text : split_commas(args.values("--add-config"))) {
        auto pair = parse_key_value(text);
        if (!pair) {
            return command.usage_error(fmt::format("--add-config wants k=v, not '{}'", text));
        }
        changes.push_back({pair->first, client::AlterOp::set, pair->second});
    }
    for (const std::string& name : split_commas(args.values("--delete-config"))) {
        changes.push_back({name, client::AlterOp::remove, std::nullopt});
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (describe_flag == alter) return command.usage_error("give one of --describe, --alter");
    if (!topic) return command.usage_error("--topic is required");
    if (alter && changes.empty()) {
        return command.usage_error("--alter needs --add-config or --delete-config");
    }
    if (!alter && !changes.empty()) {
        return command.usage_error("--add-config and --delete-config go with --alter");
    }
    if (alter && all) return command.usage_error("--all goes with --describe");

    return command.run([&](ClientContext& context) {
        Admin admin(context.env, command.cluster_config(milliseconds(timeout_ms)));
        Instant deadline = context.env.clock.now() + milliseconds(timeout_ms);
        int status = 0;
        if (describe_flag) {
            status = describe(command, admin, *topic, all, deadline);
        } else {
            client::ConfigResource resource{.name = *topic};
            Result<std::vector<client::ItemResult>> results =
                admin.incremental_alter_configs({{resource, changes}}, deadline);
            if (!results) {
                status = command.fail(results.error().describe());
            } else {
                for (const client::ItemResult& item : *results) {
                    if (item.ok()) continue;
                    status = command.fail(fmt::format("{}: topic {}", broker_label(admin.cluster()),
                                                      item.describe()));
                }
            }
            if (status == 0) fmt::print("Completed updating config for topic {}.\n", *topic);
        }
        admin.close();
        return status;
    });
}

}  // namespace brook::tools
