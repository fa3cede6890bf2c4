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

constexpr const char* kProduceUsage = R"(usage:
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

// Reads stdin and sends, counting the records that fail.
class LineProducer {
public:
    LineProducer(ClientContext& context, const ClientCommand& command,
                 const ProduceOptions& options)
        : context_(context),
          command_(command),
          options_(options),
          producer_(context.env, options.config) {}

    // Returns the number of records that failed.
    int64_t run() {
        StdinLines lines(context_.runtime.scheduler(), context_.runtime.reactor());
        for (int64_t number = 1;; ++number) {
            Result<std::optional<std::string>> line = lines.next(context_.stop_requested);
            if (!line) {
                fail_line(number, line.error().describe());
                break;
            }
            if (!*line) break;
            send(number, **line);
        }
        Result<void> flushed = producer_.flush(context_.env.clock.now() +
                                               options_.config.delivery_timeout + seconds(5));
        if (!flushed) command_.fail(fmt::format("flush: {}", flushed.error().describe()));
        producer_.close(context_.env.clock.now() + seconds(5));
        return failed_;
    }

private:
    void send(int64_t number, std::string_view text) {
        client::ProducerRecord record{
            .topic = options_.topic, .partition = options_.partition, .headers = options_.headers};
        if (options_.key_separator) {
            std::size_t at = text.find(*options_.key_separator);
            if (at == std::string_view::npos) {
                fail_line(number,
                          fmt::format("no key separator '{}' found", *options_.key_separator));
                return;
            }
            record.key = to_bytes(text.substr(0, at));
            record.value = to_bytes(text.substr(at + options_.key_separator->size()));
        } else {
            record.value = to_bytes(text);
        }
        // Two words of capture: std::function keeps it without an allocation per record.
        Result<void> sent =
            producer_.send(std::move(record), [this, number](const client::DeliveryReport& report) {
                if (report.ok()) return;
                fail_line(number, fmt::format("{}: topic {} partition {}: {}",
                                              broker_label(producer_.cluster()), report.topic,
                                              report.partition.value(), report.error->describe()));
            });
        if (!sent) {
            fail_line(number, fmt::format("{}: topic {}: {}", broker_label(producer_.cluster()),
                                          options_.topic, sent.error().describe()));
        }
    }

    void fail_line(int64_t number, std::string_view why) {
        ++failed_;
        command_.fail(fmt::format("line {}: {}", number, why));
    }

    ClientContext& context_;
    const ClientCommand& command_;
    const ProduceOptions& options_;
    Producer producer_;
    int64_t failed_ = 0;
};

}  // namespace

int produce_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    ClientCommand command("produce", kProduceUsage);
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
    struct Setting {
        std::string option;  // as given, for the error message
        std::string name;
        std::string value;
    };
    std::vector<Setting> settings;
    for (auto [option, name] : {std::pair{"--acks", "acks"},
                                {"--compression", "compression.type"},
                                {"--linger-ms", "linger.ms"},
                                {"--batch-size", "batch.size"}}) {
        if (auto value = args.value(option)) {
            settings.push_back({fmt::format("{} {}", option, *value), name, *value});
        }
    }
    for (const std::string& text : args.values("--property")) {
        auto pair = parse_key_value(text);
        if (!pair) return command.usage_error(fmt::format("--property wants k=v, not '{}'", text));
        settings.push_back({"--property " + text, pair->first, pair->second});
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (!topic) return command.usage_error("--topic is required");
    if (options.key_separator && options.key_separator->empty()) {
        return command.usage_error("--key-separator may not be empty");
    }
    options.topic = *topic;
    for (const Setting& setting : settings) {
        Result<void> set = options.config.set(setting.name, setting.value);
        if (!set) {
            return command.usage_error(
                fmt::format("{}: {}", setting.option, set.error().context()));
        }
    }
    if (Result<void> valid = options.config.validate(); !valid) {
        return command.usage_error(valid.error().context());
    }

    return command.run([&](ClientContext& context) {
        int64_t failed = LineProducer(context, command, options).run();
        if (failed > 0) command.fail(fmt::format("{} records failed", failed));
        return failed > 0 ? 1 : 0;
    });
}

}  // namespace brook::tools
