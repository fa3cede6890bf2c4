#include "core/client/cluster.h"

#include <algorithm>


namespace brook::client {

using protocol::ApiKey;

Cluster::Cluster(Environment& env, ClusterConfig config)
    : env_(env),
      config_(std::move(config)),
      log_(env.log_sink, "client/" + config_.client_id),
      refresh_mutex_(env.scheduler),
      link_settled_(env.scheduler) {}

Cluster::~Cluster() { close(); }

void Cluster::close() {
    for (auto& [node, state] : nodes_) {
        if (state.link) state.link->close();
        state.link.reset();
    }
}

void Cluster::invalidate() { invalidated_ = true; }

Duration Cluster::retry_backoff(uint32_t failures) {
    constexpr uint32_t kDoublingsMax = 30;  // past this any sane maximum has been reached
    Duration base = config_.retry_backoff;
    for (uint32_t i = 0; i < std::min(failures, kDoublingsMax) && base < config_.retry_backoff_max;
         ++i) {
        base *= 2;
    }
    // retry.backoff.max.ms below retry.backoff.ms leaves retry.backoff.ms, as in Kafka.
    base = std::max(config_.retry_backoff, std::min(base, config_.retry_backoff_max));
    int64_t percent = env_.random.between(80, 120);  // integer odds: the simulator replays them
    return base * percent / 100;
}

bool Cluster::stale() const {
    return invalidated_ || !refreshed_at_ ||
           env_.clock.now() - *refreshed_at_ >= config_.metadata_max_age;
}

std::optional<TopicMetadata> Cluster::cached_topic(const std::string& name) const {
    auto found = topics_.find(name);
    if (found == topics_.end()) return std::nullopt;
    return found->second;
}

Result<Address> Cluster::address_of(NodeId node) const {
    if (node.value() < 0) {
        std::size_t index = static_cast<std::size_t>(-node.value() - 1);
        ASSERT(index < config_.bootstrap_servers.size());
        return config_.bootstrap_servers[index];
    }
    auto found = brokers_.find(node);
    if (found == brokers_.end()) {
        return Error(ErrorCode::not_found,
                     fmt::format("broker {} is not in the cluster's metadata", node.value()));
    }
    return found->second.address;
}

// One attempt at a time per node: fibers that ask while a connection is being opened wait for
// it instead of opening their own. Two racing attempts would let the later caller's link win
// (whichever handshake ends first) and its request overtake the earlier caller's: pipelined
// Produce batches of one partition would be appended out of order.
Result<std::shared_ptr<BrokerLink>> Cluster::open_link(NodeId node, const Address& address,
                                                       Instant deadline) {
    while (nodes_[node].opening) {
        if (!link_settled_.wait(deadline)) {  // May suspend.
            return Error(ErrorCode::timeout,
                         fmt::format("broker {} ({}): the deadline passed while connecting",
                                     node.value(), address.to_string()));
        }
    }
    NodeState& state = nodes_[node];
    if (state.link && !state.link->broken()) return state.link;
    if (state.link) {
        // A connection we had was lost: the leaders may have moved with it.
        state.link.reset();
        invalidate();
    }
    if (env_.clock.now() < state.retry_at) {
        if (state.retry_at >= deadline) {
            return Error(
                ErrorCode::timeout,
                fmt::format("broker {} ({}): reconnect backoff outlasts the deadline{}",
                            node.value(), address.to_string(),
                            state.last_error ? "; last: " + state.last_error->describe() : ""));
        }
    }
    state.opening = true;
    auto opened = attempt_link(node, address, deadline);  // May suspend.
    nodes_[node].opening = false;                        // re-looked up: other fibers ran
    link_settled_.notify_all();
    return opened;
}

Result<std::shared_ptr<BrokerLink>> Cluster::attempt_link(NodeId node, const Address& address,
                                                          Instant deadline) {
    if (Instant retry_at = nodes_[node].retry_at; env_.clock.now() < retry_at) {
        env_.clock.sleep_until(retry_at);  // May suspend.
    }
    Instant connect_deadline = std::min(deadline, env_.clock.now() + config_.request_timeout);
    auto opened = BrokerLink::open(env_.scheduler, env_.network, node, address, config_.client_id,
                                   connect_deadline);  // May suspend.
    NodeState& after = nodes_[node];                   // re-looked up: other fibers ran
    ASSERT(after.opening && !after.link, "a second link to broker {} opened", node.value());
    if (!opened) {
        // The caller's deadline cut the attempt short: not the broker's failure, so no backoff
        // (else a caller polling in steps of the backoff retries at its deadline forever).
        if (connect_deadline == deadline && opened.error().code() == ErrorCode::timeout &&
            env_.clock.now() >= deadline) {
            return opened.error();
        }
        Duration backoff = after.backoff == Duration{} ? config_.reconnect_backoff : after.backoff;
        after.retry_at = env_.clock.now() + backoff;
        after.backoff = std::min(backoff * 2, config_.reconnect_backoff_max);
        after.last_error = opened.error();
        log_.debug("{}", opened.error().describe());
        return opened.error();
    }
    after.backoff = Duration{};
    after.last_error.reset();
    after.link = *opened;
    return after.link;
}

Result<std::shared_ptr<BrokerLink>> Cluster::link(NodeId node, Instant deadline) {
    TRY_ASSIGN(Address address, address_of(node));
    return open_link(node, address, deadline);
}

Result<std::shared_ptr<BrokerLink>> Cluster::any_link(Instant deadline) {
    if (config_.bootstrap_servers.empty() && brokers_.empty()) {
        return Error(ErrorCode::invalid_argument, "no bootstrap servers");
    }
    std::optional<Error> last;
    while (true) {
        // A live link first; else each known broker, else each bootstrap server, in turn.
        for (auto& [node, state] : nodes_) {
            if (state.link && !state.link->broken()) return state.link;
        }
        std::vector<NodeId> candidates;
        for (const auto& [node, broker] : brokers_) candidates.push_back(node);
        if (candidates.empty()) {
            for (std::size_t i = 0; i < config_.bootstrap_servers.size(); ++i) {
                candidates.push_back(NodeId(-static_cast<int32_t>(i) - 1));
            }
        }
        Instant earliest_retry = kNever;
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            NodeId node = candidates[(next_bootstrap_ + i) % candidates.size()];
            NodeState& state = nodes_[node];
            if (env_.clock.now() < state.retry_at) {
                earliest_retry = std::min(earliest_retry, state.retry_at);
                continue;
            }
            auto opened = link(node, deadline);  // May suspend.
            if (opened) return opened;
            ++next_bootstrap_;  // the next call starts with another server
            last = opened.error();
            earliest_retry = std::min(earliest_retry, nodes_[node].retry_at);
        }
        if (earliest_retry >= deadline || env_.clock.now() >= deadline) break;
        env_.clock.sleep_until(earliest_retry);  // May suspend.
    }
    return Error(ErrorCode::disconnected,
                 "no broker reachable" + (last ? ": " + last->describe() : std::string()));
}

