// `brook consume`: records of a topic to standard output, one per line, through Brook's
// consumer; like kafka-console-consumer, with kcat's -f format language for the line.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/client/consumer.h"
#include "tools/brook/client_command.h"
#include "tools/brook/commands.h"
#include "tools/brook/record_format.h"

namespace brook::tools {
namespace {

using client::Consumer;
using client::ConsumerConfig;
using client::TopicPartition;

constexpr const char* kConsumeUsage = R"(usage:
  brook consume --topic T [--from-beginning] [--partition P [--offset O|earliest|latest]]
                [--group G] [--max-messages N] [--timeout-ms N] [--format FMT]
                [--property k=v]...

Prints the records of topic T, one per line (the value by default), until Ctrl-C,
--max-messages or --timeout-ms. Without --partition it reads every partition of T.
  --from-beginning       start at the first record (default: only new records)
  --partition P          read only partition P
  --offset O             with --partition: start at offset O, or earliest, or latest
  --group G              join consumer group G: its members share T's partitions (Kafka's
                         classic group protocol, range assignor by default; set
                         partition.assignment.strategy with --property), each partition starts
                         at G's committed offset (else where --from-beginning says), and the
                         offset of every record printed is committed, so the next member of G
                         resumes after it
  --max-messages N       stop after N records
  --timeout-ms N         stop when no record came for N ms
  --format FMT           the line for each record, kcat's -f language:
                           %t topic  %p partition  %o offset  %T timestamp (ms)
                           %k key  %K key length  %s value  %S value length
                           %h headers as k=v,k=v  %% percent  \n \t \r \\ escapes
                         (default "%s\n"; a null key or value prints nothing, length -1)
  --property k=v         any consumer setting by its Kafka name (fetch.max.wait.ms,
                         max.partition.fetch.bytes, client.id, ...); repeatable

common options:
  --bootstrap-server HOST:PORT[,HOST:PORT...]   brokers to start from (localhost:9092)
  --help                 this text

"Processed a total of N messages" goes to standard error at the end. Errors name the
broker, the topic and the Kafka error, and exit with status 1.
)";

struct ConsumeOptions {
    std::string topic;
    std::optional<PartitionId> partition;
    std::optional<std::string> offset;  // a number, "earliest" or "latest"
    bool from_beginning = false;
    int64_t max_messages = -1;  // -1: no limit
    int64_t timeout_ms = -1;    // -1: wait for ever
    RecordFormat format;
    ConsumerConfig config;
};

FormattedRecord formatted(const client::ConsumerRecord& record) {
    auto view = [](const std::optional<client::Bytes>& bytes) -> std::optional<std::string_view> {
        if (!bytes) return std::nullopt;
        return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    };
    FormattedRecord out{.topic = record.topic,
                        .partition = record.partition.value(),
                        .offset = record.offset.value(),
                        .timestamp_ms = record.timestamp_ms,
                        .key = view(record.key),
                        .value = view(record.value)};
    for (const client::Header& header : record.headers) {
        out.headers.emplace_back(header.key, view(header.value).value_or(""));
    }
    return out;
}

class ConsumeJob {
public:
    ConsumeJob(ClientContext& context, const ClientCommand& command, const ConsumeOptions& options)
        : context_(context),
          command_(command),
          options_(options),
          consumer_(context.env, options.config) {}

    int run() {
        int status = start();
        if (status == 0) status = loop();
        if (status == 0 && !options_.config.group_id.empty()) status = commit();
        consumer_.close();
        fmt::print(stderr, "Processed a total of {} messages\n", printed_);
        return status;
    }

private:
    Instant deadline() const { return context_.env.clock.now() + seconds(30); }
    std::string where() {
        return fmt::format("{}: topic {}", broker_label(consumer_.cluster()), options_.topic);
    }
    int fail(const Error& error) {
        return command_.fail(fmt::format("{}: {}", where(), error.describe()));
    }

