// Metadata, DescribeCluster and InitProducerId: what the cluster looks like to a client.
//
// The nodes, the controller and each partition's leader, leader epoch, replicas and in-sync
// replicas come from the cluster layer (cluster::ClusterNodes, cluster::Partition); this file
// only puts them on the wire. This node's address is, in order: the advertised listener of the
// same name as the listener the client came through; that listener's host if it names one;
// otherwise the local address of the client's own connection (the client demonstrably reached
// it), with the listener's bound port.
#include "core/base/check.h"
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

MetadataResponse::MetadataResponseTopic describe_topic(const cluster::Topic& topic, int16_t version,
                                                       NodeId local) {
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
        std::shared_ptr<log::PartitionLog> log = partition->log();
        if (!log || log->offline()) {
            p.error_code = to_wire(KafkaError::kafka_storage_error);
            if (version >= 5) p.offline_replicas = {local.value()};
        }
    }
    return out;
}

// The brokers a client may connect to. Only this node's address is known today; the metadata
// quorum will carry the others' advertised listeners.
std::vector<Address> broker_addresses(const BrokerServices& services,
                                      const RequestContext& context) {
    std::vector<Address> addresses;
    for (NodeId node : services.nodes.brokers()) {
        ASSERT(node == services.nodes.local(), "no advertised address for node {}", node);
        addresses.push_back(advertised_address(services, context));
    }
    return addresses;
}

MetadataResponse::MetadataResponseTopic topic_error(const std::string& name, KafkaError error) {
    MetadataResponse::MetadataResponseTopic out;
    out.name = name;
    out.error_code = to_wire(error);
    return out;
}

}  // namespace

MetadataResponse handle_metadata(BrokerServices& services, const RequestContext& context,
                                 const MetadataRequest& request) {
    int16_t version = context.version();
    NodeId local = services.nodes.local();
    MetadataResponse response;
    std::vector<Address> addresses = broker_addresses(services, context);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        response.brokers.push_back({services.nodes.brokers()[i].value(), addresses[i].host,
                                    addresses[i].port, std::nullopt});
    }
    if (version >= 2) response.cluster_id = services.cluster_id;
    if (version >= 1) response.controller_id = services.nodes.controller().value();

    // v0: an empty list means every topic; v1+: null means every topic, empty means none.
    bool all_topics = !request.topics.has_value() || (version == 0 && request.topics->empty());
    if (all_topics) {
        for (const std::string& name : services.topics.topic_names()) {
            // The offsets topic is the coordinator's; it is described only when named.
            if (name == group::kOffsetsTopic) continue;
            if (const cluster::Topic* topic = services.topics.find(name)) {
                response.topics.push_back(describe_topic(*topic, version, local));
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
            Result<void> created = services.topics.create_topic(
                name, services.config.num_partitions, cluster::TopicConfig{});  // May suspend.
            if (!created && created.error().code() != ErrorCode::already_exists) {
                services.log.warn("auto-creating topic {}: {}", name, created.error().describe());
            }
            topic = services.topics.find(name);  // re-check: other fibers ran meanwhile
        }
        if (topic == nullptr) {
            KafkaError error = may_create ? KafkaError::leader_not_available
                                          : KafkaError::unknown_topic_or_partition;
            response.topics.push_back(topic_error(name, error));
            continue;
        }
        response.topics.push_back(describe_topic(*topic, version, local));
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
    response.controller_id = services.nodes.controller().value();
    std::vector<Address> addresses = broker_addresses(services, context);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        response.brokers.push_back({services.nodes.brokers()[i].value(), addresses[i].host,
                                    addresses[i].port, std::nullopt});
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
    Result<ProducerId> id = services.producer_ids.allocate();  // May suspend.
    if (!id) {
        services.log.warn("allocating a producer id: {}", id.error().describe());
        response.error_code = to_wire(KafkaError::kafka_storage_error);
        return response;
    }
    response.producer_id = id->value();
    response.producer_epoch = 0;
    return response;
}

}  // namespace brook::broker