Result<protocol::MetadataResponse> Cluster::refresh(std::optional<std::vector<std::string>> topics,
                                                    Instant deadline) {
    Mutex::Lock lock = refresh_mutex_.acquire();  // May suspend.
    TRY_ASSIGN(std::shared_ptr<BrokerLink> broker, any_link(deadline));
    protocol::MetadataRequest request;
    if (topics) {
        request.topics.emplace();
        for (const std::string& name : *topics) request.topics->push_back({protocol::Uuid{}, name});
    } else {
        request.topics = std::nullopt;
    }
    request.allow_auto_topic_creation = config_.allow_auto_create_topics;
    auto response = broker->call<protocol::MetadataResponse>(
        request, std::min(deadline, request_deadline()));  // May suspend.
    if (!response) {
        invalidate();
        return response.error().wrap("Metadata");
    }
    absorb(*response, !topics.has_value());
    return response;
}

void Cluster::absorb(const protocol::MetadataResponse& response, bool all_topics) {
    std::map<NodeId, BrokerMetadata> brokers;
    for (const auto& broker : response.brokers) {
        NodeId node(broker.node_id);
        brokers[node] = BrokerMetadata{
            node, Address{broker.host, static_cast<uint16_t>(broker.port)}, broker.rack};
    }
    // A broker that moved or left: its link points at the wrong place.
    for (auto& [node, state] : nodes_) {
        if (node.value() < 0) continue;
        auto now = brokers.find(node);
        if (state.link && (now == brokers.end() || now->second.address != state.link->address())) {
            state.link->close();
            state.link.reset();
        }
    }
    if (!brokers.empty()) brokers_ = std::move(brokers);
    controller_ =
        response.controller_id >= 0 ? std::optional(NodeId(response.controller_id)) : std::nullopt;
    cluster_id_ = response.cluster_id;
    if (all_topics) topics_.clear();
    for (const auto& topic : response.topics) {
        if (!topic.name) continue;
        TopicMetadata metadata;
        metadata.name = *topic.name;
        metadata.error = protocol::kafka_error_from_wire(topic.error_code);
        metadata.internal = topic.is_internal;
        for (const auto& partition : topic.partitions) {
            PartitionMetadata p;
            p.partition = PartitionId(partition.partition_index);
            p.error = protocol::kafka_error_from_wire(partition.error_code);
            p.leader = NodeId(partition.leader_id);
            p.leader_epoch = LeaderEpoch(partition.leader_epoch);
            for (int32_t id : partition.replica_nodes) p.replicas.push_back(NodeId(id));
            for (int32_t id : partition.isr_nodes) p.isr.push_back(NodeId(id));
            for (int32_t id : partition.offline_replicas) p.offline_replicas.push_back(NodeId(id));
            metadata.partitions.push_back(std::move(p));
        }
        std::sort(metadata.partitions.begin(), metadata.partitions.end(),
                  [](const auto& a, const auto& b) { return a.partition < b.partition; });
        topics_[metadata.name] = std::move(metadata);
    }
    refreshed_at_ = env_.clock.now();
    invalidated_ = false;
    ++refresh_generation_;
}

