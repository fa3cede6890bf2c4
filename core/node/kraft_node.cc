#include "core/node/kraft_node.h"

#include <algorithm>

#include "core/cluster/directory_identity.h"
#include "core/node/cluster_view_builder.h"

namespace brook::node {

namespace {

// SecurityProtocol's ids, as BrokerRegistration carries them.
int16_t security_protocol_id(const std::optional<std::string>& name) {
    if (name == "SSL") return 1;
    if (name == "SASL_PLAINTEXT") return 2;
    if (name == "SASL_SSL") return 3;
    return 0;  // PLAINTEXT
}

}  // namespace

KraftNode::KraftNode(Environment& env, broker::BrokerConfig config)
    : env_(env), config_(std::move(config)), log_(env.log_sink, "node"), changed_(env.scheduler) {
    ASSERT(config_.kraft.enabled(), "a KRaft node needs process.roles");
}

// After run() returned, no tracked fiber is left. A crash of the node's process may destroy the
// node inside run(): the scheduler unwinds fibers newest first, so the tracked ones (spawned by
// run()) are gone before run()'s own stack, and this destructor, unwind.
KraftNode::~KraftNode() = default;

void KraftNode::begin_shutdown() {
    shutdown_requested_ = true;
    changed_.notify_all();
}

void KraftNode::spawn_tracked(std::string name, std::function<void()> body) {
    ++tracked_fibers_;
    env_.scheduler.spawn(std::move(name), [this, body = std::move(body)] {
        body();
        --tracked_fibers_;
        changed_.notify_all();
    });
}

void KraftNode::wait_tracked() {
    while (tracked_fibers_ > 0) changed_.wait();  // May suspend.
}

Result<void> KraftNode::run() {
    cluster::DirectoryExpectation expected{config_.log_dir, config_.node_id,
                                           /*format_if_missing=*/false, expected_cluster_id_};
    TRY_ASSIGN(cluster::MetaProperties meta,
               cluster::load_directory_identity(env_.disk, env_.random, expected));
    cluster_id_ = std::move(meta.cluster_id);
    // The metadata log lives on the node's Disk, rooted at its log directory: a metadata.log.dir
    // of its own would need a second Disk (brook serve checks that directory's identity only).
    QuorumMemberOptions options = quorum_member_options(config_, cluster_id_);
    options.controller.planted_bug = planted_bug_;
    options.controller.controller.planted_bug = controller_planted_bug_;
    TRY_ASSIGN(quorum_, QuorumMember::open(env_, std::move(options)));  // May suspend.
    spawn_tracked("quorum", [this] {
        Result<void> ran = quorum_->run();  // May suspend.
        if (!ran.ok() && !failure_) failure_ = ran.error().wrap("metadata quorum");
    });
    if (config_.kraft.broker_role) open_broker();
    log_.info("node {} of cluster {} runs as {}", config_.node_id, cluster_id_,
              config_.kraft.controller_role
                  ? (config_.kraft.broker_role ? "broker and controller" : "controller")
                  : "broker");
    while (!shutdown_requested_ && !failure_) changed_.wait();  // May suspend.
    Result<void> stopped = shut_down();  // May suspend.
    if (failure_) return *failure_;
    return stopped;
}

void KraftNode::open_broker() {
    auto leader = [this] { return quorum_->leader(); };
    Duration request_timeout = milliseconds(config_.kraft.request_timeout_ms);
    ControllerLinkOptions forwarding{config_.node_id, voter_addresses(config_.kraft),
                                     request_timeout, "forwarding"};
    ControllerLinkOptions heartbeats = forwarding;
    heartbeats.purpose = "heartbeat";
    forward_link_ = std::make_unique<ControllerLink>(env_, forwarding, leader);
    // Kafka too keeps heartbeats on a channel of their own, so that a slow forwarded request
    // never delays one past the session timeout.
    lifecycle_link_ = std::make_unique<ControllerLink>(env_, heartbeats, leader);
    broker_ = std::make_unique<broker::Broker>(env_, config_, forward_link_.get());
    if (expected_cluster_id_) broker_->expect_cluster_id(*expected_cluster_id_);
    lifecycle_ = std::make_unique<BrokerLifecycle>(
        env_, *lifecycle_link_,
        BrokerLifecycleOptions{config_.node_id, cluster_id_, config_.kraft.broker_rack,
                               milliseconds(config_.kraft.broker_heartbeat_interval_ms)},
        [this] { return broker_endpoints(); }, [this] { return published_offset_; });
    forward_link_->set_broker_epoch_source([this] { return lifecycle_->broker_epoch(); });

    spawn_tracked("broker", [this] {
        Result<void> ran = broker_->run();  // May suspend.
        if (!ran.ok() && !failure_) failure_ = ran.error().wrap("broker");
        if (!stopping_ && !failure_) failure_ = Error(ErrorCode::io_error, "the broker stopped");
        changed_.notify_all();
    });
    spawn_tracked("publisher", [this] { publish_loop(); });
    spawn_tracked("lifecycle", [this] {
        // Registered listeners must be the bound ones: wait until the broker listens. A broker
        // that fails to start fails the node, whose shutdown ends this wait.
        if (broker_->wait_until_serving() && !stopping_ && !failure_) {  // May suspend.
            lifecycle_->run();  // May suspend.
        }
    });
}

std::vector<metadata::BrokerEndpoint> KraftNode::broker_endpoints() const {
    const std::vector<broker::ListenerSpec>& specs = config_.advertised_listeners.empty()
                                                         ? config_.listeners
                                                         : config_.advertised_listeners;
    std::vector<metadata::BrokerEndpoint> endpoints;
    for (const broker::ListenerSpec& spec : specs) {
        if (config_.kraft.is_controller_listener(spec.name)) continue;
        metadata::BrokerEndpoint endpoint{spec.name, spec.host, spec.port,
                                          security_protocol_id(
                                              config_.kraft.security_protocol(spec.name))};
        if (endpoint.port == 0 && broker_) {
            // The broker's bound addresses are in the order of its non-controller listeners.
            std::size_t index = 0;
            for (const broker::ListenerSpec& listener : config_.listeners) {
                if (config_.kraft.is_controller_listener(listener.name)) continue;
                if (listener.name == spec.name && index < broker_->bound_addresses().size()) {
                    endpoint.port = broker_->bound_addresses()[index].port;
                }
                ++index;
            }
        }
        endpoints.push_back(std::move(endpoint));
    }
    return endpoints;
}

void KraftNode::update_caught_up() {
    if (caught_up_) return;
    const MetadataFollower& follower = quorum_->metadata();
    if (!catch_up_target_) {
        // A leader always commits its LeaderChange entry first, so a known leader with a high
        // watermark of 0 has not told this node its high watermark yet.
        Offset high_watermark = quorum_->high_watermark();
        if (!quorum_->leader() || high_watermark.value() <= 0) return;
        catch_up_target_ = high_watermark;
    }
    if (follower.applied_offset().value() + 1 >= catch_up_target_->value()) {
        caught_up_ = true;
        log_.info("caught up with the metadata log at offset {}", follower.applied_offset());
    }
}

void KraftNode::publish_loop() {
    uint64_t seen = 0;
    std::optional<cluster::ClusterView> last;  // the view the broker has
    uint64_t last_version = 0;                 // the follower's version `last` was built at
    while (!stopping_) {
        MetadataFollower& follower = quorum_->metadata();
        follower.wait_for_change(seen, env_.clock.now() + kPublishInterval);  // May suspend.
        if (stopping_) return;
        seen = follower.version();
        update_caught_up();
        // Most wake-ups are the interval's, with nothing new: no need to copy the image again.
        if (last && last_version == seen && last->controller == quorum_->leader() &&
            last->caught_up == caught_up_) {
            continue;
        }
        Offset applied = follower.applied_offset();
        cluster::ClusterView view = view_of(follower.image(), quorum_->leader(), caught_up_);
        if (!last || *last != view) {
            Result<void> published = broker_->apply_cluster_view(view);  // May suspend.
            if (!published.ok()) {
                // The next view retries what failed; the heartbeat's offset stays where it was.
                log_.warn("metadata at offset {} not fully applied: {}", view.metadata_offset,
                          published.error().describe());
                continue;
            }
            last = std::move(view);
        }
        last_version = seen;
        published_offset_ = std::max(published_offset_, applied);
    }
}

Result<void> KraftNode::shut_down() {
    log_.info("shutting down node {}", config_.node_id);
    if (lifecycle_ && !failure_) {
        Duration bound = milliseconds(config_.kraft.broker_session_timeout_ms);
        lifecycle_->shut_down(env_.clock.now() + bound);  // May suspend.
    }
    stopping_ = true;
    if (lifecycle_) lifecycle_->stop();
    if (lifecycle_link_) lifecycle_link_->close();
    if (forward_link_) forward_link_->close();
    if (broker_) broker_->begin_shutdown();
    changed_.notify_all();
    // The broker drains before the quorum stops: its last views and forwards need no quorum,
    // but a leader that resigns first hands over sooner.
    while (broker_ && tracked_fibers_ > 1) changed_.wait();  // May suspend: all but the quorum.
    if (quorum_->leader() == config_.node_id) {
        quorum_->resign();
        env_.clock.sleep_for(kResignGrace);  // May suspend.
    }
    quorum_->stop();
    wait_tracked();  // May suspend.
    return {};
}

}  // namespace brook::node
