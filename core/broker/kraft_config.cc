#include "core/broker/kraft_config.h"

#include <algorithm>
#include <limits>

#include "core/broker/broker_config.h"
#include "core/cluster/config_values.h"

namespace brook::broker {
namespace {

using cluster::invalid_config_value;
using cluster::kInt32Max;

// Kafka's default listener.security.protocol.map: each protocol's own name.
constexpr std::string_view kDefaultProtocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};

// A quorum voter's or bootstrap server's address: a host is required, port 0 is not a port.
Result<HostPort> parse_peer_address(std::string_view key, std::string_view text) {
    TRY_ASSIGN(HostPort address, cluster::parse_config_host_port(key, text, 1));
    if (address.host.empty()) return invalid_config_value(key, text, "expected host:port");
    return address;
}

Result<std::vector<QuorumVoter>> parse_voters(std::string_view key, std::string_view text) {
    std::vector<QuorumVoter> voters;
    for (std::string_view entry : cluster::split_config_list(text)) {
        std::size_t at = entry.find('@');
        if (at == std::string_view::npos) {
            return invalid_config_value(key, entry, "expected id@host:port");
        }
        TRY_ASSIGN(int64_t id,
                   cluster::parse_config_integer(key, entry.substr(0, at), 0, kInt32Max));
        TRY_ASSIGN(HostPort address, parse_peer_address(key, entry.substr(at + 1)));
        for (const QuorumVoter& other : voters) {
            if (other.id.value() == id) {
                return invalid_config_value(key, text, "a voter id appears twice");
            }
        }
        voters.push_back(
            QuorumVoter{NodeId(static_cast<int32_t>(id)), std::move(address.host), address.port});
    }
    return voters;
}

Result<void> parse_roles(std::string_view value, bool& broker, bool& controller) {
    broker = controller = false;
    for (std::string_view role : cluster::split_config_list(value)) {
        bool& flag = role == "broker" ? broker : controller;
        if (role != "broker" && role != "controller") {
            return invalid_config_value(
                "process.roles", value,
                fmt::format("unknown process role '{}' (must be 'broker' or "
                            "'controller')",
                            role));
        }
        if (flag) return invalid_config_value("process.roles", value, "duplicate role names");
        flag = true;
    }
    return {};
}

std::string join_ids(const std::vector<QuorumVoter>& voters) {
    std::string text;
    for (const QuorumVoter& voter : voters)
        text += fmt::format("{}{}", text.empty() ? "" : ",", voter.id);
    return "{" + text + "}";
}

}  // namespace

bool KraftConfig::is_controller_listener(std::string_view name) const {
    return std::find(controller_listener_names.begin(), controller_listener_names.end(), name) !=
           controller_listener_names.end();
}

std::optional<std::string> KraftConfig::security_protocol(std::string_view listener_name) const {
    if (!security_protocol_map.empty()) {
        auto found = security_protocol_map.find(std::string(listener_name));
        if (found == security_protocol_map.end()) return std::nullopt;
        return found->second;
    }
    for (std::string_view protocol : kDefaultProtocols) {
        if (protocol == listener_name) return std::string(protocol);
    }
    if (is_controller_listener(listener_name)) return std::string("PLAINTEXT");
    return std::nullopt;
}

