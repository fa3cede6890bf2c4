// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. Topic configs are Brook's
// TopicConfig keys; the broker's own configuration can be described but not altered at run
// time (it comes from server.properties and --override). A KRaft broker sends the topic
// resources of an alteration on to the active controller (the metadata log keeps topic configs)
// and describes a topic's configs as the committed view names them.
#include "core/broker/forwarding.h"
#include "core/broker/request_handlers.h"

namespace brook::broker {

using cluster::ConfigEntry;
using cluster::ConfigSource;
using cluster::ConfigType;
using cluster::TopicConfig;

using protocol::KafkaError;

namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
    if (!keys || keys->empty()) return true;
    return std::find(keys->begin(), keys->end(), name) != keys->end();
}

void add_entry(protocol::DescribeConfigsResponse::DescribeConfigsResult& result,
               const ConfigEntry& entry, int16_t version, bool synonyms) {
    auto& out = result.configs.emplace_back();
    out.name = entry.name;
    out.value = entry.value;
    if (version == 0) {
        out.is_default = entry.source == ConfigSource::default_config;
    } else {
        out.config_source = static_cast<int8_t>(entry.source);
        if (synonyms) out.synonyms.push_back({entry.name, entry.value, out.config_source});
    }
    if (version >= 3) {
        out.config_type = static_cast<int8_t>(entry.type);
        out.documentation = std::nullopt;
    }
}

std::optional<Refusal> check_broker_name(const BrokerServices& services, const std::string& name) {
    if (name.empty() || name == fmt::format("{}", services.config.node_id)) return std::nullopt;
    return Refusal{KafkaError::invalid_request, fmt::format("this is broker {}, not {}",
                                                            services.config.node_id, name)};
}

// Applies a whole new set of topic overrides (both Alter APIs end here).
std::optional<Refusal> apply_topic_config(BrokerServices& services, const std::string& topic,
                                          const TopicConfig& config, bool validate_only) {
    if (services.topics.find(topic) == nullptr) {
        return Refusal{KafkaError::unknown_topic_or_partition,
                       fmt::format("topic {} does not exist", topic)};
    }
    if (validate_only) return std::nullopt;
    Result<void> altered = services.topics.alter_config(topic, config);  // May suspend.
    if (!altered) {
        bool gone = altered.error().code() == ErrorCode::not_found;
        return Refusal{gone ? KafkaError::unknown_topic_or_partition
                            : KafkaError::kafka_storage_error,
                       altered.error().context()};
    }
    return std::nullopt;
}

template <typename Result>
void refuse(Result& out, const std::optional<Refusal>& refusal) {
    if (!refusal) {
        out.error_message = std::nullopt;
        return;
    }
    out.error_code = to_wire(refusal->error);
    out.error_message = refusal->message;
}

constexpr std::string_view kOnlyTopics = "only topic configurations can be altered";

// KRaft mode: one request with the topic resources goes to the controller; every other
// resource is refused here, as in single-node mode. Answers keep the request's order.
// May suspend.
template <typename Response, typename Request>
Response alter_through_controller(BrokerServices& services, const RequestContext& context,
                                  const Request& request) {
    Request topics_only = request;
    std::erase_if(topics_only.resources,
                  [](const auto& resource) { return resource.resource_type != kTopicResource; });
    std::optional<Result<Response>> answer;
    if (!topics_only.resources.empty()) {
        answer = forward_as<Response>(services, topics_only, context.version(),
                                      forward_deadline(services));  // May suspend.
    }
    Response response;
    for (const auto& resource : request.resources) {
        auto& out = response.responses.emplace_back();
        out.resource_type = resource.resource_type;
        out.resource_name = resource.resource_name;
        out.error_message = std::nullopt;
        if (resource.resource_type != kTopicResource) {
            out.error_code = to_wire(KafkaError::invalid_request);
            out.error_message = std::string(kOnlyTopics);
        } else if (!*answer) {
            out.error_code = to_wire(forward_error_code(answer->error()));
            out.error_message = answer->error().describe();
        } else {
            auto& answered = (*answer)->responses;
            auto it = std::find_if(answered.begin(), answered.end(), [&](const auto& entry) {
                return entry.resource_type == kTopicResource &&
                       entry.resource_name == resource.resource_name;
            });
            if (it == answered.end()) {
                out.error_code = to_wire(KafkaError::unknown_server_error);
                out.error_message = "the controller did not answer for this resource";
            } else {
                out = *it;
            }
        }
    }
    return response;
}

}  // namespace

