// The cluster's broker nodes as this node knows them, and which of them is the controller: what
// Metadata, DescribeCluster and FindCoordinator list. A single node knows only itself, its own
// controller; in KRaft mode apply() takes the registered brokers (endpoints, rack, fenced) and
// the quorum leader from each committed ClusterView.
//
//   cluster::ClusterNodes nodes(config.node_id);
//   nodes.apply(view);                                      // KRaft mode
//   for (const BrokerInfo& broker : nodes.brokers()) if (nodes.live(broker.id)) ...
//   const BrokerEndpoint* endpoint = nodes.endpoint(leader, "PLAINTEXT");
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/base/strong_type.h"
#include "core/cluster/cluster_view.h"

namespace brook::cluster {

class ClusterNodes {
public:
    // This node alone, unfenced, with no endpoints: a single node advertises what its client
    // reached (the broker's handlers know that), not a registration.
    explicit ClusterNodes(NodeId local);

    // KRaft mode: the brokers and the controller of a committed view.
    void apply(const ClusterView& view);

    // This node.
    NodeId local() const { return local_; }
    // Every registered broker, ascending by id (single node: this one).
    const std::vector<BrokerInfo>& brokers() const { return brokers_; }
    const BrokerInfo* find(NodeId id) const;
    // Registered, unfenced and not shutting down: a broker clients may be sent to.
    bool live(NodeId id) const;
    std::size_t live_count() const;
    // `id`'s endpoint on `listener` if it is live and has one (KRaft mode only).
    const BrokerEndpoint* endpoint(NodeId id, std::string_view listener) const;

    // The controller id clients are told: Kafka's clients reach the controller through the
    // brokers, so a KRaft broker names the controller if it is a live broker, else the lowest
    // live broker, else -1.
    NodeId controller_for_clients() const;

private:
    NodeId local_;
    // The quorum leader as the view names it (single node: this node).
    std::optional<NodeId> controller_;
    std::vector<BrokerInfo> brokers_;
};

}  // namespace brook::cluster
