// ControllerApis' topic and config requests (controller_apis.h): CreateTopics, DeleteTopics,
// CreatePartitions, IncrementalAlterConfigs and AlterConfigs.
#include <set>

#include "core/node/controller_apis.h"

namespace brook::node {

using controller::Controller;
using protocol::KafkaError;
using protocol::to_wire;

namespace {

// Kafka's messages are null when there is no error, and the command's text otherwise.
std::optional<std::string> message_of(KafkaError error, const std::string& message) {
    if (error == KafkaError::none) return std::nullopt;
    return message;
}

// Replicas by partition id from Kafka's CreatableReplicaAssignment list. An id outside 0..n-1
// or given twice leaves a slot empty, which the controller refuses as
// INVALID_REPLICA_ASSIGNMENT (Kafka's "partitions should be a consecutive 0-based integer
// sequence").
std::vector<std::vector<NodeId>> assignment_of(
    const std::vector<protocol::CreateTopicsRequest::CreatableReplicaAssignment>& assignments) {
    std::vector<std::vector<NodeId>> replicas(assignments.size());
    std::set<int32_t> seen;
    for (const auto& assignment : assignments) {
        int32_t index = assignment.partition_index;
        if (index < 0 || static_cast<std::size_t>(index) >= replicas.size()) continue;
        if (!seen.insert(index).second) {
            replicas[static_cast<std::size_t>(index)].clear();
            continue;
        }
        for (int32_t broker : assignment.broker_ids) {
            replicas[static_cast<std::size_t>(index)].push_back(NodeId(broker));
        }
    }
    return replicas;
}

std::optional<metadata::ConfigResourceType> resource_type_of(int8_t wire) {
    switch (wire) {
        case static_cast<int8_t>(metadata::ConfigResourceType::topic):
            return metadata::ConfigResourceType::topic;
        case static_cast<int8_t>(metadata::ConfigResourceType::broker):
            return metadata::ConfigResourceType::broker;
        default:
            return std::nullopt;
    }
}

// A resource's answer in IncrementalAlterConfigs and AlterConfigs, which share its shape.
template <typename ResourceResponse>
ResourceResponse resource_answer(int8_t type, const std::string& name, KafkaError error,
                                 const std::string& message) {
    ResourceResponse out;
    out.resource_type = type;
    out.resource_name = name;
    out.error_code = to_wire(error);
    out.error_message = message_of(error, message);
    return out;
}

template <typename ResourceResponse>
ResourceResponse resource_answer(int8_t type, const std::string& name,
                                 const std::optional<controller::AlterConfigsReply>& reply) {
    if (!reply)
        return resource_answer<ResourceResponse>(type, name, KafkaError::not_controller, "");
    return resource_answer<ResourceResponse>(type, name, reply->error, reply->error_message);
}

template <typename ResourceResponse, typename Resource>
ResourceResponse unsupported_type(const Resource& resource) {
    return resource_answer<ResourceResponse>(
        resource.resource_type, resource.resource_name, KafkaError::invalid_request,
        fmt::format("unsupported resource type {}", resource.resource_type));
}

}  // namespace

protocol::CreateTopicsResponse ControllerApis::create_topics(
    const protocol::CreateTopicsRequest& request, int16_t version) {
    controller::CreateTopicsCommand command{.validate_only = request.validate_only};
    for (const auto& topic : request.topics) {
        controller::CreateTopicCommand created{.name = topic.name,
                                               .num_partitions = topic.num_partitions,
                                               .replication_factor = topic.replication_factor,
                                               .assignment = assignment_of(topic.assignments)};
        for (const auto& config : topic.configs) {
            // A null value is "no override", as Kafka's controller reads it.
            if (config.value) created.configs[config.name] = *config.value;
        }
        command.topics.push_back(std::move(created));
    }
    std::optional<std::vector<controller::CreateTopicResult>> results =
        active_.run_command<std::vector<controller::CreateTopicResult>>(
            [&](Controller& controller, Offset next, int64_t) {
                return controller.create_topics(command, next);
            });  // May suspend.
    protocol::CreateTopicsResponse response;
    for (std::size_t i = 0; i < request.topics.size(); ++i) {
        protocol::CreateTopicsResponse::CreatableTopicResult out;
        out.name = request.topics[i].name;
        if (version >= 5) out.configs.reset();  // null: Brook does not describe them here
        if (!results) {
            out.error_code = to_wire(KafkaError::not_controller);
            out.error_message.reset();
        } else {
            const controller::CreateTopicResult& result = results->at(i);
            out.error_code = to_wire(result.error);
            out.error_message = message_of(result.error, result.error_message);
            out.topic_id = result.topic_id;
            out.num_partitions = result.num_partitions;
            out.replication_factor = result.replication_factor;
        }
        response.topics.push_back(std::move(out));
    }
    return response;
}

protocol::DeleteTopicsResponse ControllerApis::delete_topics(
    const protocol::DeleteTopicsRequest& request, int16_t version) {
    // v0-5 name topics in topic_names, v6+ by name or by id in topics.
    struct Wanted {
        std::optional<std::string> name;
        metadata::Uuid id{};
    };
    std::vector<Wanted> wanted;
    if (version < 6) {
        for (const std::string& name : request.topic_names) wanted.push_back({name, {}});
    } else {
        for (const auto& topic : request.topics) wanted.push_back({topic.name, topic.topic_id});
    }
    // Filled inside the command, where the controller's image resolves ids to names.
    std::vector<protocol::DeleteTopicsResponse::DeletableTopicResult> answers(wanted.size());
    bool done = active_.execute([&](Controller& controller, Offset, int64_t) {
        controller::DeleteTopicsCommand command;
        std::vector<std::size_t> asked;  // which of `wanted` each command name answers
        std::set<std::string> named;
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            answers[i].name = wanted[i].name;
            answers[i].topic_id = wanted[i].id;
            std::optional<std::string> name = wanted[i].name;
            if (!name) {
                const metadata::TopicImage* topic = controller.image().topic(wanted[i].id);
                if (topic == nullptr) {
                    answers[i].error_code = to_wire(KafkaError::unknown_topic_id);
                    continue;
                }
                name = topic->name;
                answers[i].name = name;
            }
            if (!named.insert(*name).second) {
                answers[i].error_code = to_wire(KafkaError::invalid_request);
                answers[i].error_message = "Duplicate topic name.";
                continue;
            }
            command.names.push_back(*name);
            asked.push_back(i);
        }
        controller::ControllerResult<std::vector<controller::DeleteTopicResult>> result =
            controller.delete_topics(command);
        for (std::size_t j = 0; j < asked.size(); ++j) {
            const controller::DeleteTopicResult& deleted = result.reply.at(j);
            answers[asked[j]].error_code = to_wire(deleted.error);
            if (deleted.error == KafkaError::none) answers[asked[j]].topic_id = deleted.topic_id;
        }
        return std::move(result.records);
    });  // May suspend.
    protocol::DeleteTopicsResponse response;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (!done) {
            answers[i] = {wanted[i].name, wanted[i].id, to_wire(KafkaError::not_controller), {}};
        }
        response.responses.push_back(std::move(answers[i]));
    }
    return response;
}

