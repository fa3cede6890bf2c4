// A Brook node in KRaft mode, composed: the quorum member (a voter when process.roles has
// controller, an observer otherwise; it runs the active controller while it leads) and, when
// process.roles has broker, the Broker following the committed metadata: a publisher fiber
// hands it a ClusterView after every change, the ControllerLink forwards its metadata changes
// to the active controller, and the BrokerLifecycle registers and heartbeats it.
//
//   KraftNode node(env, config);                  // config.kraft.enabled()
//   scheduler.spawn("node", [&] { Result<void> ran = node.run(); ... });
//   ...
//   node.begin_shutdown();                        // SIGTERM: run() shuts down and returns
//
// Shutdown order, so that nothing this node led is left leaderless longer than needed: a
// controlled shutdown (the controller moves this broker's leaderships; bounded by
// broker.session.timeout.ms), the broker drained (connections answered, logs flushed), the
// quorum leadership resigned if held, then the quorum member stopped.
//
// "Caught up" (ClusterView::caught_up): the node has applied the metadata log up to the
// quorum's high watermark as it first learned it after start (Kafka's broker waits for the
// same before it unfences); until then the broker deletes nothing a view lacks.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/base/logger.h"
#include "core/broker/broker.h"
#include "core/broker/broker_config.h"
#include "core/node/broker_lifecycle.h"
#include "core/node/controller_link.h"
#include "core/node/quorum_member.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::node {

// How often the publisher looks at the quorum's leader and high watermark when no metadata
// arrives (a leader change is not always an applied entry at once).
inline constexpr Duration kPublishInterval = milliseconds(100);
// A resigning leader's EndQuorumEpoch gets this long to leave before the channel closes.
inline constexpr Duration kResignGrace = milliseconds(100);

class KraftNode {
public:
    // `config.kraft.enabled()` must hold.
    KraftNode(Environment& env, broker::BrokerConfig config);
    // run() must have returned, or be unwinding with the node's whole process (a crash).
    ~KraftNode();
    KraftNode(const KraftNode&) = delete;
    KraftNode& operator=(const KraftNode&) = delete;

    // Before run(): the cluster id the node's other directory (metadata.log.dir) holds.
    void expect_cluster_id(std::string cluster_id) { expected_cluster_id_ = std::move(cluster_id); }
    // Before run(): a bug the controller runs with (NodePlantedBug, ControllerPlantedBug;
    // scenarios and tests only).
    void plant(NodePlantedBug bug) { planted_bug_ = bug; }
    void plant(controller::ControllerPlantedBug bug) { controller_planted_bug_ = bug; }

    // Starts, serves until begin_shutdown(), shuts down. Fails when it cannot start (an
    // unformatted or foreign directory, a port in use) or a part fails while running (the
    // quorum's disk). May suspend.
    Result<void> run();
    // Asks run() to shut down. Never suspends; callable from a signal callback.
    void begin_shutdown();

    // While run() runs (null before it opened them and after they stopped).
    QuorumMember* quorum() { return quorum_.get(); }
    broker::Broker* broker() { return broker_.get(); }
    BrokerLifecycle* lifecycle() { return lifecycle_.get(); }
    // The offset of the last metadata entry the broker has applied a view of (-1: none).
    Offset published_offset() const { return published_offset_; }
    bool caught_up() const { return caught_up_; }
    const std::string& cluster_id() const { return cluster_id_; }

private:
    void open_broker();
    // The broker's listeners as the controller should hand them to clients: the advertised
    // ones (else the configured ones), without controller listeners, with bound ports for 0.
    std::vector<metadata::BrokerEndpoint> broker_endpoints() const;
    // The publisher fiber: views of the image to the broker until shutdown. May suspend.
    void publish_loop();
    void update_caught_up();
    // Runs `body` in a fiber whose end run() waits for.
    void spawn_tracked(std::string name, std::function<void()> body);
    void wait_tracked();  // May suspend.
    Result<void> shut_down();  // May suspend.

    Environment& env_;
    broker::BrokerConfig config_;
    Logger log_;
    std::optional<std::string> expected_cluster_id_;
    NodePlantedBug planted_bug_ = NodePlantedBug::none;
    controller::ControllerPlantedBug controller_planted_bug_ =
        controller::ControllerPlantedBug::none;
    std::string cluster_id_;
    std::unique_ptr<QuorumMember> quorum_;
    std::unique_ptr<ControllerLink> forward_link_;
    std::unique_ptr<ControllerLink> lifecycle_link_;
    std::unique_ptr<broker::Broker> broker_;
    std::unique_ptr<BrokerLifecycle> lifecycle_;
    std::optional<Offset> catch_up_target_;  // the high watermark first learned after start
    bool caught_up_ = false;
    Offset published_offset_ = Offset(-1);
    std::optional<Error> failure_;  // the first part that failed while running
    bool shutdown_requested_ = false;
    bool stopping_ = false;
    int tracked_fibers_ = 0;
    WaitQueue changed_;  // shutdown requested, a part failed, a tracked fiber ended
};

}  // namespace brook::node
