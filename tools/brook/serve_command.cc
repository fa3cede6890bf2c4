// `brook serve`: the single-node Kafka-compatible broker (core/broker/) on real sockets and
// files, the same code the broker simulation scenarios run.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/broker/broker.h"
#include "tools/brook/arguments.h"
#include "tools/brook/commands.h"
#include "tools/brook/real_runtime.h"

namespace brook::tools {
namespace {

constexpr const char* kUsage = R"(usage:
  brook serve [--config server.properties] [--override key=value]...
      runs a single-node Kafka-compatible broker. The configuration uses Kafka's
      server.properties format and key names (listeners, advertised.listeners, log.dirs,
      node.id, num.partitions, log.retention.hours, log.segment.bytes,
      auto.create.topics.enable, ...); each --override is applied on top of the file.
      Defaults: listeners=PLAINTEXT://127.0.0.1:9092 log.dirs=./data node.id=1.
      SIGTERM or SIGINT: stop accepting, answer what is in flight, flush, exit 0.
)";

int fail(const std::string& message) {
    fmt::print(stderr, "brook serve: {}\n", message);
    return 1;
}

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error(ErrorCode::not_found, fmt::format("cannot read {}", path));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int serve_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    if (args.flag("--help")) {
        fmt::print("{}", kUsage);
        return 0;
    }
    std::optional<std::string> config_path = args.value("--config");
    std::vector<std::string> overrides = args.values("--override");
    if (auto missing = args.missing_value()) {
        fmt::print(stderr, "brook serve: {} needs a value\n\n{}", *missing, kUsage);
        return 2;
    }
    if (auto unknown = args.unused()) {
        fmt::print(stderr, "brook serve: unknown option {}\n\n{}", *unknown, kUsage);
        return 2;
    }
    if (!args.positional().empty()) {
        fmt::print(stderr, "brook serve: unexpected argument '{}'\n\n{}", args.positional().front(),
                   kUsage);
        return 2;
    }
    std::string text;
    if (config_path) {
        Result<std::string> read = read_text_file(*config_path);
        if (!read) return fail(read.error().context());
        text = std::move(*read);
    }
    Result<broker::BrokerConfig> parsed = broker::BrokerConfig::parse(text);
    if (!parsed) {
        return fail(fmt::format("{}: {}", config_path.value_or("defaults"),
                                parsed.error().context()));
    }
    broker::BrokerConfig config = std::move(*parsed);
    for (const std::string& assignment : overrides) {
        if (Result<void> set = config.set_override(assignment); !set) {
            return fail(fmt::format("--override {}: {}", assignment, set.error().context()));
        }
    }
    if (Result<void> finished = config.finish(); !finished) {
        return fail(finished.error().context());
    }

    Result<std::unique_ptr<RealRuntime>> runtime = RealRuntime::create(config.log_dir);
    if (!runtime) return fail(runtime.error().describe());
    Logger log((*runtime)->log_sink(), "serve");
    for (const std::string& key : config.ignored_keys()) {
        log.warn("ignoring {}: Brook has no use for it", key);
    }
    int status = 0;
    broker::Broker broker((*runtime)->environment(), config);
    (*runtime)->on_shutdown_signal([&] {
        log.info("shutdown signal received");
        broker.begin_shutdown();
    });
    (*runtime)->scheduler().spawn("broker", [&] {
        Result<void> ran = broker.run();
        if (!ran) {
            log.error("{}", ran.error().describe());
            status = 1;
        }
        (*runtime)->scheduler().stop();
    });
    (*runtime)->scheduler().run();
    return status;
}

}  // namespace brook::tools