protocol::CreatePartitionsResponse ControllerApis::create_partitions(
    const protocol::CreatePartitionsRequest& request) {
    protocol::CreatePartitionsResponse response;
    std::set<std::string> seen;
    // One command per topic: the controller replays each before it decides the next.
    for (const auto& topic : request.topics) {
        protocol::CreatePartitionsResponse::CreatePartitionsTopicResult out{topic.name};
        if (!seen.insert(topic.name).second) {
            out.error_code = to_wire(KafkaError::invalid_request);
            out.error_message = "Duplicate topic name.";
            response.results.push_back(std::move(out));
            continue;
        }
        controller::CreatePartitionsCommand command{.topic = topic.name,
                                                    .count = topic.count_field,
                                                    .validate_only = request.validate_only};
        if (topic.assignments) {
            for (const auto& assignment : *topic.assignments) {
                std::vector<NodeId> replicas;
                for (int32_t broker : assignment.broker_ids) replicas.push_back(NodeId(broker));
                command.assignment.push_back(std::move(replicas));
            }
        }
        std::optional<controller::CreatePartitionsReply> reply =
            active_.run_command<controller::CreatePartitionsReply>(
                [&](Controller& controller, Offset, int64_t) {
                    return controller.create_partitions(command);
                });  // May suspend.
        KafkaError error = reply ? reply->error : KafkaError::not_controller;
        out.error_code = to_wire(error);
        out.error_message = message_of(error, reply ? reply->error_message : std::string());
        response.results.push_back(std::move(out));
    }
    return response;
}

