// The cluster's broker nodes as this node knows them, and which of them is the controller: what
// Metadata and DescribeCluster list. Today Brook is one node, its own controller; the metadata
// quorum will fill the list, and the handlers that read it stay as they are.
//
//   cluster::ClusterNodes nodes(config.node_id);
//   for (NodeId node : nodes.brokers()) ...   // ascending; includes nodes.local()
#pragma once

#include <vector>

#include "core/base/strong_type.h"

namespace brook::cluster {

class ClusterNodes {
public:
    explicit ClusterNodes(NodeId local) : local_(local), controller_(local), brokers_{local} {}

    // This node.
    NodeId local() const { return local_; }
    NodeId controller() const { return controller_; }
    // Every broker, ascending by id.
    const std::vector<NodeId>& brokers() const { return brokers_; }

private:
    NodeId local_;
    NodeId controller_;
    std::vector<NodeId> brokers_;
};

}  // namespace brook::cluster