    // Joins the group, or assigns the partitions and sets where each starts.
    int start() {
        if (!options_.config.group_id.empty()) return join_group();
        std::vector<TopicPartition> partitions;
        if (options_.partition) {
            partitions.push_back({options_.topic, *options_.partition});
        } else {
            Result<client::TopicMetadata> topic =
                consumer_.cluster().topic(options_.topic, deadline());
            if (!topic) return command_.fail(topic.error().describe());
            for (const client::PartitionMetadata& partition : topic->partitions) {
                partitions.push_back({options_.topic, partition.partition});
            }
        }
        consumer_.assign(partitions);
        // Without an explicit offset the consumer applies auto.offset.reset, which
        // --from-beginning made earliest.
        if (!options_.offset) return 0;
        Result<void> sought;
        if (*options_.offset == "earliest") {
            sought = consumer_.seek_to_beginning(partitions);
        } else if (*options_.offset == "latest") {
            sought = consumer_.seek_to_end(partitions);
        } else {
            sought = consumer_.seek(partitions.front(), Offset(*parse_integer(*options_.offset)));
        }
        return sought ? 0 : fail(sought.error());
    }

    // Subscribes to the topic as a member of the group: the coordinator spreads the topic's
    // partitions over the group's members, and each starts at the group's committed offset
    // (else where auto.offset.reset, which --from-beginning made earliest, says).
    int join_group() {
        if (Result<void> subscribed = consumer_.subscribe({options_.topic}); !subscribed) {
            return command_.fail(fmt::format("{}: group {}: {}", where(), options_.config.group_id,
                                             subscribed.error().describe()));
        }
        return 0;
    }

    int loop() {
        Instant last_record = context_.env.clock.now();
        std::string text;
        while (!context_.stop_requested && !done()) {
            Instant now = context_.env.clock.now();
            Instant wait_until = now + milliseconds(500);
            if (options_.timeout_ms >= 0) {
                Instant idle_deadline = last_record + milliseconds(options_.timeout_ms);
                if (now >= idle_deadline) break;
                wait_until = std::min(wait_until, idle_deadline);
            }
            Result<std::vector<client::ConsumerRecord>> records = consumer_.poll(wait_until);
            if (!records) {
                // A broker that restarts or moves a leader comes back: say so once and keep
                // polling, as kafka-console-consumer does. Anything else ends the command.
                ErrorCode code = records.error().code();
                if (code != ErrorCode::disconnected && code != ErrorCode::timeout) {
                    return fail(records.error());
                }
                if (!retrying_)
                    fmt::print(stderr, "brook consume: {} (retrying)\n",
                               records.error().describe());
                retrying_ = true;
                continue;
            }
            retrying_ = false;
            if (records->empty()) continue;
            last_record = context_.env.clock.now();
            text.clear();
            for (const client::ConsumerRecord& record : *records) {
                if (done()) break;
                options_.format.render(formatted(record), text);
                ++printed_;
                next_offsets_[{record.topic, record.partition}] = Offset(record.offset.value() + 1);
                uncommitted_ = true;
            }
            if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
                std::fflush(stdout) != 0) {
                if (errno == EPIPE) return 0;  // the reader went away (`| head`): done
                return command_.fail(fmt::format("write stdout: {}", std::strerror(errno)));
            }
            if (!options_.config.group_id.empty()) {
                if (int status = commit(); status != 0) return status;
            }
        }
        return 0;
    }

    bool done() const { return options_.max_messages >= 0 && printed_ >= options_.max_messages; }

    // Commits the offset after the last record printed of each partition.
    // Only partitions still assigned: one a rebalance took away belongs to another member now,
    // and the consumer committed its position when it gave it up.
    int commit() {
        if (!uncommitted_) return 0;
        uncommitted_ = false;
        std::map<TopicPartition, Offset> owned;
        for (const TopicPartition& tp : consumer_.assignment()) {
            if (auto found = next_offsets_.find(tp); found != next_offsets_.end()) {
                owned.insert(*found);
            }
        }
        if (owned.empty()) return 0;
        Result<void> committed = consumer_.commit(owned, deadline());
        if (!committed) {
            return command_.fail(fmt::format("{}: group {}: commit: {}", where(),
                                             options_.config.group_id,
                                             committed.error().describe()));
        }
        return 0;
    }

    ClientContext& context_;
    const ClientCommand& command_;
    const ConsumeOptions& options_;
    Consumer consumer_;
    int64_t printed_ = 0;
    std::map<TopicPartition, Offset> next_offsets_;
    bool uncommitted_ = false;  // records printed since the last commit
    bool retrying_ = false;     // the last poll failed on the connection
};

}  // namespace

