// FindCoordinator and the consumer group APIs: JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete. They
// translate between the wire messages (every version served) and the GroupCoordinator
// (core/group/), which holds the state, does the waiting and stores the records.
#include <algorithm>

#include "core/broker/forwarding.h"
#include "core/broker/request_handlers.h"
#include "core/group/group_coordinator.h"
#include "core/group/offsets_log.h"

namespace brook::broker {

using protocol::KafkaError;

namespace {

constexpr int8_t kGroupKeyType = 0;

std::string client_id_of(const RequestContext& context) {
    return context.header.client_id.value_or("");
}

// KRaft mode: the coordinator of `group` is the leader of its offsets partition, if it is a
// live broker with the client's listener; nullopt while there is none (or no offsets topic
// yet: the first lookup asks the controller to create it, as Kafka's brokers do). May suspend.
std::optional<std::pair<NodeId, Address>> placed_coordinator(BrokerServices& services,
                                                            const RequestContext& context,
                                                            const std::string& group) {
    const cluster::Topic* offsets = services.topics.find(group::kOffsetsTopic);
    if (offsets == nullptr) {
        auto live = static_cast<int64_t>(services.nodes.live_count());
        auto replicas = static_cast<int16_t>(std::clamp<int64_t>(
            services.config.offsets_topic_replication_factor, 1, std::max<int64_t>(live, 1)));
        KafkaError error = create_topic_through_controller(
            services, std::string(group::kOffsetsTopic),
            services.config.offsets_topic_num_partitions, replicas,
            group::offsets_topic_configs());  // May suspend.
        if (error != KafkaError::none && error != KafkaError::topic_already_exists) {
            services.log.warn("creating the offsets topic: {}", protocol::kafka_error_name(error));
        }
        return std::nullopt;  // the client asks again once the topic is in a view
    }
    PartitionId partition = services.groups.partition_of(group);
    NodeId leader = offsets->partitions[static_cast<std::size_t>(partition.value())]->leader();
    const cluster::BrokerEndpoint* endpoint =
        services.nodes.endpoint(leader, context.listener_name);
    if (endpoint == nullptr) return std::nullopt;
    return std::pair(leader, Address{endpoint->host, endpoint->port});
}

}  // namespace

protocol::FindCoordinatorResponse handle_find_coordinator(
    BrokerServices& services, const RequestContext& context,
    const protocol::FindCoordinatorRequest& request) {
    protocol::FindCoordinatorResponse response;
    auto refuse = [&](KafkaError error, std::string message) {
        response.error_code = to_wire(error);
        if (context.version() >= 1) response.error_message = std::move(message);
        response.node_id = -1;
        response.host = "";
        response.port = -1;
        return response;
    };
    if (request.key_type != kGroupKeyType) {
        return refuse(KafkaError::coordinator_not_available,
                      "Brook has no transaction coordinator");
    }
    if (services.kraft()) {
        auto placed = placed_coordinator(services, context, request.key);  // May suspend.
        if (!placed) {
            return refuse(KafkaError::coordinator_not_available,
                          "the group's offsets partition has no leader yet");
        }
        response.node_id = placed->first.value();
        response.host = placed->second.host;
        response.port = placed->second.port;
        if (context.version() >= 1) response.error_message = std::nullopt;
        return response;
    }
    // Like Kafka, the first lookup creates the offsets topic.
    if (Result<void> topic = services.groups.ensure_offsets_topic(); !topic) {  // May suspend.
        services.log.warn("creating the offsets topic: {}", topic.error().describe());
        return refuse(KafkaError::coordinator_not_available, "the offsets topic is unavailable");
    }
    // A single node is every group's coordinator, also while it loads (the group requests
    // themselves answer COORDINATOR_LOAD_IN_PROGRESS then).
    Address advertised = advertised_address(services, context);
    response.node_id = services.config.node_id.value();
    response.host = advertised.host;
    response.port = advertised.port;
    if (context.version() >= 1) response.error_message = std::nullopt;
    return response;
}

protocol::JoinGroupResponse handle_join_group(BrokerServices& services,
                                              const RequestContext& context,
                                              const protocol::JoinGroupRequest& request) {
    group::JoinInput input;
    input.member_id = request.member_id;
    input.group_instance_id = request.group_instance_id;
    input.client_id = client_id_of(context);
    input.client_host = "/" + context.peer.host;
    input.session_timeout = milliseconds(request.session_timeout_ms);
    // v0 has no rebalance timeout: the session timeout served for both.
    input.rebalance_timeout = milliseconds(context.version() >= 1 ? request.rebalance_timeout_ms
                                                                  : request.session_timeout_ms);
    input.protocol_type = request.protocol_type;
    for (const auto& protocol : request.protocols) {
        input.protocols.push_back({protocol.name, protocol.metadata});
    }
    input.require_known_member_id = context.version() >= 4;
    group::JoinResult joined = request.group_id.empty()
                                   ? group::JoinResult{KafkaError::invalid_group_id}
                                   : services.groups.join(request.group_id, input);  // May suspend.
    protocol::JoinGroupResponse response;
    response.error_code = to_wire(joined.error);
    response.generation_id = joined.generation;
    response.protocol_name = joined.protocol_name;
    response.leader = joined.leader;
    response.member_id =
        joined.error == KafkaError::none || joined.error == KafkaError::member_id_required
            ? joined.member_id
            : request.member_id;
    for (group::JoinMember& member : joined.members) {
        auto& out = response.members.emplace_back();
        out.member_id = member.member_id;
        if (context.version() >= 5) out.group_instance_id = member.group_instance_id;
        out.metadata = std::move(member.metadata);
    }
    return response;
}

protocol::SyncGroupResponse handle_sync_group(BrokerServices& services,
                                              const RequestContext& context,
                                              const protocol::SyncGroupRequest& request) {
    group::SyncInput input;
    input.member_id = request.member_id;
    input.group_instance_id = request.group_instance_id;
    input.generation = request.generation_id;
    input.protocol_type = request.protocol_type;
    input.protocol_name = request.protocol_name;
    for (const auto& assignment : request.assignments) {
        input.assignments[assignment.member_id] = assignment.assignment;
    }
    group::SyncResult synced = request.group_id.empty()
                                   ? group::SyncResult{KafkaError::invalid_group_id}
                                   : services.groups.sync(request.group_id, input);  // May suspend.
    protocol::SyncGroupResponse response;
    response.error_code = to_wire(synced.error);
    response.assignment = std::move(synced.assignment);
    if (context.version() >= 5 && synced.error == KafkaError::none) {
        response.protocol_type = synced.protocol_type;
        response.protocol_name = synced.protocol_name;
    }
    return response;
}

protocol::HeartbeatResponse handle_heartbeat(BrokerServices& services, const RequestContext&,
                                             const protocol::HeartbeatRequest& request) {
    protocol::HeartbeatResponse response;
    KafkaError error =
        request.group_id.empty()
            ? KafkaError::invalid_group_id
            : services.groups.heartbeat(request.group_id, request.member_id,
                                        request.group_instance_id, request.generation_id);
    response.error_code = to_wire(error);
    return response;
}

protocol::LeaveGroupResponse handle_leave_group(BrokerServices& services,
                                                const RequestContext& context,
                                                const protocol::LeaveGroupRequest& request) {
    protocol::LeaveGroupResponse response;
    if (request.group_id.empty()) {
        response.error_code = to_wire(KafkaError::invalid_group_id);
        return response;
    }
    bool batch = context.version() >= 3;  // v3+ names several members (KIP-345)
    std::vector<group::LeaveInput> leaving;
    if (batch) {
        for (const auto& member : request.members) {
            leaving.push_back({member.member_id, member.group_instance_id});
        }
    } else {
        leaving.push_back({request.member_id, std::nullopt});
    }
    auto [error, results] = services.groups.leave(request.group_id, leaving);  // May suspend.
    response.error_code = to_wire(error);
    if (!batch) {
        if (error == KafkaError::none && !results.empty())
            response.error_code = to_wire(results[0]);
        return response;
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        auto& out = response.members.emplace_back();
        out.member_id = request.members[i].member_id;
        out.group_instance_id = request.members[i].group_instance_id;
        out.error_code = to_wire(results[i]);
    }
    return response;
}

protocol::OffsetCommitResponse handle_offset_commit(BrokerServices& services, const RequestContext&,
                                                    const protocol::OffsetCommitRequest& request) {
    group::CommitInput input;
    input.member_id = request.member_id;
    input.group_instance_id = request.group_instance_id;
    input.generation = request.generation_id_or_member_epoch;
    // Kafka refuses offsets for partitions that do not exist; the rest are committed together.
    std::vector<KafkaError> results;
    std::vector<std::size_t> known;
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            PartitionId id(partition.partition_index);
            if (!services.topics.partition(topic.name, id)) {
                results.push_back(KafkaError::unknown_topic_or_partition);
                continue;
            }
            group::CommittedOffset value;
            value.offset = Offset(partition.committed_offset);
            value.leader_epoch = partition.committed_leader_epoch;
            value.metadata = partition.committed_metadata.value_or("");
            known.push_back(results.size());
            results.push_back(KafkaError::none);
            input.offsets.push_back({{topic.name, id}, std::move(value)});
        }
    }
    std::vector<KafkaError> committed =
        request.group_id.empty()
            ? std::vector<KafkaError>(known.size(), KafkaError::invalid_group_id)
            : services.groups.commit(request.group_id, input);  // May suspend.
    for (std::size_t i = 0; i < known.size(); ++i) results[known[i]] = committed[i];
    protocol::OffsetCommitResponse response;
    std::size_t next = 0;
    for (const auto& topic : request.topics) {
        auto& out = response.topics.emplace_back();
        out.name = topic.name;
        for (const auto& partition : topic.partitions) {
            out.partitions.push_back({partition.partition_index, to_wire(results[next++])});
        }
    }
    return response;
}