protocol::DescribeConfigsResponse handle_describe_configs(
    BrokerServices& services, const RequestContext& context,
    const protocol::DescribeConfigsRequest& request) {
    int16_t version = context.version();
    bool synonyms = version >= 1 && request.include_synonyms;
    protocol::DescribeConfigsResponse response;
    for (const auto& resource : request.resources) {
        auto& result = response.results.emplace_back();
        result.resource_type = resource.resource_type;
        result.resource_name = resource.resource_name;
        result.error_message = std::nullopt;
        if (resource.resource_type == kTopicResource) {
            const cluster::Topic* topic = services.topics.find(resource.resource_name);
            if (topic == nullptr) {
                result.error_code = to_wire(KafkaError::unknown_topic_or_partition);
                result.error_message = fmt::format("topic {} does not exist", resource.resource_name);
                continue;
            }
            for (const ConfigEntry& entry : topic->config.describe(
                     services.config.log_defaults(), services.config.explicit_values())) {
                if (wanted(resource.configuration_keys, entry.name)) {
                    add_entry(result, entry, version, synonyms);
                }
            }
        } else if (resource.resource_type == kBrokerResource) {
            if (auto refusal = check_broker_name(services, resource.resource_name)) {
                result.error_code = to_wire(refusal->error);
                result.error_message = refusal->message;
                continue;
            }
            const auto& explicit_values = services.config.explicit_values();
            for (const auto& [name, value] : services.config.describe()) {
                if (!wanted(resource.configuration_keys, name)) continue;
                ConfigEntry entry{name, value,
                                  explicit_values.contains(name) ? ConfigSource::static_broker
                                                                 : ConfigSource::default_config,
                                  ConfigType::string};
                add_entry(result, entry, version, synonyms);
            }
        } else {
            result.error_code = to_wire(KafkaError::invalid_request);
            result.error_message = fmt::format("resource type {} is not supported",
                                               resource.resource_type);
        }
    }
    return response;
}

protocol::AlterConfigsResponse handle_alter_configs(BrokerServices& services,
                                                    const RequestContext& context,
                                                    const protocol::AlterConfigsRequest& request) {
    if (services.kraft()) {
        return alter_through_controller<protocol::AlterConfigsResponse>(services, context,
                                                                        request);
    }
    protocol::AlterConfigsResponse response;
    for (const auto& resource : request.resources) {
        auto& out = response.responses.emplace_back();
        out.resource_type = resource.resource_type;
        out.resource_name = resource.resource_name;
        std::optional<Refusal> refusal;
        if (resource.resource_type != kTopicResource) {
            refusal = Refusal{KafkaError::invalid_request, std::string(kOnlyTopics)};
        } else {
            // AlterConfigs replaces the whole set: keys not named return to their defaults.
            TopicConfig config;
            for (const auto& entry : resource.configs) {
                Result<void> set = entry.value ? config.set(entry.name, *entry.value)
                                               : config.unset(entry.name);
                if (!set) {
                    refusal = Refusal{KafkaError::invalid_config, set.error().context()};
                    break;
                }
            }
            if (!refusal) {
                refusal = apply_topic_config(services, resource.resource_name, config,
                                             request.validate_only);
            }
        }
        refuse(out, refusal);
    }
    return response;
}

protocol::IncrementalAlterConfigsResponse handle_incremental_alter_configs(
    BrokerServices& services, const RequestContext& context,
    const protocol::IncrementalAlterConfigsRequest& request) {
    if (services.kraft()) {
        return alter_through_controller<protocol::IncrementalAlterConfigsResponse>(
            services, context, request);
    }
    protocol::IncrementalAlterConfigsResponse response;
    for (const auto& resource : request.resources) {
        auto& out = response.responses.emplace_back();
        out.resource_type = resource.resource_type;
        out.resource_name = resource.resource_name;
        std::optional<Refusal> refusal;
        const cluster::Topic* topic = resource.resource_type == kTopicResource
                                 ? services.topics.find(resource.resource_name)
                                 : nullptr;
        if (resource.resource_type != kTopicResource) {
            refusal = Refusal{KafkaError::invalid_request, std::string(kOnlyTopics)};
        } else if (topic == nullptr) {
            refusal = Refusal{KafkaError::unknown_topic_or_partition,
                              fmt::format("topic {} does not exist", resource.resource_name)};
        } else {
            TopicConfig config = topic->config;  // a copy: changes apply only if all are valid
            for (const auto& entry : resource.configs) {
                Result<void> applied = Error(ErrorCode::invalid_argument);
                switch (entry.config_operation) {
                    case 0:  // SET
                        applied = entry.value ? config.set(entry.name, *entry.value)
                                              : Result<void>(Error(ErrorCode::invalid_argument,
                                                                   entry.name + " has no value"));
                        break;
                    case 1: applied = config.unset(entry.name); break;  // DELETE
                    default:
                        applied = Error(ErrorCode::invalid_argument,
                                        fmt::format("operation {} on {} is not supported",
                                                    entry.config_operation, entry.name));
                }
                if (!applied) {
                    refusal = Refusal{KafkaError::invalid_config, applied.error().context()};
                    break;
                }
            }
            if (!refusal) {
                refusal = apply_topic_config(services, resource.resource_name, config,
                                             request.validate_only);
            }
        }
        refuse(out, refusal);
    }
    return response;
}

}  // namespace brook::broker
