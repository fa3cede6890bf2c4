// The KRaft keys of the broker configuration (Kafka's names and defaults): which roles this node
// plays, who the metadata quorum's voters are, how the controller listener is reached, and the
// timing of broker sessions and quorum elections.
//
//   KraftConfig kraft;
//   TRY(kraft.set("process.roles", "broker,controller"));   // false: not a KRaft key
//   TRY(kraft.set("controller.quorum.voters", "1@localhost:19091,2@localhost:19092"));
//   TRY(kraft.validate(node_id, listeners, advertised_listeners));
//
// `process.roles` decides whether a data directory must be formatted before `brook serve`
// (core/cluster/directory_identity.h) and, with a controller forwarder, whether the Broker
// follows the metadata log (broker.h); the metadata quorum (core/quorum/) and the node's
// composition (core/node/) use the rest (docs/design/cluster.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/cluster/config_values.h"

namespace brook::broker {

struct ListenerSpec;

// One entry of controller.quorum.voters: id@host:port.
struct QuorumVoter {
    NodeId id{0};
    std::string host;
    uint16_t port = 0;
    bool operator==(const QuorumVoter&) const = default;
};

// One entry of controller.quorum.bootstrap.servers: host:port.
using cluster::HostPort;

struct KraftConfig {
    // process.roles; both false: the single-node broker of before KRaft keys (the default).
    bool broker_role = false;
    bool controller_role = false;
    std::vector<QuorumVoter> quorum_voters;
    std::vector<HostPort> quorum_bootstrap_servers;
    std::vector<std::string> controller_listener_names;
    // listener.security.protocol.map as set; empty: Kafka's default map.
    std::map<std::string, std::string> security_protocol_map;
    int32_t broker_session_timeout_ms = 9000;
    int32_t broker_heartbeat_interval_ms = 2000;
    std::optional<std::string> broker_rack;
    int32_t election_timeout_ms = 1000;
    int32_t fetch_timeout_ms = 2000;
    int32_t request_timeout_ms = 2000;
    std::string metadata_log_dir;  // empty: the log directory

    // Whether process.roles is set (KRaft mode).
    bool enabled() const { return broker_role || controller_role; }
    bool is_controller_listener(std::string_view name) const;
    // The security protocol of a listener name: the explicit map, else Kafka's default map, else
    // PLAINTEXT for a controller listener when no map is given (Kafka does the same); nullopt
    // when none applies.
    std::optional<std::string> security_protocol(std::string_view listener_name) const;

    // Sets a KRaft key; false when `key` is not one. invalid_argument for a bad value.
    Result<bool> set(std::string_view key, std::string_view value);
    // The rules across keys, with Kafka's messages, given the node's id and listeners.
    Result<void> validate(NodeId node_id, const std::vector<ListenerSpec>& listeners,
                          const std::vector<ListenerSpec>& advertised_listeners) const;
    // The keys with their current values, for DescribeConfigs.
    void describe(std::vector<std::pair<std::string, std::string>>& out) const;
};

}  // namespace brook::broker