protocol::OffsetFetchResponse handle_offset_fetch(BrokerServices& services,
                                                  const RequestContext& context,
                                                  const protocol::OffsetFetchRequest& request) {
    protocol::OffsetFetchResponse response;
    std::optional<std::vector<group::TopicPartitionKey>> wanted;
    if (request.topics) {  // null (v2+): every partition the group has offsets for
        wanted.emplace();
        for (const auto& topic : *request.topics) {
            for (int32_t partition : topic.partition_indexes) {
                wanted->push_back({topic.name, PartitionId(partition)});
            }
        }
    }
    std::map<group::TopicPartitionKey, group::CommittedOffset> committed;
    KafkaError error = services.groups.committed(request.group_id, wanted, committed);
    auto add = [&](const group::TopicPartitionKey& where, KafkaError partition_error) {
        if (response.topics.empty() || response.topics.back().name != where.topic) {
            response.topics.emplace_back().name = where.topic;
        }
        auto& out = response.topics.back().partitions.emplace_back();
        out.partition_index = where.partition.value();
        out.committed_offset = -1;
        out.metadata = "";
        out.error_code = to_wire(partition_error);
        auto found = committed.find(where);
        if (found == committed.end()) return;
        out.committed_offset = found->second.offset.value();
        if (context.version() >= 5) out.committed_leader_epoch = found->second.leader_epoch;
        out.metadata = found->second.metadata;
    };
    if (context.version() >= 2) response.error_code = to_wire(error);
    // Before v2 there is no top-level error: each partition carries it.
    KafkaError per_partition = context.version() >= 2 ? KafkaError::none : error;
    if (wanted) {
        for (const auto& where : *wanted) add(where, per_partition);
    } else {
        for (const auto& [where, value] : committed) add(where, per_partition);
    }
    return response;
}

