// The frame every client subcommand (topics, produce, consume, groups, configs) shares: the
// `--bootstrap-server` option, usage errors, and a fiber on the real runtime for the body.
//
//   Arguments args(argc, argv, 1);
//   ClientCommand command("topics", kUsage);
//   if (auto exit = command.parse_common(args)) return *exit;    // --help, bad bootstrap list
//   ...read the command's own options...
//   if (auto exit = command.check_unused(args)) return *exit;
//   return command.run([&](ClientContext& context) { return list_topics(context); });
//
// Exit codes: 0 success, 1 an operation failed (the message names the broker, the topic and
// the Kafka error), 2 usage.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/client/cluster.h"
#include "core/io/network.h"
#include "core/runtime/environment.h"
#include "tools/brook/arguments.h"
#include "tools/brook/real_runtime.h"

namespace brook::tools {

inline constexpr const char* kDefaultBootstrap = "localhost:9092";

// What a client command body runs with.
struct ClientContext {
    Environment& env;
    RealRuntime& runtime;
    std::vector<Address> bootstrap;
    // Set after SIGINT / SIGTERM; long-running bodies (consume) check it and finish cleanly.
    bool& stop_requested;
};

class ClientCommand {
public:
    ClientCommand(std::string name, std::string usage)
        : name_(std::move(name)), usage_(std::move(usage)) {}

    // Reads --help and --bootstrap-server. Returns an exit code when the command is done
    // (help printed, or a usage error).
    std::optional<int> parse_common(Arguments& args);

    // Reads an integer option into `out` (left unchanged when absent). Returns an exit code
    // for a value that is not an integer in [min, max].
    std::optional<int> read_integer(Arguments& args, const std::string& name, int64_t& out,
                                    int64_t min, int64_t max);

    // The cluster settings of every client: the bootstrap servers, client.id "brook-cli", and
    // a request timeout of `timeout`.
    client::ClusterConfig cluster_config(Duration timeout = seconds(30)) const;

    // After every option was read: a usage error for a missing value or an unknown option.
    std::optional<int> check_unused(Arguments& args);

    // Prints "brook NAME: message", the usage, and returns 2.
    int usage_error(std::string_view message) const;

    // Prints "brook NAME: message" on stderr (an operation failed); returns 1.
    int fail(std::string_view message) const;

    // Runs `body` in a fiber on the real runtime (epoll sockets); returns its exit code.
    // SIGINT / SIGTERM set ClientContext::stop_requested and wake the reactor; a second one
    // stops the scheduler outright.
    int run(const std::function<int(ClientContext&)>& body);

    const std::vector<Address>& bootstrap() const { return bootstrap_; }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    std::string usage_;
    std::vector<Address> bootstrap_;
};

// Who answered, for error messages: "broker 1 (127.0.0.1:9092)" for the controller the
// cluster knows, else "bootstrap 127.0.0.1:9092".
std::string broker_label(const client::Cluster& cluster);

// "HOST:PORT[,HOST:PORT...]" into addresses.
Result<std::vector<Address>> parse_bootstrap_servers(std::string_view text);

// Parses a whole decimal integer (optionally negative); nullopt otherwise.
std::optional<int64_t> parse_integer(std::string_view text);

// "k=v" into its two halves; nullopt without '=' or with an empty key.
std::optional<std::pair<std::string, std::string>> parse_key_value(std::string_view text);

}  // namespace brook::tools
