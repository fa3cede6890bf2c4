#include "core/cluster/cluster_nodes.h"

#include <algorithm>

#include "core/base/check.h"

namespace brook::cluster {

ClusterNodes::ClusterNodes(NodeId local) : local_(local), controller_(local) {
    BrokerInfo self;
    self.id = local;
    self.fenced = false;
    brokers_.push_back(std::move(self));
}

void ClusterNodes::apply(const ClusterView& view) {
    ASSERT(std::is_sorted(view.brokers.begin(), view.brokers.end(),
                          [](const BrokerInfo& a, const BrokerInfo& b) { return a.id < b.id; }),
           "the view's brokers are not ascending by id");
    controller_ = view.controller;
    brokers_ = view.brokers;
}

const BrokerInfo* ClusterNodes::find(NodeId id) const {
    auto it = std::lower_bound(brokers_.begin(), brokers_.end(), id,
                               [](const BrokerInfo& broker, NodeId key) { return broker.id < key; });
    return it != brokers_.end() && it->id == id ? &*it : nullptr;
}

bool ClusterNodes::live(NodeId id) const {
    const BrokerInfo* broker = find(id);
    return broker != nullptr && !broker->fenced && !broker->in_controlled_shutdown;
}

std::size_t ClusterNodes::live_count() const {
    return static_cast<std::size_t>(std::count_if(
        brokers_.begin(), brokers_.end(), [this](const BrokerInfo& broker) { return live(broker.id); }));
}

const BrokerEndpoint* ClusterNodes::endpoint(NodeId id, std::string_view listener) const {
    if (!live(id)) return nullptr;
    for (const BrokerEndpoint& endpoint : find(id)->endpoints) {
        if (endpoint.listener == listener) return &endpoint;
    }
    return nullptr;
}

NodeId ClusterNodes::controller_for_clients() const {
    if (controller_ && live(*controller_)) return *controller_;
    for (const BrokerInfo& broker : brokers_) {
        if (live(broker.id)) return broker.id;
    }
    return NodeId(-1);
}

}  // namespace brook::cluster