protocol::IncrementalAlterConfigsResponse ControllerApis::incremental_alter_configs(
    const protocol::IncrementalAlterConfigsRequest& request) {
    using Answer = protocol::IncrementalAlterConfigsResponse::AlterConfigsResourceResponse;
    protocol::IncrementalAlterConfigsResponse response;
    for (const auto& resource : request.resources) {
        std::optional<metadata::ConfigResourceType> type = resource_type_of(resource.resource_type);
        if (!type) {
            response.responses.push_back(unsupported_type<Answer>(resource));
            continue;
        }
        controller::AlterConfigsCommand command{.resource_type = *type,
                                                .resource_name = resource.resource_name,
                                                .validate_only = request.validate_only};
        std::string unsupported;
        for (const auto& config : resource.configs) {
            // SET 0, DELETE 1; APPEND 2 and SUBTRACT 3 edit list values, which no config Brook
            // keeps is.
            if (config.config_operation == 0) {
                command.changes.push_back(
                    {config.name, controller::ConfigOperation::set, config.value.value_or("")});
            } else if (config.config_operation == 1) {
                command.changes.push_back({config.name, controller::ConfigOperation::remove, ""});
            } else if (unsupported.empty()) {
                unsupported = fmt::format("config operation {} on {} is not supported",
                                          config.config_operation, config.name);
            }
        }
        if (!unsupported.empty()) {
            response.responses.push_back(
                resource_answer<Answer>(resource.resource_type, resource.resource_name,
                                        KafkaError::invalid_request, unsupported));
            continue;
        }
        std::optional<controller::AlterConfigsReply> reply =
            active_.run_command<controller::AlterConfigsReply>(
                [&](Controller& controller, Offset, int64_t) {
                    return controller.alter_configs(command);
                });  // May suspend.
        response.responses.push_back(
            resource_answer<Answer>(resource.resource_type, resource.resource_name, reply));
    }
    return response;
}

namespace {

// The legacy API replaces the resource's whole set: what the request leaves out is removed,
// which only the controller's image can say, so the command is built inside the controller's
// turn.
controller::AlterConfigsCommand replace_all(
    const controller::Controller& controller, metadata::ConfigResourceType type,
    const protocol::AlterConfigsRequest::AlterConfigsResource& resource, bool validate_only) {
    controller::AlterConfigsCommand command{.resource_type = type,
                                            .resource_name = resource.resource_name,
                                            .validate_only = validate_only};
    std::set<std::string> kept;
    for (const auto& config : resource.configs) {
        if (!config.value) continue;  // null: not set
        kept.insert(config.name);
        command.changes.push_back({config.name, controller::ConfigOperation::set, *config.value});
    }
    for (const auto& [name, value] :
         controller.image().configs_of({type, resource.resource_name})) {
        if (!kept.contains(name)) {
            command.changes.push_back({name, controller::ConfigOperation::remove, ""});
        }
    }
    return command;
}

}  // namespace

protocol::AlterConfigsResponse ControllerApis::alter_configs(
    const protocol::AlterConfigsRequest& request) {
    using Answer = protocol::AlterConfigsResponse::AlterConfigsResourceResponse;
    protocol::AlterConfigsResponse response;
    for (const auto& resource : request.resources) {
        std::optional<metadata::ConfigResourceType> type = resource_type_of(resource.resource_type);
        if (!type) {
            response.responses.push_back(unsupported_type<Answer>(resource));
            continue;
        }
        std::optional<controller::AlterConfigsReply> reply =
            active_.run_command<controller::AlterConfigsReply>(
                [&](Controller& controller, Offset, int64_t) {
                    return controller.alter_configs(
                        replace_all(controller, *type, resource, request.validate_only));
                });  // May suspend.
        response.responses.push_back(
            resource_answer<Answer>(resource.resource_type, resource.resource_name, reply));
    }
    return response;
}

}  // namespace brook::node
