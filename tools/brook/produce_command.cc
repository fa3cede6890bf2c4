// `brook produce`: one record per line of standard input, through Brook's producer, like
// kafka-console-producer (with parse.key and key.separator when --key-separator is given).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/client/producer.h"
#include "tools/brook/client_command.h"
#include "tools/brook/commands.h"
#include "tools/brook/stdin_lines.h"

namespace brook::tools {
namespace {

using client::Bytes;
using client::Producer;
using client::ProducerConfig;

constexpr const char* kUsage = R"(usage:
  brook produce --topic T [--key-separator SEP] [--partition P] [--header k=v]...
                [--acks all|-1|1|0] [--compression none|gzip|snappy|lz4|zstd]
                [--linger-ms N] [--batch-size N] [--property k=v]...

Sends one record per line of standard input (without its newline) to topic T and waits until
every record is acknowledged or has failed.
  --key-separator SEP    splits each line at the first SEP into key and value; a line
                         without SEP is not sent and counts as failed. Without it the whole
                         line is the value and the key is null
  empty lines            are records with an empty value (kafka-console-producer does the same)
  --partition P          every record to partition P (default: murmur2 of the key, like the
                         Java client and librdkafka's murmur2_random; sticky for null keys)
  --header k=v           a header on every record; repeatable
  --acks                 all or -1 (default): the broker's fsync; 1: the leader; 0: none
  --compression          batch compression (none)
  --linger-ms N          how long a batch waits for more records (5)
  --batch-size N         bytes per partition batch (16384)
  --property k=v         any producer setting by its Kafka name (client.id, retries,
                         delivery.timeout.ms, max.in.flight.requests.per.connection,
                         partitioner.class, ...); repeatable

common options:
  --bootstrap-server HOST:PORT[,HOST:PORT...]   brokers to start from (localhost:9092)
  --help                 this text

A record that fails prints "brook produce: line N: ..." naming the broker, the topic and
the Kafka error; the exit status is then 1. Ctrl-C stops reading and sends what was read.
)";

Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

struct ProduceOptions {
    std::string topic;
    std::optional<std::string> key_separator;
    std::optional<PartitionId> partition;
    std::vector<client::Header> headers;
    ProducerConfig config;
};

// Reads stdin and sends; returns the number of records that failed.
int64_t produce_lines(ClientContext& context, const ClientCommand& command,
                      const ProduceOptions& options, Producer& producer) {
    int64_t failed = 0;
    auto fail_line = [&](int64_t line, std::string_view why) {
        ++failed;
        command.fail(fmt::format("line {}: {}", line, why));
    };
    StdinLines lines(context.runtime.scheduler(), context.runtime.reactor());
    for (int64_t number = 1;; ++number) {
        Result<std::optional<std::string>> line = lines.next(context.stop_requested);
        if (!line) {
            fail_line(number, line.error().describe());
            break;
        }
        if (!*line) break;
        client::ProducerRecord record{.topic = options.topic,
                                      .partition = options.partition,
                                      .headers = options.headers};
        std::string_view text = **line;
        if (options.key_separator) {
            std::size_t at = text.find(*options.key_separator);
            if (at == std::string_view::npos) {
                fail_line(number, fmt::format("no key separator '{}' found", *options.key_separator));
                continue;
            }
            record.key = to_bytes(text.substr(0, at));
            record.value = to_bytes(text.substr(at + options.key_separator->size()));
        } else {
            record.value = to_bytes(text);
        }
        Result<void> sent = producer.send(std::move(record), [&, number](const client::DeliveryReport& report) {
            if (report.ok()) return;
            fail_line(number, fmt::format("{}: topic {} partition {}: {}",
                                          broker_label(producer.cluster()), report.topic,
                                          report.partition.value(),
                                          report.error->describe()));
        });
        if (!sent) {
            fail_line(number, fmt::format("{}: topic {}: {}", broker_label(producer.cluster()),
                                          options.topic, sent.error().describe()));
        }
    }
    Result<void> flushed =
        producer.flush(context.env.clock.now() + options.config.delivery_timeout + seconds(5));
    if (!flushed) command.fail(fmt::format("flush: {}", flushed.error().describe()));
    producer.close(context.env.clock.now() + seconds(5));
    return failed;
}

}  // namespace

int produce_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    ClientCommand command("produce", kUsage);
    if (auto exit = command.parse_common(args)) return *exit;
    ProduceOptions options;
    options.config.cluster = command.cluster_config();
    std::optional<std::string> topic = args.value("--topic");
    options.key_separator = args.value("--key-separator");
    int64_t partition = -1;
    if (auto exit = command.read_integer(args, "--partition", partition, 0, INT32_MAX)) {
        return *exit;
    }
    if (partition >= 0) options.partition = PartitionId(static_cast<int32_t>(partition));
    for (const std::string& text : args.values("--header")) {
        auto pair = parse_key_value(text);
        if (!pair) return command.usage_error(fmt::format("--header wants k=v, not '{}'", text));
        options.headers.push_back({pair->first, to_bytes(pair->second)});
    }
    // Each option is a producer setting by its Kafka name; --property gives any of them.
    std::vector<std::pair<std::string, std::string>> settings;
    for (auto [option, name] : {std::pair{"--acks", "acks"}, {"--compression", "compression.type"},
                                {"--linger-ms", "linger.ms"}, {"--batch-size", "batch.size"}}) {
        if (auto value = args.value(option)) settings.emplace_back(name, *value);
    }
    for (const std::string& text : args.values("--property")) {
        auto pair = parse_key_value(text);
        if (!pair) return command.usage_error(fmt::format("--property wants k=v, not '{}'", text));
        settings.push_back(*pair);
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (!topic) return command.usage_error("--topic is required");
    if (options.key_separator && options.key_separator->empty()) {
        return command.usage_error("--key-separator may not be empty");
    }
    options.topic = *topic;
    for (const auto& [name, value] : settings) {
        Result<void> set = options.config.set(name, value);
        if (!set) return command.usage_error(set.error().context());
    }
    if (Result<void> valid = options.config.validate(); !valid) {
        return command.usage_error(valid.error().context());
    }

    return command.run([&](ClientContext& context) {
        Producer producer(context.env, options.config);
        int64_t failed = produce_lines(context, command, options, producer);
        if (failed > 0) command.fail(fmt::format("{} records failed", failed));
        return failed > 0 ? 1 : 0;
    });
}

}  // namespace brook::tools
