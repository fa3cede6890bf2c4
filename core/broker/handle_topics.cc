// CreateTopics, DeleteTopics and CreatePartitions. Each topic in a request succeeds or fails on
// its own, with Kafka's error code and a message saying why. A KRaft broker sends the request on
// to the active controller and returns its answer (Kafka's forwarding); when no controller
// answers, every topic gets REQUEST_TIMED_OUT or NOT_CONTROLLER.
#include <set>

#include "core/broker/forwarding.h"
#include "core/broker/limits.h"
#include "core/broker/request_handlers.h"
#include "core/cluster/limits.h"

namespace brook::broker {

using protocol::KafkaError;

namespace {

bool assignments_name_only_us(const std::vector<int32_t>& broker_ids, NodeId node) {
    return broker_ids.size() == 1 && broker_ids.front() == node.value();
}

// Checks one CreatableTopic and works out its partition count and config.
std::optional<Refusal> check_creatable(const BrokerServices& services,
                                       const protocol::CreateTopicsRequest::CreatableTopic& topic,
                                       int32_t& partitions, cluster::TopicConfig& config) {
    if (Result<void> valid = cluster::validate_topic_name(topic.name); !valid) {
        return Refusal{KafkaError::invalid_topic_exception, valid.error().context()};
    }
    if (!topic.assignments.empty()) {
        if (topic.num_partitions != -1 || topic.replication_factor != -1) {
            return Refusal{KafkaError::invalid_request,
                           "give either assignments or partitions and replication factor"};
        }
        for (const auto& assignment : topic.assignments) {
            if (!assignments_name_only_us(assignment.broker_ids, services.config.node_id)) {
                return Refusal{KafkaError::invalid_replica_assignment,
                               fmt::format("only broker {} exists", services.config.node_id)};
            }
        }
        partitions = static_cast<int32_t>(topic.assignments.size());
    } else {
        partitions = topic.num_partitions == -1 ? services.config.num_partitions
                                                : topic.num_partitions;
        if (topic.replication_factor != -1 && topic.replication_factor != 1) {
            return Refusal{KafkaError::invalid_replication_factor,
                           fmt::format("replication factor {} is larger than the 1 broker",
                                       topic.replication_factor)};
        }
    }
    if (partitions < 1 || partitions > cluster::kPartitionsPerTopicMax) {
        return Refusal{KafkaError::invalid_partitions,
                       fmt::format("{} partitions; must be between 1 and {}", partitions,
                                   cluster::kPartitionsPerTopicMax)};
    }
    for (const auto& entry : topic.configs) {
        if (!entry.value) {
            return Refusal{KafkaError::invalid_config, fmt::format("{} has no value", entry.name)};
        }
        if (Result<void> set = config.set(entry.name, *entry.value); !set) {
            return Refusal{KafkaError::invalid_config, set.error().context()};
        }
    }
    return std::nullopt;
}

}  // namespace

protocol::CreateTopicsResponse handle_create_topics(BrokerServices& services,
                                                    const RequestContext& context,
                                                    const protocol::CreateTopicsRequest& request) {
    int16_t version = context.version();
    if (services.kraft()) {
        Result<protocol::CreateTopicsResponse> answer =
            forward_as<protocol::CreateTopicsResponse>(
                services, request, version,
                forward_deadline(services, request.timeout_ms));  // May suspend.
        if (answer) return std::move(answer).value();
        protocol::CreateTopicsResponse failed;
        for (const auto& topic : request.topics) {
            auto& out = failed.topics.emplace_back();
            out.name = topic.name;
            out.error_code = to_wire(forward_error_code(answer.error()));
            if (version >= 1) out.error_message = answer.error().describe();
        }
        return failed;
    }
    protocol::CreateTopicsResponse response;
    std::map<std::string, int> seen;
    for (const auto& topic : request.topics) ++seen[topic.name];
    for (const auto& topic : request.topics) {
        auto& out = response.topics.emplace_back();
        out.name = topic.name;
        auto refuse = [&](KafkaError error, std::string message) {
            out.error_code = to_wire(error);
            if (version >= 1) out.error_message = std::move(message);
        };
        if (seen[topic.name] > 1) {
            refuse(KafkaError::invalid_request, "topic named twice in one request");
            continue;
        }
        int32_t partitions = 0;
        cluster::TopicConfig config;
        if (auto refusal = check_creatable(services, topic, partitions, config)) {
            refuse(refusal->error, std::move(refusal->message));
            continue;
        }
        Result<void> created = services.topics.create_topic(topic.name, partitions, config,
                                                            request.validate_only);
        if (!created) {
            bool exists = created.error().code() == ErrorCode::already_exists;
            refuse(exists ? KafkaError::topic_already_exists : KafkaError::kafka_storage_error,
                   created.error().context());
            continue;
        }
        if (version >= 1) out.error_message = std::nullopt;
        if (version >= 5) {
            out.num_partitions = partitions;
            out.replication_factor = 1;
            out.configs.emplace();
            for (const cluster::ConfigEntry& entry : config.describe(
                     services.config.log_defaults(), services.config.explicit_values())) {
                out.configs->push_back({entry.name, entry.value, false,
                                        static_cast<int8_t>(entry.source), false});
            }
        }
    }
    return response;
}

protocol::DeleteTopicsResponse handle_delete_topics(BrokerServices& services,
                                                    const RequestContext& context,
                                                    const protocol::DeleteTopicsRequest& request) {
    if (services.kraft()) {
        Result<protocol::DeleteTopicsResponse> answer =
            forward_as<protocol::DeleteTopicsResponse>(
                services, request, context.version(),
                forward_deadline(services, request.timeout_ms));  // May suspend.
        if (answer) return std::move(answer).value();
        protocol::DeleteTopicsResponse failed;
        for (const std::string& name : request.topic_names) {
            auto& out = failed.responses.emplace_back();
            out.name = name;
            out.error_code = to_wire(forward_error_code(answer.error()));
        }
        return failed;
    }
    protocol::DeleteTopicsResponse response;
    for (const std::string& name : request.topic_names) {
        auto& out = response.responses.emplace_back();
        out.name = name;
        Result<void> deleted = services.topics.delete_topic(name);  // May suspend.
        if (!deleted) {
            out.error_code = to_wire(deleted.error().code() == ErrorCode::not_found
                                         ? KafkaError::unknown_topic_or_partition
                                         : KafkaError::kafka_storage_error);
            services.log.info("delete topic {} for {}: {}", name, context.peer.to_string(),
                              deleted.error().describe());
        }
    }
    return response;
}

protocol::CreatePartitionsResponse handle_create_partitions(
    BrokerServices& services, const RequestContext& context,
    const protocol::CreatePartitionsRequest& request) {
    if (services.kraft()) {
        Result<protocol::CreatePartitionsResponse> answer =
            forward_as<protocol::CreatePartitionsResponse>(
                services, request, context.version(),
                forward_deadline(services, request.timeout_ms));  // May suspend.
        if (answer) return std::move(answer).value();
        protocol::CreatePartitionsResponse failed;
        for (const auto& topic : request.topics) {
            auto& out = failed.results.emplace_back();
            out.name = topic.name;
            out.error_code = to_wire(forward_error_code(answer.error()));
            out.error_message = answer.error().describe();
        }
        return failed;
    }
    protocol::CreatePartitionsResponse response;
    for (const auto& topic : request.topics) {
        auto& out = response.results.emplace_back();
        out.name = topic.name;
        auto refuse = [&](KafkaError error, std::string message) {
            out.error_code = to_wire(error);
            out.error_message = std::move(message);
        };
        if (topic.assignments) {
            bool ours = true;
            for (const auto& assignment : *topic.assignments) {
                ours = ours && assignments_name_only_us(assignment.broker_ids,
                                                        services.config.node_id);
            }
            if (!ours) {
                refuse(KafkaError::invalid_replica_assignment,
                       fmt::format("only broker {} exists", services.config.node_id));
                continue;
            }
        }
        Result<void> grown = services.topics.add_partitions(topic.name, topic.count_field,
                                                            request.validate_only);
        if (!grown) {
            switch (grown.error().code()) {
                case ErrorCode::not_found:
                    refuse(KafkaError::unknown_topic_or_partition, grown.error().context());
                    break;
                case ErrorCode::invalid_argument:
                    refuse(KafkaError::invalid_partitions, grown.error().context());
                    break;
                default: refuse(KafkaError::kafka_storage_error, grown.error().context());
            }
        }
    }
    return response;
}

}  // namespace brook::broker
