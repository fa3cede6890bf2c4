// A single-node Kafka-compatible broker: the composition of configuration, topics, producer
// ids, listeners and client connections, written only against the Environment, so the same
// code serves real clients (`brook serve`) and simulated ones (scenarios/kafka_scenario.cc).
//
//   Broker broker(env, config);
//   scheduler.spawn("broker", [&] { Result<void> ran = broker.run(); ... });
//   ...
//   broker.begin_shutdown();   // e.g. on SIGTERM: run() drains, flushes and returns
//
// run(): identity (meta.properties: cluster id, node id; core/cluster/directory_identity.h),
// producer id reservation, every
// topic's partitions recovered, then one accept fiber per listener, the group coordinator's
// load and timer fibers, and a ticker fiber that drives each log's and the coordinator's
// periodic duties. Shutdown stops accepting, lets every connection answer
// what it has in flight, waits for running handlers, then flushes and closes every log.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/base/logger.h"
#include "core/base/task.h"
#include "core/broker/broker_config.h"
#include "core/broker/client_connection.h"
#include "core/broker/request_handlers.h"
#include "core/cluster/cluster_nodes.h"
#include "core/cluster/producer_id_store.h"
#include "core/cluster/topic_manager.h"
#include "core/group/group_coordinator.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::broker {

class Broker {
public:
    Broker(Environment& env, BrokerConfig config);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    // Starts, serves until begin_shutdown(), shuts down gracefully. Fails only when it cannot
    // start (unreadable data directory, a port in use) or the final flush fails. May suspend.
    Result<void> run();
    // Before run(): the cluster id this node's other data directory (metadata.log.dir)
    // holds; run() refuses a log directory of another cluster.
    void expect_cluster_id(std::string cluster_id) { expected_cluster_id_ = std::move(cluster_id); }
    // Asks run() to shut down. Never suspends; callable from a signal callback.
    void begin_shutdown();

    // Set once run() is listening: the bound addresses, one per listener that is not a
    // controller listener (real ports for 0).
    bool serving() const { return serving_; }
    const std::vector<Address>& bound_addresses() const { return bound_; }
    const cluster::TopicManager::LoadReport& load_report() const { return load_report_; }
    const std::string& cluster_id() const { return cluster_id_; }
    cluster::TopicManager& topics() { return topics_; }
    group::GroupCoordinator& groups() { return groups_; }
    const BrokerConfig& config() const { return config_; }

private:
    Result<void> load_identity();
    void accept_loop(Listener& listener, const std::string& listener_name);
    void serve_connection(std::unique_ptr<Connection> connection, const std::string& listener_name);
    void tick_loop();
    void drain();
    // Runs `body` in a fiber that run() waits for before it returns.
    void spawn_tracked(std::string name, Task body);

    Environment& env_;
    BrokerConfig config_;
    Logger log_;
    cluster::ClusterNodes nodes_;
    cluster::TopicManager topics_;
    cluster::ProducerIdStore producer_ids_;
    group::GroupCoordinator groups_;
    std::string cluster_id_;
    std::optional<std::string> expected_cluster_id_;
    std::unique_ptr<BrokerServices> services_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::vector<Address> bound_;
    std::vector<std::string> listener_names_;  // of listeners_, in the same order
    cluster::TopicManager::LoadReport load_report_;
    std::map<uint64_t, ClientConnection*> connections_;  // by id: deterministic stop order
    uint64_t next_connection_id_ = 1;
    std::size_t tracked_fibers_ = 0;
    WaitQueue changed_;  // shutdown requested, a tracked fiber ended
    bool serving_ = false;
    bool shutting_down_ = false;
};

}  // namespace brook::broker
