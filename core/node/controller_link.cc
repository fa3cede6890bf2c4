#include "core/node/controller_link.h"

#include <algorithm>

#include "core/base/check.h"
#include "core/client/broker_link.h"
#include "core/protocol/api_key.h"
#include "core/protocol/error_code.h"

namespace brook::node {

using protocol::AnyRequest;
using protocol::AnyResponse;

namespace {

constexpr int16_t kNotController = static_cast<int16_t>(protocol::KafkaError::not_controller);

template <typename Items>
bool any_item_not_controller(const Items& items) {
    for (const auto& item : items) {
        if constexpr (requires { item.error_code; }) {
            if (item.error_code == kNotController) return true;
        }
    }
    return false;
}

// Kafka's controller puts NOT_CONTROLLER at the top level (BrokerRegistration, BrokerHeartbeat,
// AllocateProducerIds, DescribeQuorum) or per item (CreateTopics' topics, DeleteTopics'
// responses, CreatePartitions' results, the config APIs' responses); Kafka's channel manager
// looks at every error of the response the same way (errorCounts).
template <typename Message>
bool message_says_not_controller(const Message& message) {
    if constexpr (requires { message.error_code; }) {
        if (message.error_code == kNotController) return true;
    }
    if constexpr (requires { message.topics.begin(); }) {
        if (any_item_not_controller(message.topics)) return true;
    }
    if constexpr (requires { message.responses.begin(); }) {
        if (any_item_not_controller(message.responses)) return true;
    }
    if constexpr (requires { message.results.begin(); }) {
        if (any_item_not_controller(message.results)) return true;
    }
    return false;
}

}  // namespace

bool says_not_controller(const AnyResponse& response) {
    return std::visit([](const auto& message) { return message_says_not_controller(message); },
                      response);
}

ControllerLink::ControllerLink(Environment& env, ControllerLinkOptions options,
                               LeaderSource leader)
    : env_(env),
      options_(std::move(options)),
      leader_(std::move(leader)),
      log_(env.log_sink, "node/controller-link-" + options_.purpose),
      mutex_(env.scheduler),
      closed_wake_(env.scheduler) {
    ASSERT(leader_, "a controller link needs a leader source");
    ASSERT(options_.request_timeout > Duration(0));
}

ControllerLink::~ControllerLink() {
    ASSERT(!mutex_.held(), "controller link destroyed while a fiber uses it");
}

void ControllerLink::close() {
    closed_ = true;
    // A fiber inside a call holds the connection: closing the socket ends its wait, and the
    // fiber drops the connection itself.
    if (connection_) connection_->close();
    closed_wake_.notify_all();
}

Result<AnyResponse> ControllerLink::forward(AnyRequest request, int16_t version,
                                            Instant deadline) {
    if (auto* allocate = std::get_if<protocol::AllocateProducerIdsRequest>(&request)) {
        allocate->broker_id = options_.self.value();
        allocate->broker_epoch = broker_epoch_ ? broker_epoch_().value() : -1;
    }
    return send(request, version, deadline, Version::exact);
}

Result<protocol::AlterPartitionResponse> ControllerLink::alter_partition(
    protocol::AlterPartitionRequest request, Instant deadline) {
    request.broker_id = options_.self.value();
    request.broker_epoch = broker_epoch_ ? broker_epoch_().value() : -1;
    TRY_ASSIGN(AnyResponse answer,
               send(AnyRequest(std::move(request)), kAlterPartitionVersion, deadline));
    // The connection decodes an answer as the response of the request's API.
    auto* response = std::get_if<protocol::AlterPartitionResponse>(&answer);
    ASSERT(response != nullptr, "AlterPartition answered as another API");
    return std::move(*response);
}

Result<AnyResponse> ControllerLink::send(const AnyRequest& request, int16_t version,
                                         Instant deadline, Version choice) {
    protocol::ApiKey api_key = protocol::api_key_of(request);
    Duration backoff = kControllerBackoffMin;
    std::string last_problem = "not tried";
    while (true) {
        if (closed_) return Error(ErrorCode::shutting_down, "controller link closed");
        Instant now = env_.clock.now();
        if (now >= deadline) {
            return Error(ErrorCode::timeout,
                         fmt::format("no active controller answered {} in time: {}",
                                     protocol::api_key_name(api_key), last_problem));
        }
        std::optional<NodeId> leader = leader_();
        if (!leader) {
            last_problem = "no quorum leader known";
        } else if (!options_.voters.contains(*leader)) {
            last_problem = fmt::format("quorum leader {} is not in controller.quorum.voters",
                                       *leader);
        } else {
            Instant attempt_deadline = std::min(deadline, now + options_.request_timeout);
            Result<AnyResponse> answer = attempt(*leader, request, version, choice,
                                                 attempt_deadline);
            if (answer.ok() && !says_not_controller(*answer)) return answer;
            if (!answer.ok()) {
                ErrorCode code = answer.error().code();
                if (code == ErrorCode::unsupported || code == ErrorCode::shutting_down) {
                    return answer;
                }
                last_problem = answer.error().describe();
            } else {
                last_problem = fmt::format("node {} answered NOT_CONTROLLER", *leader);
            }
        }
        log_.debug("{} not answered yet ({}); retrying in {} ms", protocol::api_key_name(api_key),
                   last_problem, to_ms(backoff));
        back_off(std::min(deadline, env_.clock.now() + backoff));  // May suspend.
        backoff = std::min(backoff * 2, kControllerBackoffMax);
    }
}

Result<AnyResponse> ControllerLink::attempt(NodeId leader, const AnyRequest& request,
                                            int16_t version, Version choice, Instant deadline) {
    Mutex::Lock lock = mutex_.acquire();  // May suspend.
    if (closed_) return Error(ErrorCode::shutting_down, "controller link closed");
    if (connected_to_ != leader) {
        drop_connection();
        TRY(connect(leader, deadline));  // May suspend.
    }
    protocol::ApiKey api_key = protocol::api_key_of(request);
    auto range = versions_.find(static_cast<int16_t>(api_key));
    if (range == versions_.end()) {
        return Error(ErrorCode::unsupported, fmt::format("controller {} does not serve {}",
                                                         leader, protocol::api_key_name(api_key)));
    }
    auto [lowest, highest] = range->second;
    int16_t use = choice == Version::highest_up_to ? std::min(version, highest) : version;
    if (use < lowest || use > highest) {
        return Error(ErrorCode::unsupported,
                     fmt::format("controller {} serves {} v{}-{}, not v{}", leader,
                                 protocol::api_key_name(api_key), lowest, highest, version));
    }
    Result<AnyResponse> answer = connection_->call(request, use, deadline);  // May suspend.
    if (!answer.ok()) {
        drop_connection();
        if (closed_) return Error(ErrorCode::shutting_down, "controller link closed");
        return answer.error().wrap(fmt::format("controller {}", leader));
    }
    return answer;
}

Result<void> ControllerLink::connect(NodeId leader, Instant deadline) {
    const Address& address = options_.voters.at(leader);
    std::string where = fmt::format("controller {} ({})", leader, address.to_string());
    std::string client_id = fmt::format("broker-{}-{}", options_.self, options_.purpose);
    TRY_ASSIGN(auto connected, client::connect_and_ask_versions(env_.network, address, client_id,
                                                                where, deadline));  // May suspend.
    auto [connection, versions] = std::move(connected);
    if (versions.error_code != 0) {
        connection->close();
        return Error(ErrorCode::disconnected,
                     fmt::format("{}: ApiVersions: {}", where,
                                 protocol::kafka_error_name(
                                     protocol::kafka_error_from_wire(versions.error_code))));
    }
    versions_.clear();
    for (const auto& api : versions.api_keys) {
        versions_[api.api_key] = {api.min_version, api.max_version};
    }
    if (closed_) {
        connection->close();
        return Error(ErrorCode::shutting_down, "controller link closed");
    }
    connection_ = std::move(connection);
    connected_to_ = leader;
    log_.info("connected to {}", where);
    return {};
}

void ControllerLink::drop_connection() {
    if (connection_) connection_->close();
    connection_.reset();
    connected_to_.reset();
    versions_.clear();
}

void ControllerLink::back_off(Instant until) {
    while (!closed_ && env_.clock.now() < until) {
        if (!closed_wake_.wait(until)) return;  // May suspend.
    }
}

}  // namespace brook::node
