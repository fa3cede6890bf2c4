#include "core/node/cluster_view_builder.h"

namespace brook::node {
namespace {

cluster::BrokerInfo broker_of(const metadata::BrokerRegistration& registration) {
    cluster::BrokerInfo broker;
    broker.id = registration.id;
    for (const metadata::BrokerEndpoint& endpoint : registration.endpoints) {
        broker.endpoints.push_back({endpoint.name, endpoint.host, endpoint.port});
    }
    broker.rack = registration.rack;
    broker.fenced = registration.fenced;
    broker.in_controlled_shutdown = registration.in_controlled_shutdown;
    return broker;
}

cluster::TopicInfo topic_of(const metadata::MetadataImage& image,
                            const metadata::TopicImage& topic) {
    cluster::TopicInfo info;
    info.name = topic.name;
    info.id = topic.id;
    info.configs = image.configs_of({metadata::ConfigResourceType::topic, topic.name});
    for (const auto& [id, state] : topic.partitions) {
        if (id.value() != static_cast<int32_t>(info.partitions.size())) break;  // a gap
        info.partitions.push_back(cluster::PartitionInfo{
            .id = id,
            .replicas = state.replicas,
            .isr = state.isr,
            .leader = state.leader,
            .leader_epoch = state.leader_epoch,
            .partition_epoch = state.partition_epoch.value(),
        });
    }
    return info;
}

}  // namespace

cluster::ClusterView view_of(const metadata::MetadataImage& image,
                             std::optional<NodeId> controller, bool caught_up) {
    cluster::ClusterView view;
    view.metadata_offset = image.applied_offset();
    view.caught_up = caught_up;
    view.controller = controller;
    // The image's map is ordered by id, so the view's list is ascending as it promises.
    for (const auto& [id, registration] : image.brokers()) {
        view.brokers.push_back(broker_of(registration));
    }
    for (const auto& [id, topic] : image.topics()) {
        view.topics.emplace(topic.name, topic_of(image, topic));
    }
    return view;
}

}  // namespace brook::node