Result<TopicMetadata> Cluster::topic(const std::string& name, Instant deadline) {
    interest_.insert(name);
    uint32_t failures = 0;
    while (true) {
        auto cached = topics_.find(name);
        if (!stale() && cached != topics_.end() && cached->second.error == KafkaError::none &&
            !cached->second.partitions.empty()) {
            return cached->second;
        }
        std::vector<std::string> wanted(interest_.begin(), interest_.end());
        auto refreshed = refresh(wanted, deadline);  // May suspend.
        std::optional<Error> failure;
        if (!refreshed) {
            failure = refreshed.error().wrap("topic " + name);
        } else {
            auto found = topics_.find(name);
            if (found == topics_.end()) {
                failure = kafka_failure("topic " + name, KafkaError::unknown_topic_or_partition);
            } else if (found->second.error != KafkaError::none) {
                failure = kafka_failure("topic " + name, found->second.error);
                bool creating = found->second.error == KafkaError::leader_not_available ||
                                (found->second.error == KafkaError::unknown_topic_or_partition &&
                                 config_.allow_auto_create_topics);
                if (!creating) return *failure;
            } else if (!found->second.partitions.empty()) {
                return found->second;
            }
        }
        Duration backoff = retry_backoff(failures++);
        if (env_.clock.now() + backoff >= deadline) {
            return failure ? *failure
                           : Error(ErrorCode::timeout, "topic " + name + ": no metadata");
        }
        invalidate();
        env_.clock.sleep_for(backoff);  // May suspend.
    }
}

Result<std::shared_ptr<BrokerLink>> Cluster::leader_link(const TopicPartition& tp,
                                                         Instant deadline) {
    TRY_ASSIGN(TopicMetadata topic, this->topic(tp.topic, deadline));
    if (tp.partition.value() < 0 ||
        static_cast<std::size_t>(tp.partition.value()) >= topic.partitions.size()) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("partition {} does not exist ({} has {})", tp.to_string(),
                                 tp.topic, topic.partitions.size()));
    }
    const PartitionMetadata& partition = topic.partitions[tp.partition.value()];
    if (partition.leader.value() < 0) {
        invalidate();
        return kafka_failure("partition " + tp.to_string(), partition.error != KafkaError::none
                                                                ? partition.error
                                                                : KafkaError::leader_not_available);
    }
    auto opened = link(partition.leader, deadline);
    if (!opened) return opened.error().wrap("partition " + tp.to_string());
    return opened;
}

Result<std::shared_ptr<BrokerLink>> Cluster::coordinator_link(const std::string& group_id,
                                                              Instant deadline) {
    if (auto known = coordinators_.find(group_id); known != coordinators_.end()) {
        auto link = this->link(known->second, deadline);  // May suspend.
        if (link) return link;
        coordinators_.erase(group_id);
    }
    uint32_t failures = 0;
    while (true) {
        TRY_ASSIGN(std::shared_ptr<BrokerLink> broker, any_link(deadline));
        protocol::FindCoordinatorRequest request;
        request.key_type = 0;  // a consumer group
        bool batched = broker->version(ApiKey::find_coordinator).value_or(0) >= 4;
        if (batched) {
            request.coordinator_keys = {group_id};
        } else {
            request.key = group_id;
        }
        TRY_ASSIGN(auto response, broker->call<protocol::FindCoordinatorResponse>(
                                      request, std::min(deadline, request_deadline())));
        int16_t error_code = response.error_code;
        int32_t node = response.node_id;
        std::string host = response.host;
        int32_t port = response.port;
        if (batched) {
            if (response.coordinators.size() != 1) {
                return Error(ErrorCode::corruption,
                             broker->describe() + ": FindCoordinator answer lacks the group");
            }
            const auto& coordinator = response.coordinators[0];
            error_code = coordinator.error_code;
            node = coordinator.node_id;
            host = coordinator.host;
            port = coordinator.port;
        }
        KafkaError error = protocol::kafka_error_from_wire(error_code);
        if (error == KafkaError::none) {
            brokers_.try_emplace(
                NodeId(node),
                BrokerMetadata{NodeId(node), Address{host, static_cast<uint16_t>(port)},
                               std::nullopt});
            coordinators_[group_id] = NodeId(node);
            return link(NodeId(node), deadline);
        }
        Error failure = kafka_failure(
            fmt::format("{}: group {}: FindCoordinator", broker->describe(), group_id), error);
        Duration backoff = retry_backoff(failures++);
        if (!is_retriable(error) || env_.clock.now() + backoff >= deadline) return failure;
        env_.clock.sleep_for(backoff);  // May suspend.
    }
}

}  // namespace brook::client
