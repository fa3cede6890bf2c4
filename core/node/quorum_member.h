// The quorum side of a Brook node in KRaft mode, composed: the KafkaQuorumChannel (listening on
// the CONTROLLER listener when this node is a voter; an observer, process.roles=broker only,
// only fetches and needs no listener), the quorum-state file, the QuorumNode, the
// MetadataFollower every node keeps and, on voters, the ActiveController and its Kafka APIs
// served on the controller listener.
//
//   QuorumMemberOptions options = quorum_member_options(config, cluster_id);   // or by hand
//   TRY_ASSIGN(auto member, QuorumMember::open(env, std::move(options)));       // May suspend.
//   env.scheduler.spawn("quorum-member", [&] { result = member->run(); });      // until stop()
//   const MetadataImage& image = member->metadata().image();
//   member->metadata().wait_for_change(seen, deadline);                          // May suspend.
//   std::optional<NodeId> controller = member->leader();
//   member->resign(); ... member->stop();                                         // clean shutdown
//
// run() returns once every fiber it started has ended and no controller request is still being
// answered, so the member may be destroyed right after.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/io/network.h"
#include "core/node/active_controller.h"
#include "core/node/controller_apis.h"
#include "core/node/metadata_follower.h"
#include "core/quorum/kafka_quorum_channel.h"
#include "core/quorum/kafka_quorum_state_store.h"
#include "core/quorum/quorum_node.h"
#include "core/runtime/environment.h"

namespace brook::broker {
class BrokerConfig;
struct KraftConfig;
}

namespace brook::node {

struct QuorumMemberOptions {
    NodeId self{1};
    // The controller listener to serve on; required for a voter, ignored for an observer.
    std::optional<Address> listen;
    // controller.quorum.voters; this node votes if it is among them.
    std::map<NodeId, Address> voters;
    std::string cluster_id;
    // The metadata log's directory on the Disk open() is given, which is rooted at the metadata
    // log dir (Kafka: <metadata.log.dir>/__cluster_metadata-0, metadata.log.dir defaulting to the
    // first log dir); the quorum-state file lives in it.
    std::string metadata_directory = "__cluster_metadata-0";
    // Raft's timings and the snapshot interval. open() sets node id, cluster id, voters and
    // directory from the fields above.
    quorum::QuorumNodeOptions quorum;
    // The controller's options and tick interval (voters only).
    ActiveControllerOptions controller;

    bool voter() const { return voters.contains(self); }
};

// The options a broker configuration gives (Kafka's names): node.id, controller.quorum.voters,
// the CONTROLLER listener, controller.quorum.election.timeout.ms, .fetch.timeout.ms and
// .request.timeout.ms, num.partitions, default.replication.factor, broker.session.timeout.ms,
// broker.heartbeat.interval.ms (the controller ticks at half of it); topic ids are seeded from
// the cluster id. metadata.log.dir is not among them: it chooses the Disk given to open().
QuorumMemberOptions quorum_member_options(const broker::BrokerConfig& config,
                                          const std::string& cluster_id);

// controller.quorum.voters by node id: the quorum's peers, and where a ControllerLink finds the
// quorum leader.
std::map<NodeId, Address> voter_addresses(const broker::KraftConfig& kraft);

class QuorumMember {
public:
    // Opens the metadata log and quorum state on env.disk (rooted at the metadata log dir)
    // and, on a voter, starts listening. May suspend.
    static Result<std::unique_ptr<QuorumMember>> open(Environment& env,
                                                      QuorumMemberOptions options);
    ~QuorumMember();
    QuorumMember(const QuorumMember&) = delete;
    QuorumMember& operator=(const QuorumMember&) = delete;

    // Runs the quorum node (and, on a voter, the active controller) until stop() or a failed
    // disk write, whose error it returns. Call once. May suspend.
    Result<void> run();
    // Ends run(): the quorum node stops, controller requests are answered NOT_CONTROLLER.
    // Never suspends.
    void stop();
    // Gives up quorum leadership (before a clean stop). Never suspends.
    void resign();

    const MetadataFollower& metadata() const { return *follower_; }
    MetadataFollower& metadata() { return *follower_; }
    // The quorum leader, which is the active controller once it caught up; nullopt if unknown.
    std::optional<NodeId> leader() const;
    // Whether this node is the active controller now.
    bool is_active_controller() const { return active_ && active_->active(); }
    // The high watermark this node knows: the metadata is caught up once applied up to below it.
    Offset high_watermark() const;
    quorum::QuorumStatus status() const;
    // The controller listener's bound address (its real port when listening on port 0); nullopt
    // on an observer.
    std::optional<Address> local_controller_address() const;

private:
    QuorumMember(Environment& env, QuorumMemberOptions options);

    Environment& env_;
    QuorumMemberOptions options_;
    std::unique_ptr<MetadataFollower> follower_;
    std::unique_ptr<quorum::KafkaQuorumChannel> channel_;
    std::unique_ptr<quorum::KafkaQuorumStateStore> state_store_;
    std::unique_ptr<quorum::QuorumNode> node_;
    std::unique_ptr<ActiveController> active_;  // voters only
    std::unique_ptr<ControllerApis> apis_;      // voters only
    bool started_ = false;
};

}  // namespace brook::node