int consume_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    ClientCommand command("consume", kConsumeUsage);
    if (auto exit = command.parse_common(args)) return *exit;
    ConsumeOptions options;
    options.config.cluster = command.cluster_config();
    // Reading never creates a topic: a misspelt name is an error, not a new empty topic.
    options.config.cluster.allow_auto_create_topics = false;
    std::optional<std::string> topic = args.value("--topic");
    options.from_beginning = args.flag("--from-beginning");
    options.offset = args.value("--offset");
    std::optional<std::string> group = args.value("--group");
    int64_t partition = -1;
    if (auto exit = command.read_integer(args, "--partition", partition, 0, INT32_MAX)) {
        return *exit;
    }
    if (partition >= 0) options.partition = PartitionId(static_cast<int32_t>(partition));
    if (auto exit =
            command.read_integer(args, "--max-messages", options.max_messages, 1, INT64_MAX)) {
        return *exit;
    }
    if (auto exit = command.read_integer(args, "--timeout-ms", options.timeout_ms, 0, INT32_MAX)) {
        return *exit;
    }
    Result<RecordFormat> format =
        RecordFormat::parse(args.value("--format").value_or(std::string(RecordFormat::kDefault)));
    if (!format) return command.usage_error(format.error().context());
    options.format = std::move(*format);
    std::vector<std::pair<std::string, std::string>> settings;
    for (const std::string& text : args.values("--property")) {
        auto pair = parse_key_value(text);
        if (!pair) return command.usage_error(fmt::format("--property wants k=v, not '{}'", text));
        settings.push_back(*pair);
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (!topic) return command.usage_error("--topic is required");
    options.topic = *topic;
    if (group && options.partition) {
        return command.usage_error("--partition goes without --group (the group assigns them)");
    }
    if (options.offset) {
        if (!options.partition) return command.usage_error("--offset needs --partition");
        if (options.from_beginning || group) {
            return command.usage_error("--offset goes without --from-beginning and --group");
        }
        if (*options.offset != "earliest" && *options.offset != "latest" &&
            !(parse_integer(*options.offset) && *parse_integer(*options.offset) >= 0)) {
            return command.usage_error(fmt::format(
                "--offset wants a number, earliest or latest, not '{}'", *options.offset));
        }
    }
    for (const auto& [name, value] : settings) {
        Result<void> set = options.config.set(name, value);
        if (!set) {
            return command.usage_error(
                fmt::format("--property {}={}: {}", name, value, set.error().context()));
        }
    }
    if (group) {
        options.config.group_id = *group;
        // The command commits exactly what it printed, after each batch, so a partition that a
        // rebalance takes away has nothing printed and uncommitted; positions (which run ahead
        // of what was printed when --max-messages cuts a batch) are never committed.
        options.config.enable_auto_commit = false;
        options.config.commit_on_revoke = false;
    }
    if (options.from_beginning) options.config.auto_offset_reset = client::OffsetReset::earliest;

    return command.run([&](ClientContext& context) {
        ConsumeJob job(context, command, options);
        return job.run();
    });
}

}  // namespace brook::tools
