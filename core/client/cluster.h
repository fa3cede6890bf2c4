// What a client knows of the cluster: the brokers, the topics and their partition leaders
// (Metadata), and one BrokerLink per broker. The producer, consumer and admin each own one.
//
//   Cluster cluster(env, ClusterConfig{.bootstrap_servers = {Address{"n1", 9092}}});
//   TRY_ASSIGN(TopicMetadata topic, cluster.topic("orders", deadline));
//   TRY_ASSIGN(auto link, cluster.leader_link({"orders", PartitionId(0)}, deadline));
//
// Bootstrap tries each address of bootstrap.servers in turn until one answers Metadata; from
// then on brokers are reached by the node id and address Metadata gives. Links are opened on
// first use with ApiVersions, and after a failure reopened no sooner than the reconnect backoff
// (doubling per failure up to its maximum, reset by a success); other retries wait
// retry_backoff(failures). The metadata cache is refreshed
// when older than metadata.max.age.ms and whenever a user reports an error that means it is
// stale (invalidate(): unknown topic or partition, not leader, leader not available, a broken
// connection). Errors name the broker, the topic and the Kafka error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/client/broker_link.h"
#include "core/client/client_errors.h"
#include "core/client/topic_partition.h"
#include "core/protocol/error_code.h"
#include "core/runtime/environment.h"
#include "core/runtime/mutex.h"

namespace brook::client {

using protocol::KafkaError;

struct ClusterConfig {
    std::vector<Address> bootstrap_servers;         // bootstrap.servers
    std::string client_id = "brook";                // client.id
    Duration request_timeout = seconds(30);         // request.timeout.ms
    Duration metadata_max_age = minutes(5);         // metadata.max.age.ms
    Duration reconnect_backoff = milliseconds(50);  // reconnect.backoff.ms
    Duration reconnect_backoff_max = seconds(1);    // reconnect.backoff.max.ms
    Duration retry_backoff = milliseconds(100);     // retry.backoff.ms
    Duration retry_backoff_max = seconds(1);        // retry.backoff.max.ms (KIP-580)
    bool allow_auto_create_topics = true;           // allow.auto.create.topics
};

struct PartitionMetadata {
    PartitionId partition{0};
    KafkaError error = KafkaError::none;
    NodeId leader{-1};  // -1: no leader now
    LeaderEpoch leader_epoch{-1};
    std::vector<NodeId> replicas;
    std::vector<NodeId> isr;
    std::vector<NodeId> offline_replicas;
};

struct TopicMetadata {
    std::string name;
    KafkaError error = KafkaError::none;
    bool internal = false;
    std::vector<PartitionMetadata> partitions;  // by partition id, 0..n-1
};

struct BrokerMetadata {
    NodeId node{-1};
    Address address;
    std::optional<std::string> rack;
};

class Cluster {
public:
    Cluster(Environment& env, ClusterConfig config);
    // No fiber may still be using the cluster.
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    // The topic's metadata, from the cache when fresh, else from a Metadata request (which may
    // auto-create it when the broker allows). A topic the broker reports with an error is a
    // Result error naming the topic and the Kafka error; a topic whose leaders are not all
    // known yet is retried until `deadline`. May suspend.
    Result<TopicMetadata> topic(const std::string& name, Instant deadline);

    // The cached metadata of a topic without any request, or nullopt.
    std::optional<TopicMetadata> cached_topic(const std::string& name) const;

    // Fetches metadata for `topics` (nullopt: every topic) now, and updates the cache.
    // May suspend.
    Result<protocol::MetadataResponse> refresh(std::optional<std::vector<std::string>> topics,
                                               Instant deadline);

    // Marks the cache stale: the next topic() asks the brokers again.
    void invalidate();

    // How long to wait before retry number `failures` + 1 of anything (KIP-580, as Kafka's
    // ExponentialBackoff): retry.backoff.ms doubled per failure so far, at most
    // retry.backoff.max.ms, then scaled by a random factor within +-20% so that clients a
    // leader change failed at the same moment do not retry in step.
    Duration retry_backoff(uint32_t failures);

    // A live link to the node, opened (or reopened after the backoff) as needed. May suspend.
    Result<std::shared_ptr<BrokerLink>> link(NodeId node, Instant deadline);
    // A live link to the partition's current leader. May suspend.
    Result<std::shared_ptr<BrokerLink>> leader_link(const TopicPartition& tp, Instant deadline);
    // A live link to any broker (the first that answers, bootstrap servers before metadata is
    // known). May suspend.
    Result<std::shared_ptr<BrokerLink>> any_link(Instant deadline);
    // A link to the coordinator of a consumer group: the one remembered, else FindCoordinator.
    // May suspend.
    Result<std::shared_ptr<BrokerLink>> coordinator_link(const std::string& group_id,
                                                         Instant deadline);
    // Forgets the group's coordinator (after NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a
    // lost connection): the next coordinator_link() asks FindCoordinator again.
    void forget_coordinator(const std::string& group_id) { coordinators_.erase(group_id); }

    // The brokers of the last metadata, by node id.
    const std::map<NodeId, BrokerMetadata>& brokers() const { return brokers_; }
    std::optional<NodeId> controller() const { return controller_; }
    std::optional<std::string> cluster_id() const { return cluster_id_; }

    // Drops every link (a client that closes).
    void close();

    Environment& env() const { return env_; }
    const ClusterConfig& config() const { return config_; }
    Logger& log() { return log_; }
    Instant request_deadline() const { return env_.clock.now() + config_.request_timeout; }

private:
    struct NodeState {
        std::shared_ptr<BrokerLink> link;
        Instant retry_at{};  // no reconnect before this
        Duration backoff{};  // the next backoff after a failure
        std::optional<Error> last_error;
        bool opening = false;  // a fiber is connecting; others wait on link_settled_
    };

    Result<std::shared_ptr<BrokerLink>> open_link(NodeId node, const Address& address,
                                                  Instant deadline);
    // Connects (after any reconnect backoff) while `opening` is set. May suspend.
    Result<std::shared_ptr<BrokerLink>> attempt_link(NodeId node, const Address& address,
                                                     Instant deadline);
    Result<Address> address_of(NodeId node) const;
    void absorb(const protocol::MetadataResponse& response, bool all_topics);
    bool stale() const;

    Environment& env_;
    ClusterConfig config_;
    Logger log_;
    Mutex refresh_mutex_;
    WaitQueue link_settled_;  // a link attempt (to any node) ended
    std::map<NodeId, NodeState> nodes_;  // brokers (id >= 0) and bootstrap (id < 0)
    std::map<NodeId, BrokerMetadata> brokers_;
    std::map<std::string, TopicMetadata> topics_;
    std::set<std::string> interest_;              // topics asked about, refreshed together
    std::map<std::string, NodeId> coordinators_;  // remembered group coordinators, by group id
    std::optional<NodeId> controller_;
    std::optional<std::string> cluster_id_;
    std::optional<Instant> refreshed_at_;
    bool invalidated_ = false;
    std::size_t next_bootstrap_ = 0;
    uint64_t refresh_generation_ = 0;
};

}  // namespace brook::client