Result<bool> KraftConfig::set(std::string_view key, std::string_view value) {
    auto milliseconds = [&](int32_t& field) -> Result<bool> {
        TRY_ASSIGN(int64_t ms, cluster::parse_config_integer(key, value, 1, kInt32Max));
        field = static_cast<int32_t>(ms);
        return true;
    };
    if (key == "process.roles") {
        TRY(parse_roles(value, broker_role, controller_role));
    } else if (key == "controller.quorum.voters") {
        TRY_ASSIGN(quorum_voters, parse_voters(key, value));
    } else if (key == "controller.quorum.bootstrap.servers") {
        quorum_bootstrap_servers.clear();
        for (std::string_view entry : cluster::split_config_list(value)) {
            TRY_ASSIGN(HostPort server, parse_peer_address(key, entry));
            quorum_bootstrap_servers.push_back(std::move(server));
        }
    } else if (key == "controller.listener.names") {
        controller_listener_names.clear();
        for (std::string_view name : cluster::split_config_list(value)) {
            controller_listener_names.emplace_back(name);
        }
    } else if (key == "listener.security.protocol.map") {
        security_protocol_map.clear();
        for (std::string_view entry : cluster::split_config_list(value)) {
            std::size_t colon = entry.find(':');
            if (colon == std::string_view::npos || colon == 0 || colon + 1 == entry.size()) {
                return invalid_config_value(key, entry, "expected LISTENER_NAME:PROTOCOL");
            }
            security_protocol_map[std::string(entry.substr(0, colon))] =
                std::string(entry.substr(colon + 1));
        }
    } else if (key == "broker.session.timeout.ms") {
        return milliseconds(broker_session_timeout_ms);
    } else if (key == "broker.heartbeat.interval.ms") {
        return milliseconds(broker_heartbeat_interval_ms);
    } else if (key == "controller.quorum.election.timeout.ms") {
        return milliseconds(election_timeout_ms);
    } else if (key == "controller.quorum.fetch.timeout.ms") {
        return milliseconds(fetch_timeout_ms);
    } else if (key == "controller.quorum.request.timeout.ms") {
        return milliseconds(request_timeout_ms);
    } else if (key == "broker.rack") {
        broker_rack = std::string(value);
    } else if (key == "metadata.log.dir") {
        if (value.empty()) return invalid_config_value(key, value, "must name a directory");
        metadata_log_dir = std::string(value);
    } else {
        return false;
    }
    return true;
}

Result<void> KraftConfig::validate(NodeId node_id, const std::vector<ListenerSpec>& listeners,
                                   const std::vector<ListenerSpec>& advertised_listeners) const {
    for (const ListenerSpec& listener : listeners) {
        std::optional<std::string> protocol = security_protocol(listener.name);
        if (!protocol) {
            return invalid_config_value(
                "listeners", listener.to_string(),
                fmt::format("no security protocol defined for listener {} in "
                            "listener.security.protocol.map",
                            listener.name));
        }
        if (*protocol != "PLAINTEXT") {
            return invalid_config_value(
                "listeners", listener.to_string(),
                fmt::format("security protocol {}: only PLAINTEXT is supported", *protocol));
        }
    }
    if (!enabled()) return {};
    auto fail = [](std::string message) {
        return Error(ErrorCode::invalid_argument, std::move(message));
    };
    bool node_is_voter = std::any_of(quorum_voters.begin(), quorum_voters.end(),
                                     [&](const QuorumVoter& voter) { return voter.id == node_id; });
    std::size_t controller_listeners = std::count_if(
        listeners.begin(), listeners.end(),
        [&](const ListenerSpec& listener) { return is_controller_listener(listener.name); });
    if (quorum_voters.empty() && quorum_bootstrap_servers.empty()) {
        return fail(
            "If using process.roles, either controller.quorum.bootstrap.servers must "
            "contain the set of bootstrap controllers or controller.quorum.voters must "
            "contain a parseable set of controllers.");
    }
    if (controller_listener_names.empty()) {
        return fail(
            "controller.listener.names must contain at least one value when running "
            "KRaft");
    }
    for (const ListenerSpec& advertised : advertised_listeners) {
        if (broker_role && is_controller_listener(advertised.name)) {
            return fail(
                "The advertised.listeners config must not contain KRaft controller "
                "listeners from controller.listener.names when process.roles contains "
                "the broker role because Kafka clients that send requests via "
                "advertised listeners do not send requests to KRaft controllers -- they "
                "only send requests to KRaft brokers.");
        }
    }
    if (controller_role) {
        // Brook's quorum is static (no kafka-storage --standalone / --initial-controllers yet).
        if (quorum_voters.empty()) {
            return fail(
                "controller.quorum.voters must list the voters when process.roles "
                "contains the 'controller' role (Brook has no dynamic quorum)");
        }
        if (!node_is_voter) {
            return fail(
                fmt::format("If process.roles contains the 'controller' role, the node id "
                            "{} must be included in the set of voters "
                            "controller.quorum.voters={}",
                            node_id, join_ids(quorum_voters)));
        }
        if (controller_listeners == 0) {
            return fail(
                "controller.listener.names must contain at least one value appearing in "
                "the 'listeners' configuration when running the KRaft controller role");
        }
        for (const std::string& name : controller_listener_names) {
            bool listed = std::any_of(listeners.begin(), listeners.end(),
                                      [&](const ListenerSpec& l) { return l.name == name; });
            if (!listed) {
                return fail(
                    "controller.listener.names must only contain values appearing in "
                    "the 'listeners' configuration when running the KRaft controller "
                    "role");
            }
        }
    }
    if (!broker_role) {
        if (controller_listeners != listeners.size()) {
            return fail(
                "The listeners config must only contain KRaft controller listeners from "
                "controller.listener.names when process.roles=controller");
        }
        if (!advertised_listeners.empty()) {
            return fail(
                "The advertised.listeners config must be empty when "
                "process.roles=controller");
        }
    } else {
        if (!controller_role && node_is_voter) {
            return fail(
                fmt::format("If process.roles contains just the 'broker' role, the node "
                            "id {} must not be included in the set of voters "
                            "controller.quorum.voters={}",
                            node_id, join_ids(quorum_voters)));
        }
        if (!controller_role && controller_listeners > 0) {
            return fail(
                "controller.listener.names must not contain a value appearing in the "
                "'listeners' configuration when running KRaft with just the broker role");
        }
        if (controller_listeners == listeners.size()) {
            return fail(
                "There must be at least one advertised listener. Perhaps all listeners "
                "appear in controller.listener.names?");
        }
    }
    if (broker_heartbeat_interval_ms >= broker_session_timeout_ms) {
        return invalid_config_value(
            "broker.heartbeat.interval.ms", fmt::format("{}", broker_heartbeat_interval_ms),
            "must be below broker.session.timeout.ms, or every broker is fenced");
    }
    return {};
}

