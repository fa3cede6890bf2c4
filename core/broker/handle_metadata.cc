// Metadata, DescribeCluster and InitProducerId: what the cluster looks like to a client.
//
// The nodes, the controller and each partition's leader, leader epoch, replicas and in-sync
// replicas come from the cluster layer (cluster::ClusterNodes, cluster::Partition); this file
// only puts them on the wire. In KRaft mode those follow the committed metadata log, and every
// broker's address (this one's too) is the endpoint it registered for the listener the client
// came in on. A single node's address is, in order: the advertised listener of the same name as
// the listener the client came through; that listener's host if it names one; otherwise the
// local address of the client's own connection (the client demonstrably reached it), with the
// listener's bound port.
#include "core/broker/forwarding.h"
#include "core/broker/request_handlers.h"

namespace brook::broker {

using protocol::KafkaError;
using protocol::MetadataRequest;
using protocol::MetadataResponse;

Address advertised_address(const BrokerServices& services, const RequestContext& context) {
    for (const ListenerSpec& spec : services.config.advertised_listeners) {
        if (spec.name == context.listener_name) return Address{spec.host, spec.port};
    }
    Address address = context.local;
    for (const ListenerSpec& spec : services.config.listeners) {
        if (spec.name == context.listener_name && !spec.wildcard_host()) address.host = spec.host;
    }
    return address;
}

namespace {

std::vector<int32_t> wire_ids(const std::vector<NodeId>& nodes) {
    std::vector<int32_t> ids;
    for (NodeId node : nodes) ids.push_back(node.value());
    return ids;
}

// A broker as clients are told of it.
struct AdvertisedBroker {
    NodeId id;
    Address address;
    std::optional<std::string> rack;
};

// The brokers a client may connect to. A single node: itself, at advertised_address(). KRaft
// mode (Kafka's rule): every live broker that registered an endpoint of the listener the client
// came in on, at that endpoint; the others are left out.
std::vector<AdvertisedBroker> advertised_brokers(const BrokerServices& services,
                                                 const RequestContext& context) {
    if (!services.kraft()) {
        return {{services.nodes.local(), advertised_address(services, context), std::nullopt}};
    }
    std::vector<AdvertisedBroker> brokers;
    for (const cluster::BrokerInfo& broker : services.nodes.brokers()) {
        if (const cluster::BrokerEndpoint* endpoint =
                services.nodes.endpoint(broker.id, context.listener_name)) {
            brokers.push_back({broker.id, Address{endpoint->host, endpoint->port}, broker.rack});
        }
    }
    return brokers;
}

// KRaft mode: a partition's leader as the client may reach it (Kafka's KRaftMetadataCache): a
// leader that is none, fenced or gone is -1 with LEADER_NOT_AVAILABLE; a live one without the
// client's listener is -1 with LISTENER_NOT_FOUND from v6 on.
void describe_leader(const BrokerServices& services, const RequestContext& context,
                     const cluster::Partition& partition,
                     MetadataResponse::MetadataResponsePartition& out) {
    NodeId leader = partition.leader();
    if (services.nodes.endpoint(leader, context.listener_name) != nullptr) {
        out.leader_id = leader.value();
        return;
    }
    bool listener_missing = services.nodes.live(leader);
    out.leader_id = -1;
    out.error_code = to_wire(listener_missing && context.version() >= 6
                                 ? KafkaError::listener_not_found
                                 : KafkaError::leader_not_available);
}

MetadataResponse::MetadataResponseTopic describe_topic(const BrokerServices& services,
                                                       const RequestContext& context,
                                                       const cluster::Topic& topic) {
    int16_t version = context.version();
    MetadataResponse::MetadataResponseTopic out;
    out.name = topic.name;
    if (version >= 1) out.is_internal = topic.name == group::kOffsetsTopic;
    for (const auto& partition : topic.partitions) {
        auto& p = out.partitions.emplace_back();
        p.partition_index = partition->id().value();
        p.leader_id = partition->leader().value();
        if (version >= 7) p.leader_epoch = partition->leader_epoch().value();
        p.replica_nodes = wire_ids(partition->replicas());
        p.isr_nodes = wire_ids(partition->isr());
        if (services.kraft()) {
            describe_leader(services, context, *partition, p);
            if (version >= 5) {
                // Replicas whose broker is fenced or gone (Kafka's offline replicas).
                for (NodeId replica : partition->replicas()) {
                    const cluster::BrokerInfo* broker = services.nodes.find(replica);
                    if (broker == nullptr || broker->fenced) {
                        p.offline_replicas.push_back(replica.value());
                    }
                }
            }
            continue;
        }
        std::shared_ptr<log::PartitionLog> log = partition->log();
        if (!log || log->offline()) {
            p.error_code = to_wire(KafkaError::kafka_storage_error);
            if (version >= 5) p.offline_replicas = {services.nodes.local().value()};
        }
    }
    return out;
}

MetadataResponse::MetadataResponseTopic topic_error(const std::string& name, KafkaError error) {
    MetadataResponse::MetadataResponseTopic out;
    out.name = name;
    out.error_code = to_wire(error);
    return out;
}

// Auto-creation (auto.create.topics.enable): a single node creates the topic itself; a KRaft
// broker asks the controller, and the topic appears once a view names it. May suspend.
void auto_create(BrokerServices& services, const std::string& name) {
    if (services.kraft()) {
        KafkaError error = create_topic_through_controller(
            services, name, services.config.num_partitions,
            services.config.default_replication_factor, {});  // May suspend.
        if (error != KafkaError::none && error != KafkaError::topic_already_exists) {
            services.log.warn("auto-creating topic {}: {}", name, protocol::kafka_error_name(error));
        }
        return;
    }
    Result<void> created = services.topics.create_topic(
        name, services.config.num_partitions, cluster::TopicConfig{});  // May suspend.
    if (!created && created.error().code() != ErrorCode::already_exists) {
        services.log.warn("auto-creating topic {}: {}", name, created.error().describe());
    }
}

}  // namespace

MetadataResponse handle_metadata(BrokerServices& services, const RequestContext& context,
                                 const MetadataRequest& request) {
    int16_t version = context.version();
    MetadataResponse response;
    for (const AdvertisedBroker& broker : advertised_brokers(services, context)) {
        response.brokers.push_back({broker.id.value(), broker.address.host, broker.address.port,
                                    version >= 1 ? broker.rack : std::nullopt});
    }
    if (version >= 2) response.cluster_id = services.cluster_id;
    if (version >= 1) response.controller_id = services.nodes.controller_for_clients().value();

    // v0: an empty list means every topic; v1+: null means every topic, empty means none.
    bool all_topics = !request.topics.has_value() || (version == 0 && request.topics->empty());
    if (all_topics) {
        for (const std::string& name : services.topics.topic_names()) {
            // The offsets topic is the coordinator's; it is described only when named.
            if (name == group::kOffsetsTopic) continue;
            if (const cluster::Topic* topic = services.topics.find(name)) {
                response.topics.push_back(describe_topic(services, context, *topic));
            }
        }
        return response;
    }
    // v4+ lets the client forbid auto-creation; before v4 the broker decides alone.
    bool may_create = services.config.auto_create_topics_enable &&
                      (version < 4 || request.allow_auto_topic_creation);
    for (const auto& requested : *request.topics) {
        std::string name = requested.name.value_or("");
        if (!cluster::validate_topic_name(name)) {
            response.topics.push_back(topic_error(name, KafkaError::invalid_topic_exception));
            continue;
        }
        const cluster::Topic* topic = services.topics.find(name);
        if (topic == nullptr && may_create && name != group::kOffsetsTopic) {
            auto_create(services, name);          // May suspend.
            topic = services.topics.find(name);  // re-check: other fibers ran meanwhile
        }
        if (topic == nullptr) {
            KafkaError error = may_create ? KafkaError::leader_not_available
                                          : KafkaError::unknown_topic_or_partition;
            response.topics.push_back(topic_error(name, error));
            continue;
        }
        response.topics.push_back(describe_topic(services, context, *topic));
    }
    return response;
}

protocol::DescribeClusterResponse handle_describe_cluster(
    BrokerServices& services, const RequestContext& context,
    const protocol::DescribeClusterRequest& request) {
    protocol::DescribeClusterResponse response;
    if (request.endpoint_type != 1) {  // 1 = brokers; 2 = controllers (KRaft)
        response.error_code = to_wire(KafkaError::unsupported_endpoint_type);
        response.error_message = "Brook has only broker endpoints";
        return response;
    }
    response.cluster_id = services.cluster_id;
    response.controller_id = services.nodes.controller_for_clients().value();
    for (const AdvertisedBroker& broker : advertised_brokers(services, context)) {
        response.brokers.push_back(
            {broker.id.value(), broker.address.host, broker.address.port, broker.rack});
    }
    return response;
}

protocol::InitProducerIdResponse handle_init_producer_id(
    BrokerServices& services, const RequestContext& context,
    const protocol::InitProducerIdRequest& request) {
    protocol::InitProducerIdResponse response;
    if (request.transactional_id.has_value() && !request.transactional_id->empty()) {
        // Transactions need a transaction coordinator, which Brook does not have yet.
        response.error_code = to_wire(KafkaError::transactional_id_authorization_failed);
        return response;
    }
    // KRaft mode: a block from the controller, so no other broker hands out the same ids.
    Result<ProducerId> id =
        services.kraft()
            ? services.producer_id_blocks->allocate(forward_deadline(services))  // May suspend.
            : services.producer_ids.allocate();                                  // May suspend.
    if (!id) {
        services.log.warn("allocating a producer id: {}", id.error().describe());
        // KRaft mode: Kafka's retriable answer while a broker waits for its next block.
        response.error_code = to_wire(services.kraft() ? KafkaError::coordinator_load_in_progress
                                                       : KafkaError::kafka_storage_error);
        return response;
    }
    response.producer_id = id->value();
    response.producer_epoch = 0;
    return response;
}

}  // namespace brook::broker