protocol::DescribeGroupsResponse handle_describe_groups(
    BrokerServices& services, const RequestContext& context,
    const protocol::DescribeGroupsRequest& request) {
    protocol::DescribeGroupsResponse response;
    for (const std::string& id : request.groups) {
        group::GroupDescription described = services.groups.describe(id);
        auto& out = response.groups.emplace_back();
        out.group_id = id;
        out.error_code = to_wire(described.error);
        out.group_state = described.state;
        out.protocol_type = described.protocol_type;
        out.protocol_data = described.protocol_name;
        for (group::DescribedMember& member : described.members) {
            auto& m = out.members.emplace_back();
            m.member_id = member.member_id;
            if (context.version() >= 4) m.group_instance_id = member.group_instance_id;
            m.client_id = member.client_id;
            m.client_host = member.client_host;
            m.member_metadata = std::move(member.metadata);
            m.member_assignment = std::move(member.assignment);
        }
    }
    return response;
}

protocol::ListGroupsResponse handle_list_groups(BrokerServices& services,
                                                const RequestContext& context,
                                                const protocol::ListGroupsRequest& request) {
    protocol::ListGroupsResponse response;
    if (!services.groups.loaded()) {
        response.error_code = to_wire(KafkaError::coordinator_load_in_progress);
        return response;
    }
    for (group::ListedGroup& listed : services.groups.list()) {
        const auto& filter = request.states_filter;
        if (!filter.empty() &&
            std::find(filter.begin(), filter.end(), listed.state) == filter.end()) {
            continue;
        }
        auto& out = response.groups.emplace_back();
        out.group_id = std::move(listed.group_id);
        out.protocol_type = std::move(listed.protocol_type);
        if (context.version() >= 4) out.group_state = std::move(listed.state);
    }
    return response;
}

protocol::DeleteGroupsResponse handle_delete_groups(BrokerServices& services, const RequestContext&,
                                                    const protocol::DeleteGroupsRequest& request) {
    protocol::DeleteGroupsResponse response;
    for (const std::string& id : request.groups_names) {
        KafkaError error = services.groups.delete_group(id);  // May suspend.
        response.results.push_back({id, to_wire(error)});
    }
    return response;
}

protocol::OffsetDeleteResponse handle_offset_delete(BrokerServices& services, const RequestContext&,
                                                    const protocol::OffsetDeleteRequest& request) {
    std::vector<group::TopicPartitionKey> partitions;
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            partitions.push_back({topic.name, PartitionId(partition.partition_index)});
        }
    }
    auto [error, results] =
        services.groups.delete_offsets(request.group_id, partitions);  // May suspend.
    protocol::OffsetDeleteResponse response;
    response.error_code = to_wire(error);
    if (error != KafkaError::none) return response;
    std::size_t next = 0;
    for (const auto& topic : request.topics) {
        auto& out = response.topics.emplace_back();
        out.name = topic.name;
        for (const auto& partition : topic.partitions) {
            out.partitions.push_back({partition.partition_index, to_wire(results[next++])});
        }
    }
    return response;
}

}  // namespace brook::broker