void KraftConfig::describe(std::vector<std::pair<std::string, std::string>>& out) const {
    std::string roles = broker_role && controller_role ? "broker,controller"
                        : broker_role                  ? "broker"
                        : controller_role              ? "controller"
                                                       : "";
    std::string voters, bootstrap, names, protocols;
    for (const QuorumVoter& voter : quorum_voters) {
        voters +=
            fmt::format("{}{}@{}:{}", voters.empty() ? "" : ",", voter.id, voter.host, voter.port);
    }
    for (const HostPort& server : quorum_bootstrap_servers) {
        bootstrap += fmt::format("{}{}:{}", bootstrap.empty() ? "" : ",", server.host, server.port);
    }
    for (const std::string& name : controller_listener_names) {
        names += fmt::format("{}{}", names.empty() ? "" : ",", name);
    }
    for (const auto& [name, protocol] : security_protocol_map) {
        protocols += fmt::format("{}{}:{}", protocols.empty() ? "" : ",", name, protocol);
    }
    out.emplace_back("broker.heartbeat.interval.ms",
                     fmt::format("{}", broker_heartbeat_interval_ms));
    out.emplace_back("broker.rack", broker_rack.value_or(""));
    out.emplace_back("broker.session.timeout.ms", fmt::format("{}", broker_session_timeout_ms));
    out.emplace_back("controller.listener.names", names);
    out.emplace_back("controller.quorum.bootstrap.servers", bootstrap);
    out.emplace_back("controller.quorum.election.timeout.ms",
                     fmt::format("{}", election_timeout_ms));
    out.emplace_back("controller.quorum.fetch.timeout.ms", fmt::format("{}", fetch_timeout_ms));
    out.emplace_back("controller.quorum.request.timeout.ms", fmt::format("{}", request_timeout_ms));
    out.emplace_back("controller.quorum.voters", voters);
    out.emplace_back("listener.security.protocol.map", protocols);
    out.emplace_back("metadata.log.dir", metadata_log_dir);
    out.emplace_back("process.roles", roles);
}

}  // namespace brook::broker
