#include "core/client/admin.h"

#include <algorithm>

#include "core/protocol/consumer_protocol.h"

namespace brook::client {

using protocol::ApiKey;
using protocol::kafka_error_from_wire;

std::string ItemResult::describe() const {
    std::string text = fmt::format("{}: {}", name, protocol::kafka_error_name(error));
    if (message && !message->empty()) text += fmt::format(" ({})", *message);
    return text;
}

Admin::Admin(Environment& env, ClusterConfig config)
    : cluster_(std::make_unique<Cluster>(env, std::move(config))) {}

Admin::~Admin() = default;

void Admin::close() { cluster_->close(); }

Result<std::shared_ptr<BrokerLink>> Admin::controller_link(Instant deadline) {
    if (!cluster_->controller()) TRY(cluster_->refresh(std::vector<std::string>{}, deadline));
    if (std::optional<NodeId> controller = cluster_->controller()) {
        auto link = cluster_->link(*controller, deadline);  // May suspend.
        if (link) return link;
    }
    return cluster_->any_link(deadline);
}

Result<std::vector<ItemResult>> Admin::at_controller(const std::vector<std::string>& names,
                                                     Instant deadline,
                                                     const ItemAttempt& attempt) {
    std::map<std::string, ItemResult> answered;
    std::vector<std::string> left = names;
    uint32_t failures = 0;
    while (true) {
        Result<std::vector<ItemResult>> results = [&]() -> Result<std::vector<ItemResult>> {
            TRY_ASSIGN(auto link, controller_link(deadline));  // May suspend.
            return attempt(*link, left);                       // May suspend.
        }();
        cluster_->invalidate();
        std::optional<Error> failure;
        if (!results) {
            // Only a broker that could not be reached or dropped the connection is worth
            // another try; a timeout may have done the change already.
            if (results.error().code() != ErrorCode::disconnected) return results.error();
            failure = results.error();
        } else {
            std::vector<std::string> again;
            for (ItemResult& item : *results) {
                bool asked = std::find(left.begin(), left.end(), item.name) != left.end();
                if (!asked) continue;
                if (item.error == KafkaError::not_controller) again.push_back(item.name);
                answered[item.name] = std::move(item);
            }
            left = std::move(again);
        }
        if (left.empty()) break;
        Duration backoff = cluster_->retry_backoff(failures++);
        if (cluster_->env().clock.now() + backoff >= deadline) {
            if (failure) return *failure;
            break;  // the NOT_CONTROLLER answers stand
        }
        cluster_->log().debug("retrying {} items at the controller: {}", left.size(),
                              failure ? failure->describe() : std::string("NOT_CONTROLLER"));
        cluster_->env().clock.sleep_for(backoff);  // May suspend.
        (void)cluster_->refresh(std::vector<std::string>{}, deadline);  // may find the controller
    }
    std::vector<ItemResult> ordered;
    for (const std::string& name : names) {
        auto found = answered.find(name);
        if (found != answered.end()) ordered.push_back(found->second);
    }
    return ordered;
}

Result<std::vector<ItemResult>> Admin::create_topics(const std::vector<NewTopic>& topics,
                                                     Instant deadline, bool validate_only) {
    std::vector<std::string> names;
    for (const NewTopic& topic : topics) names.push_back(topic.name);
    return at_controller(names, deadline, [&](BrokerLink& link, const std::vector<std::string>& left)
                                              -> Result<std::vector<ItemResult>> {
        protocol::CreateTopicsRequest request;
        request.timeout_ms = static_cast<int32_t>(to_ms(cluster_->config().request_timeout));
        request.validate_only = validate_only;
        for (const NewTopic& topic : topics) {
            if (std::find(left.begin(), left.end(), topic.name) == left.end()) continue;
            auto& creatable = request.topics.emplace_back();
            creatable.name = topic.name;
            creatable.num_partitions = topic.partitions;
            creatable.replication_factor = topic.replication_factor;
            for (const auto& [key, value] : topic.configs) {
                creatable.configs.push_back({key, value});
            }
        }
        TRY_ASSIGN(auto response, link.call<protocol::CreateTopicsResponse>(
                                      request, std::min(deadline, cluster_->request_deadline())));
        std::vector<ItemResult> results;
        for (const auto& topic : response.topics) {
            results.push_back(
                {topic.name, kafka_error_from_wire(topic.error_code), topic.error_message});
        }
        return results;
    });
}

Result<std::vector<ItemResult>> Admin::delete_topics(const std::vector<std::string>& topics,
                                                     Instant deadline) {
    return at_controller(topics, deadline, [&](BrokerLink& link, const std::vector<std::string>& left)
                                               -> Result<std::vector<ItemResult>> {
        protocol::DeleteTopicsRequest request;
        request.timeout_ms = static_cast<int32_t>(to_ms(cluster_->config().request_timeout));
        if (link.version(ApiKey::delete_topics).value_or(0) >= 6) {
            for (const std::string& name : left) request.topics.push_back({name, protocol::Uuid{}});
        } else {
            request.topic_names = left;
        }
        TRY_ASSIGN(auto response, link.call<protocol::DeleteTopicsResponse>(
                                      request, std::min(deadline, cluster_->request_deadline())));
        std::vector<ItemResult> results;
        for (const auto& topic : response.responses) {
            results.push_back({topic.name.value_or(""), kafka_error_from_wire(topic.error_code),
                               topic.error_message});
        }
        return results;
    });
}

Result<std::vector<TopicMetadata>> Admin::describe_topics(const std::vector<std::string>& topics,
                                                          Instant deadline) {
    // Only this call's answer counts: no auto-creation, and a topic absent from it is unknown.
    protocol::MetadataRequest request;
    request.allow_auto_topic_creation = false;
    request.topics.emplace();
    for (const std::string& name : topics) request.topics->push_back({protocol::Uuid{}, name});
    TRY_ASSIGN(auto link, cluster_->any_link(deadline));
    TRY_ASSIGN(auto response, link->call<protocol::MetadataResponse>(
                                  request, std::min(deadline, cluster_->request_deadline())));
    std::vector<TopicMetadata> described;
    for (const std::string& name : topics) {
        TopicMetadata metadata;
        metadata.name = name;
        metadata.error = KafkaError::unknown_topic_or_partition;
        for (const auto& topic : response.topics) {
            if (topic.name != name) continue;
            metadata.error = kafka_error_from_wire(topic.error_code);
            metadata.internal = topic.is_internal;
            for (const auto& partition : topic.partitions) {
                PartitionMetadata p;
                p.partition = PartitionId(partition.partition_index);
                p.error = kafka_error_from_wire(partition.error_code);
                p.leader = NodeId(partition.leader_id);
                p.leader_epoch = LeaderEpoch(partition.leader_epoch);
                for (int32_t id : partition.replica_nodes) p.replicas.push_back(NodeId(id));
                for (int32_t id : partition.isr_nodes) p.isr.push_back(NodeId(id));
                for (int32_t id : partition.offline_replicas) {
                    p.offline_replicas.push_back(NodeId(id));
                }
                metadata.partitions.push_back(std::move(p));
            }
            std::sort(metadata.partitions.begin(), metadata.partitions.end(),
                      [](const auto& a, const auto& b) { return a.partition < b.partition; });
        }
        described.push_back(std::move(metadata));
    }
    return described;
}

Result<std::vector<std::string>> Admin::list_topics(Instant deadline, bool include_internal) {
    TRY_ASSIGN(auto response, cluster_->refresh(std::nullopt, deadline));
    std::vector<std::string> names;
    for (const auto& topic : response.topics) {
        if (!topic.name || (topic.is_internal && !include_internal)) continue;
        names.push_back(*topic.name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

Result<std::vector<ItemResult>> Admin::create_partitions(
    const std::map<std::string, int32_t>& totals, Instant deadline) {
    std::vector<std::string> names;
    for (const auto& [name, count] : totals) names.push_back(name);
    return at_controller(names, deadline, [&](BrokerLink& link, const std::vector<std::string>& left)
                                              -> Result<std::vector<ItemResult>> {
        protocol::CreatePartitionsRequest request;
        request.timeout_ms = static_cast<int32_t>(to_ms(cluster_->config().request_timeout));
        for (const std::string& name : left) {
            auto& topic = request.topics.emplace_back();
            topic.name = name;
            topic.count_field = totals.at(name);
            topic.assignments = std::nullopt;
        }
        TRY_ASSIGN(auto response, link.call<protocol::CreatePartitionsResponse>(
                                      request, std::min(deadline, cluster_->request_deadline())));
        std::vector<ItemResult> results;
        for (const auto& topic : response.results) {
            results.push_back(
                {topic.name, kafka_error_from_wire(topic.error_code), topic.error_message});
        }
        return results;
    });
}

Result<std::vector<ResourceConfigs>> Admin::describe_configs(
    const std::vector<ConfigResource>& resources, Instant deadline) {
    TRY_ASSIGN(auto link, cluster_->any_link(deadline));
    protocol::DescribeConfigsRequest request;
    for (const ConfigResource& resource : resources) {
        auto& asked = request.resources.emplace_back();
        asked.resource_type = static_cast<int8_t>(resource.type);
        asked.resource_name = resource.name;
        asked.configuration_keys = std::nullopt;
    }
    TRY_ASSIGN(auto response, link->call<protocol::DescribeConfigsResponse>(
                                  request, std::min(deadline, cluster_->request_deadline())));
    std::vector<ResourceConfigs> results;
    for (const auto& result : response.results) {
        ResourceConfigs configs;
        configs.resource = {static_cast<ConfigResource::Type>(result.resource_type),
                            result.resource_name};
        configs.error = kafka_error_from_wire(result.error_code);
        configs.message = result.error_message;
        for (const auto& entry : result.configs) {
            configs.entries.push_back({entry.name, entry.value, entry.read_only, entry.is_default,
                                       entry.is_sensitive, entry.config_source});
        }
        results.push_back(std::move(configs));
    }
    return results;
}

Result<std::vector<ItemResult>> Admin::incremental_alter_configs(
    const std::map<ConfigResource, std::vector<ConfigChange>>& changes, Instant deadline) {
    TRY_ASSIGN(auto link, cluster_->any_link(deadline));
    Instant call_deadline = std::min(deadline, cluster_->request_deadline());
    std::vector<ItemResult> results;
    if (link->version(ApiKey::incremental_alter_configs)) {
        protocol::IncrementalAlterConfigsRequest request;
        for (const auto& [resource, list] : changes) {
            auto& alter = request.resources.emplace_back();
            alter.resource_type = static_cast<int8_t>(resource.type);
            alter.resource_name = resource.name;
            for (const ConfigChange& change : list) {
                alter.configs.push_back(
                    {change.name, static_cast<int8_t>(change.op), change.value});
            }
        }
        TRY_ASSIGN(auto response,
                   link->call<protocol::IncrementalAlterConfigsResponse>(request, call_deadline));
        for (const auto& answer : response.responses) {
            results.push_back({answer.resource_name, kafka_error_from_wire(answer.error_code),
                               answer.error_message});
        }
        return results;
    }
    // AlterConfigs replaces a resource's whole set of overrides: start from the current ones.
    std::vector<ConfigResource> resources;
    for (const auto& [resource, list] : changes) resources.push_back(resource);
    TRY_ASSIGN(std::vector<ResourceConfigs> current, describe_configs(resources, deadline));
    protocol::AlterConfigsRequest request;
    for (const ResourceConfigs& described : current) {
        std::map<std::string, std::optional<std::string>> overrides;
        for (const ConfigEntry& entry : described.entries) {
            if (!entry.is_default && !entry.read_only) overrides[entry.name] = entry.value;
        }
        for (const ConfigChange& change : changes.at(described.resource)) {
            if (change.op == AlterOp::set) {
                overrides[change.name] = change.value;
            } else if (change.op == AlterOp::remove) {
                overrides.erase(change.name);
            } else {
                return Error(ErrorCode::unsupported,
                             link->describe() + ": append/subtract need IncrementalAlterConfigs");
            }
        }
        auto& alter = request.resources.emplace_back();
        alter.resource_type = static_cast<int8_t>(described.resource.type);
        alter.resource_name = described.resource.name;
        for (const auto& [name, value] : overrides) alter.configs.push_back({name, value});
    }
    TRY_ASSIGN(auto response, link->call<protocol::AlterConfigsResponse>(request, call_deadline));
    for (const auto& answer : response.responses) {
        results.push_back(
            {answer.resource_name, kafka_error_from_wire(answer.error_code), answer.error_message});
    }
    return results;
}

Result<std::vector<ListedOffset>> Admin::list_offsets(
    const std::map<TopicPartition, int64_t>& query, Instant deadline) {
    return client::list_offsets(*cluster_, query, deadline);
}

Result<std::vector<GroupListing>> Admin::list_groups(Instant deadline) {
    TRY(cluster_->refresh(std::vector<std::string>{}, deadline));
    std::vector<GroupListing> groups;
    std::map<NodeId, BrokerMetadata> brokers = cluster_->brokers();
    for (const auto& [node, broker] : brokers) {
        TRY_ASSIGN(auto link, cluster_->link(node, deadline));
        protocol::ListGroupsRequest request;
        TRY_ASSIGN(auto response, link->call<protocol::ListGroupsResponse>(
                                      request, std::min(deadline, cluster_->request_deadline())));
        KafkaError error = kafka_error_from_wire(response.error_code);
        if (error != KafkaError::none)
            return kafka_failure(link->describe() + ": ListGroups", error);
        for (const auto& group : response.groups) {
            groups.push_back({group.group_id, group.protocol_type, group.group_state});
        }
    }
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
    return groups;
}

Result<std::vector<GroupDescription>> Admin::describe_groups(const std::vector<std::string>& groups,
                                                             Instant deadline) {
    std::vector<GroupDescription> described;
    for (const std::string& group_id : groups) {
        TRY_ASSIGN(auto link, cluster_->coordinator_link(group_id, deadline));
        protocol::DescribeGroupsRequest request;
        request.groups = {group_id};
        TRY_ASSIGN(auto response, link->call<protocol::DescribeGroupsResponse>(
                                      request, std::min(deadline, cluster_->request_deadline())));
        for (const auto& group : response.groups) {
            GroupDescription description;
            description.group_id = group.group_id;
            description.error = kafka_error_from_wire(group.error_code);
            description.state = group.group_state;
            description.protocol_type = group.protocol_type;
            description.protocol = group.protocol_data;
            for (const auto& member : group.members) {
                MemberDescription m;
                m.member_id = member.member_id;
                m.group_instance_id = member.group_instance_id;
                m.client_id = member.client_id;
                m.client_host = member.client_host;
                if (group.protocol_type == "consumer") {
                    // Best effort: a member's bytes that do not decode leave its list empty.
                    auto assignment = protocol::decode_assignment(member.member_assignment);
                    if (assignment) {
                        for (const auto& [topic, partitions] : assignment->partitions) {
                            for (PartitionId partition : partitions) {
                                m.assignment.push_back({topic, partition});
                            }
                        }
                    }
                }
                description.members.push_back(std::move(m));
            }
            described.push_back(std::move(description));
        }
    }
    return described;
}

Result<GroupOffsets> Admin::list_consumer_group_offsets(
    const std::string& group_id, std::optional<std::vector<TopicPartition>> partitions,
    Instant deadline) {
    return fetch_committed(*cluster_, group_id, partitions, deadline);
}

}  // namespace brook::client
