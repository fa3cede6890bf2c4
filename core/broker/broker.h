// A Kafka-compatible broker: the composition of configuration, topics, producer ids, listeners
// and client connections, written only against the Environment, so the same code serves real
// clients (`brook serve`) and simulated ones (scenarios/kafka_scenario.cc).
//
//   Broker broker(env, config);
//   scheduler.spawn("broker", [&] { Result<void> ran = broker.run(); ... });
//   ...
//   broker.begin_shutdown();   // e.g. on SIGTERM: run() drains, flushes and returns
//
// Single-node mode (no forwarder): the broker keeps its own topic files, leads every partition
// and is its own controller. KRaft mode (process.roles set and a ControllerForwarder given, by
// core/node/): the committed metadata log is the truth. The node hands the broker a ClusterView
// after each batch of committed records (apply_cluster_view), and the broker makes its topic
// table, partitions, node list and group coordinators agree with it; requests that change
// metadata go to the active controller through the forwarder.
//
//   Broker broker(env, config, &controller_link);
//   TRY(broker.apply_cluster_view(view_of(image, leader, caught_up)));   // May suspend
//
// run(): identity (meta.properties: cluster id, node id; core/cluster/directory_identity.h),
// then in single-node mode the producer id reservation and every topic's partitions recovered
// (in KRaft mode the views pending so far applied), then one accept fiber per listener, the
// group coordinator's load and timer fibers, and a ticker fiber that drives each log's and the
// coordinator's periodic duties. Shutdown stops accepting, lets every connection answer what it
// has in flight, waits for running handlers, then flushes and closes every log.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/base/logger.h"
#include "core/base/task.h"
#include "core/broker/broker_config.h"
#include "core/broker/client_connection.h"
#include "core/broker/controller_forwarder.h"
#include "core/broker/producer_id_blocks.h"
#include "core/broker/request_handlers.h"
#include "core/cluster/cluster_nodes.h"
#include "core/cluster/cluster_view.h"
#include "core/cluster/producer_id_store.h"
#include "core/cluster/topic_manager.h"
#include "core/group/group_coordinator.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::broker {

class Broker {
public:
    // `controller` (which must outlive the broker) makes it a KRaft broker; it requires
    // process.roles in `config`.
    Broker(Environment& env, BrokerConfig config, ControllerForwarder* controller = nullptr);
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

    // KRaft mode: makes topics, partitions, nodes and group coordinators agree with `view`, a
    // view no older than the last one given. Callers may call it as often as views come: while
    // one call applies, later views only replace the pending one, which that call applies next
    // (the latest view is all that matters); before run() has checked the data directory the
    // view waits for it. An error names what could not be done (a directory not removed, a log
    // not closed); everything else was applied, and applying a view again retries it. A log
    // that cannot be opened is no error: its partition is offline, as after an I/O error, and
    // the ticker reopens it. May suspend.
    Result<void> apply_cluster_view(cluster::ClusterView view);
    bool kraft_mode() const { return controller_ != nullptr; }

    // Set once run() is listening: the bound addresses, one per listener that is not a
    // controller listener (real ports for 0).
    bool serving() const { return serving_; }
    // Parks until run() listens (true) or shutdown begins (false). May suspend.
    bool wait_until_serving();
    const std::vector<Address>& bound_addresses() const { return bound_; }
    const cluster::TopicManager::LoadReport& load_report() const { return load_report_; }
    const std::string& cluster_id() const { return cluster_id_; }
    cluster::TopicManager& topics() { return topics_; }
    group::GroupCoordinator& groups() { return groups_; }
    const BrokerConfig& config() const { return config_; }

private:
    Result<void> load_identity();
    // Applies pending views until none is left. May suspend.
    Result<void> apply_pending_views();
    Result<void> apply_view_now(const cluster::ClusterView& view);
    // KRaft mode: the group coordinator follows the leaders of `__consumer_offsets`. Groups
    // of partitions that `view` no longer has this node lead (in the epoch they were loaded
    // in) are dropped; partitions it leads with an open log are loaded, each in a fiber.
    void resign_offsets_partitions(const cluster::ClusterView& view);
    void elect_offsets_partitions();
    void accept_loop(Listener& listener, const std::string& listener_name);
    void serve_connection(std::unique_ptr<Connection> connection, const std::string& listener_name);
    void tick_loop();
    void drain();
    // Runs `body` in a fiber that run() waits for before it returns.
    void spawn_tracked(std::string name, Task body);

    Environment& env_;
    BrokerConfig config_;
    ControllerForwarder* controller_;
    Logger log_;
    cluster::ClusterNodes nodes_;
    cluster::TopicManager topics_;
    cluster::ProducerIdStore producer_ids_;
    std::unique_ptr<ProducerIdBlocks> producer_id_blocks_;  // KRaft mode
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
    WaitQueue changed_;  // shutdown requested, listening began, a tracked fiber ended
    bool serving_ = false;
    bool shutting_down_ = false;
    // KRaft mode: the view waiting to be applied, whether a call is applying views now, and
    // whether run() has checked the data directory (no view is applied before).
    std::optional<cluster::ClusterView> pending_view_;
    Offset last_view_offset_{-1};
    bool applying_views_ = false;
    bool identity_checked_ = false;
    // The offsets partitions the group coordinator was told to load, with their leader epoch.
    std::map<PartitionId, LeaderEpoch> coordinating_;
};

}  // namespace brook::broker
