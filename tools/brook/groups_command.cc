// `brook groups`: list consumer groups and describe one (members, assignment, committed
// offsets, log end and lag) through the admin client, like kafka-consumer-groups.sh.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/client/admin.h"
#include "tools/brook/client_command.h"
#include "tools/brook/commands.h"
#include "tools/brook/text_table.h"

namespace brook::tools {
namespace {

using client::Admin;
using client::TopicPartition;
using protocol::KafkaError;

constexpr const char* kGroupsUsage = R"(usage:
  brook groups --list
  brook groups --describe --group G

  --list                 every group's id, one a line, sorted
  --describe             G's state, then a row per partition G committed or has assigned:
                         GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID
                         HOST CLIENT-ID (kafka-consumer-groups.sh's columns; "-" where there
                         is nothing), and a row per member without partitions

common options:
  --bootstrap-server HOST:PORT[,HOST:PORT...]   brokers to start from (localhost:9092)
  --timeout-ms N         give up after N ms (30000)
  --help                 this text

Errors name the broker, the group and the Kafka error, and exit with status 1.
)";

using Row = std::vector<std::string>;

struct GroupsJob {
    ClientCommand& command;
    Admin& admin;
    Instant deadline;

    int fail_group(const std::string& group, KafkaError error) {
        return command.fail(fmt::format("{}: group {}: {}", broker_label(admin.cluster()), group,
                                        protocol::kafka_error_name(error)));
    }

    int list() {
        Result<std::vector<client::GroupListing>> groups = admin.list_groups(deadline);
        if (!groups) return command.fail(groups.error().describe());
        std::vector<std::string> names;
        for (const client::GroupListing& group : *groups) names.push_back(group.group_id);
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) fmt::print("{}\n", name);
        return 0;
    }

    int describe(const std::string& group) {
        Result<std::vector<client::GroupDescription>> described =
            admin.describe_groups({group}, deadline);
        if (!described) return command.fail(described.error().describe());
        if (described->empty()) return fail_group(group, KafkaError::unknown_server_error);
        const client::GroupDescription& description = described->front();
        if (description.error != KafkaError::none) return fail_group(group, description.error);
        Result<client::GroupOffsets> committed =
            admin.list_consumer_group_offsets(group, std::nullopt, deadline);
        if (!committed) return command.fail(committed.error().describe());
        if (committed->error != KafkaError::none) return fail_group(group, committed->error);

        // Every partition committed or assigned, with its member when assigned.
        std::map<TopicPartition, const client::MemberDescription*> partitions;
        for (const auto& [tp, offset] : committed->offsets) partitions[tp] = nullptr;
        for (const client::MemberDescription& member : description.members) {
            for (const TopicPartition& tp : member.assignment) partitions[tp] = &member;
        }
        std::map<TopicPartition, int64_t> query;
        for (const auto& [tp, member] : partitions) query[tp] = client::kLatestTimestamp;
        std::map<TopicPartition, int64_t> log_end;
        if (!query.empty()) {
            Result<std::vector<client::ListedOffset>> ends = admin.list_offsets(query, deadline);
            if (!ends) return command.fail(ends.error().describe());
            for (const client::ListedOffset& end : *ends) {
                if (end.error == KafkaError::none) log_end[end.tp] = end.offset.value();
            }
        }

        // Kafka answers DescribeGroups for an unknown group with state Dead and no members.
        if (description.state == "Dead" && description.members.empty() &&
            committed->offsets.empty()) {
            return command.fail(
                fmt::format("{}: group {} does not exist", broker_label(admin.cluster()), group));
        }
        fmt::print("Consumer group '{}': state {}, {} members\n\n", group,
                   description.state.empty() ? "-" : description.state, description.members.size());
        std::vector<Row> rows = {{"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET",
                                  "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"}};
        auto dash_or = [](bool known, int64_t value) {
            return known ? std::to_string(value) : std::string("-");
        };
        for (const auto& [tp, member] : partitions) {
            auto found = committed->offsets.find(tp);
            bool has_commit =
                found != committed->offsets.end() && found->second.offset.value() >= 0;
            int64_t current = has_commit ? found->second.offset.value() : -1;
            bool has_end = log_end.contains(tp);
            int64_t end = has_end ? log_end[tp] : -1;
            rows.push_back({group, tp.topic, std::to_string(tp.partition.value()),
                            dash_or(has_commit, current), dash_or(has_end, end),
                            dash_or(has_commit && has_end, end - current),
                            member ? member->member_id : "-", member ? member->client_host : "-",
                            member ? member->client_id : "-"});
        }
        for (const client::MemberDescription& member : description.members) {
            if (!member.assignment.empty()) continue;
            rows.push_back({group, "-", "-", "-", "-", "-", member.member_id, member.client_host,
                            member.client_id});
        }
        fmt::print("{}", table_text(rows));
        return 0;
    }
};

}  // namespace

int groups_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    ClientCommand command("groups", kGroupsUsage);
    if (auto exit = command.parse_common(args)) return *exit;
    const bool list = args.flag("--list");
    const bool describe = args.flag("--describe");
    std::optional<std::string> group = args.value("--group");
    int64_t timeout_ms = 30'000;
    if (auto exit = command.read_integer(args, "--timeout-ms", timeout_ms, 1, 3'600'000)) {
        return *exit;
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (list == describe) return command.usage_error("give one of --list, --describe");
    if (describe && !group) return command.usage_error("--describe needs --group");
    if (list && group) return command.usage_error("--group goes with --describe");

    return command.run([&](ClientContext& context) {
        Admin admin(context.env, command.cluster_config(milliseconds(timeout_ms)));
        GroupsJob job{command, admin, context.env.clock.now() + milliseconds(timeout_ms)};
        int status = list ? job.list() : job.describe(*group);
        admin.close();
        return status;
    });
}

}  // namespace brook::tools
