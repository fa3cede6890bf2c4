#include "tools/brook/client_command.h"

#include <charconv>

namespace brook::tools {

std::optional<int> ClientCommand::parse_common(Arguments& args) {
    if (args.flag("--help")) {
        fmt::print("{}", usage_);
        return 0;
    }
    std::string servers = args.value("--bootstrap-server").value_or(kDefaultBootstrap);
    Result<std::vector<Address>> parsed = parse_bootstrap_servers(servers);
    if (!parsed) return usage_error(parsed.error().context());
    bootstrap_ = std::move(*parsed);
    return std::nullopt;
}

std::optional<int> ClientCommand::check_unused(Arguments& args) {
    if (auto problem = args.problem()) return usage_error(*problem);
    return std::nullopt;
}

std::optional<int> ClientCommand::read_integer(Arguments& args, const std::string& name,
                                               int64_t& out, int64_t min, int64_t max) {
    std::optional<std::string> text = args.value(name);
    if (!text) return std::nullopt;
    std::optional<int64_t> value = parse_integer(*text);
    if (!value || *value < min || *value > max) {
        return usage_error(
            fmt::format("{} wants an integer from {} to {}, not '{}'", name, min, max, *text));
    }
    out = *value;
    return std::nullopt;
}

client::ClusterConfig ClientCommand::cluster_config(Duration timeout) const {
    client::ClusterConfig config;
    config.bootstrap_servers = bootstrap_;
    config.client_id = "brook-cli";
    config.request_timeout = timeout;
    return config;
}

int ClientCommand::usage_error(std::string_view message) const {
    fmt::print(stderr, "brook {}: {}\n\n{}", name_, message, usage_);
    return 2;
}

int ClientCommand::fail(std::string_view message) const {
    fmt::print(stderr, "brook {}: {}\n", name_, message);
    return 1;
}

int ClientCommand::run(const std::function<int(ClientContext&)>& body) {
    // The client keeps no files; the runtime's disk root is the working directory, untouched.
    Result<std::unique_ptr<RealRuntime>> created = RealRuntime::create(".", LogLevel::warn);
    if (!created) return fail(created.error().describe());
    RealRuntime& runtime = **created;
    bool stop_requested = false;
    runtime.on_shutdown_signal([&] {
        if (stop_requested) runtime.scheduler().stop();  // the second signal: stop now
        stop_requested = true;
    });
    int status = 1;
    ClientContext context{runtime.environment(), runtime, bootstrap_, stop_requested};
    runtime.scheduler().spawn(name_, [&] {
        status = body(context);
        runtime.scheduler().stop();
    });
    runtime.scheduler().run();
    std::fflush(stdout);
    return status;
}

std::string broker_label(const client::Cluster& cluster) {
    if (std::optional<NodeId> controller = cluster.controller()) {
        auto found = cluster.brokers().find(*controller);
        if (found != cluster.brokers().end()) {
            return fmt::format("broker {} ({})", controller->value(),
                               found->second.address.to_string());
        }
    }
    std::string servers;
    for (const Address& address : cluster.config().bootstrap_servers) {
        if (!servers.empty()) servers += ',';
        servers += address.to_string();
    }
    return "bootstrap " + servers;
}

Result<std::vector<Address>> parse_bootstrap_servers(std::string_view text) {
    std::vector<Address> addresses;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view one = text.substr(0, comma);
        if (!one.empty()) {
            Result<Address> address = Address::parse(one);
            if (!address) {
                return Error(ErrorCode::invalid_argument,
                             fmt::format("--bootstrap-server: {}", address.error().context()));
            }
            addresses.push_back(std::move(*address));
        }
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    if (addresses.empty()) {
        return Error(ErrorCode::invalid_argument, "--bootstrap-server names no broker");
    }
    return addresses;
}

std::optional<int64_t> parse_integer(std::string_view text) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::pair<std::string, std::string>> parse_key_value(std::string_view text) {
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) return std::nullopt;
    return std::pair{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

}  // namespace brook::tools
