#include "core/broker/broker.h"

#include "core/broker/limits.h"
#include "core/cluster/directory_identity.h"

namespace brook::broker {
namespace {

constexpr Duration kTickInterval = milliseconds(100);
// How long an accept loop backs off after an accept error (out of file descriptors).
constexpr Duration kAcceptBackoff = milliseconds(100);

// The group coordinator's settings from the broker's keys (Kafka's names).
group::CoordinatorConfig coordinator_config(const BrokerConfig& config, bool kraft) {
    group::CoordinatorConfig out;
    out.placed_by_partition_leaders = kraft;
    out.limits.initial_rebalance_delay = milliseconds(config.group_initial_rebalance_delay_ms);
    out.limits.min_session_timeout = milliseconds(config.group_min_session_timeout_ms);
    out.limits.max_session_timeout = milliseconds(config.group_max_session_timeout_ms);
    out.offsets_partitions = config.offsets_topic_num_partitions;
    out.offsets_retention = minutes(config.offsets_retention_minutes);
    out.retention_check_interval = milliseconds(config.offsets_retention_check_interval_ms);
    out.rewrite_threshold_bytes = static_cast<uint64_t>(config.offsets_rewrite_threshold_bytes);
    out.metadata_bytes_max = static_cast<std::size_t>(config.offset_metadata_max_bytes);
    return out;
}

}  // namespace

Broker::Broker(Environment& env, BrokerConfig config, ControllerForwarder* controller)
    : env_(env),
      config_(std::move(config)),
      controller_(controller),
      log_(env.log_sink, "broker"),
      nodes_(config_.node_id),
      topics_(env, config_.node_id, config_.log_defaults()),
      producer_ids_(env.disk, env.scheduler),
      groups_(env, coordinator_config(config_, controller != nullptr), topics_),
      changed_(env.scheduler) {
    ASSERT(controller_ == nullptr || config_.kraft.enabled(),
           "a controller forwarder without process.roles");
    if (controller_ != nullptr) {
        producer_id_blocks_ = std::make_unique<ProducerIdBlocks>(env_.scheduler, *controller_);
    }
}

Broker::~Broker() {
    ASSERT(tracked_fibers_ == 0, "broker destroyed with {} fibers running", tracked_fibers_);
}

void Broker::begin_shutdown() {
    shutting_down_ = true;
    changed_.notify_all();
}

bool Broker::wait_until_serving() {
    while (!serving_ && !shutting_down_) changed_.wait();  // May suspend.
    return serving_ && !shutting_down_;
}

void Broker::spawn_tracked(std::string name, Task body) {
    ++tracked_fibers_;
    env_.scheduler.spawn(std::move(name), [this, body = std::move(body)]() mutable {
        // Also when the fiber is unwound (a simulated crash kills the node's fibers, newest
        // first, before this broker is destroyed).
        struct Untrack {
            Broker& broker;
            ~Untrack() {
                --broker.tracked_fibers_;
                broker.changed_.notify_all();
            }
        } untrack{*this};
        body();
    });
}

Result<void> Broker::load_identity() {
    cluster::DirectoryExpectation expected{config_.log_dir, config_.node_id,
                                           /*format_if_missing=*/!config_.kraft.enabled(),
                                           expected_cluster_id_};
    TRY_ASSIGN(cluster::MetaProperties meta,
               cluster::load_directory_identity(env_.disk, env_.random, expected));
    cluster_id_ = std::move(meta.cluster_id);
    return {};
}

Result<void> Broker::apply_cluster_view(cluster::ClusterView view) {
    ASSERT(kraft_mode(), "a cluster view given to a single-node broker");
    ASSERT(view.metadata_offset >= last_view_offset_, "view at {} after the one at {}",
           view.metadata_offset, last_view_offset_);
    last_view_offset_ = view.metadata_offset;
    pending_view_ = std::move(view);
    // The call applying views now, or run() once the directory is checked, takes this one.
    if (applying_views_ || !identity_checked_ || shutting_down_) return {};
    return apply_pending_views();  // May suspend.
}

Result<void> Broker::apply_pending_views() {
    applying_views_ = true;
    // Also when the fiber is unwound (a simulated crash).
    struct Done {
        bool& applying;
        ~Done() { applying = false; }
    } done{applying_views_};
    Result<void> result;
    while (pending_view_ && !shutting_down_) {
        cluster::ClusterView view = std::move(*pending_view_);
        pending_view_.reset();
        result = apply_view_now(view);  // May suspend.
    }
    return result;
}

Result<void> Broker::apply_view_now(const cluster::ClusterView& view) {
    nodes_.apply(view);
    resign_offsets_partitions(view);  // before their logs may close
    Result<void> applied = topics_.apply_view(view);  // May suspend.
    if (!applied) {
        log_.warn("applying metadata up to offset {}: {}", view.metadata_offset,
                  applied.error().describe());
    }
    elect_offsets_partitions();
    return applied;
}

void Broker::resign_offsets_partitions(const cluster::ClusterView& view) {
    auto topic = view.topics.find(group::kOffsetsTopic);
    for (auto it = coordinating_.begin(); it != coordinating_.end();) {
        auto [partition, epoch] = *it;
        bool still_ours = false;
        if (topic != view.topics.end() &&
            partition.value() < static_cast<int32_t>(topic->second.partitions.size())) {
            const cluster::PartitionInfo& state =
                topic->second.partitions[static_cast<std::size_t>(partition.value())];
            // A new leader epoch is a new election, even if it came back to this node: the
            // groups are loaded again from what the log holds now (Kafka does the same).
            still_ours = state.leader == config_.node_id && state.leader_epoch == epoch;
        }
        if (still_ours) {
            ++it;
            continue;
        }
        groups_.resign(partition);
        it = coordinating_.erase(it);
    }
}

void Broker::elect_offsets_partitions() {
    const cluster::Topic* offsets = topics_.find(group::kOffsetsTopic);
    if (offsets == nullptr) return;
    for (const auto& partition : offsets->partitions) {
        if (!partition->led_locally() || partition->log() == nullptr ||
            coordinating_.contains(partition->id())) {
            continue;
        }
        coordinating_.emplace(partition->id(), partition->leader_epoch());
        PartitionId id = partition->id();
        // Loading replays the partition's log; views and requests go on meanwhile (its
        // groups answer COORDINATOR_LOAD_IN_PROGRESS until it is done).
        spawn_tracked("group/elect", [this, id] {
            Result<void> elected = groups_.elect(id);  // May suspend.
            if (!elected) {
                log_.warn("loading the groups of {}-{}: {}", group::kOffsetsTopic, id,
                          elected.error().describe());
                // Unowned now; the next view or tick elects it again.
                auto it = coordinating_.find(id);
                if (it != coordinating_.end() && !groups_.owns(id)) coordinating_.erase(it);
            }
        });
    }
}

Result<void> Broker::run() {
    TRY(load_identity());
    if (kraft_mode()) {
        // Topics come from the metadata log, producer ids from the controller.
        identity_checked_ = true;
        if (Result<void> applied = apply_pending_views(); !applied) {  // May suspend.
            log_.warn("the first cluster view: {}", applied.error().describe());
        }
    } else {
        if (Result<void> ids = producer_ids_.load(); !ids) return ids.error().wrap("producer ids");
        TRY_ASSIGN(load_report_, topics_.load());
    }
    services_ = std::make_unique<BrokerServices>(env_, config_, nodes_, topics_, producer_ids_,
                                                groups_, cluster_id_, controller_,
                                                producer_id_blocks_.get());
    for (const ListenerSpec& spec : config_.listeners) {
        if (config_.kraft.is_controller_listener(spec.name)) {
            // The metadata quorum's (core/node/); Kafka clients do not come through it.
            log_.info("not serving clients on controller listener {}", spec.to_string());
            continue;
        }
        Address address{spec.wildcard_host() ? "0.0.0.0" : spec.host, spec.port};
        Result<std::unique_ptr<Listener>> listener = env_.network.listen(address);
        if (!listener) {
            for (auto& open : listeners_) open->close();
            listeners_.clear();
            return listener.error().wrap(fmt::format("listen on {}", spec.to_string()));
        }
        bound_.push_back((*listener)->local_address());
        listeners_.push_back(std::move(listener).value());
        listener_names_.push_back(spec.name);
    }
    std::string where;
    for (std::size_t i = 0; i < bound_.size(); ++i) {
        where += fmt::format("{}{}://{}", i ? ", " : "", listener_names_[i],
                             bound_[i].to_string());
    }
    log_.info("node {} of cluster {} listening on {}; recovered {} topics, {} partitions, "
              "truncated {} bytes of unsynced or torn tails{}",
              config_.node_id, cluster_id_, where, load_report_.topics, load_report_.partitions,
              load_report_.truncated_bytes,
              load_report_.corrupt_partitions
                  ? fmt::format(", {} partitions cut at a corrupt batch",
                                load_report_.corrupt_partitions)
                  : "");
    serving_ = true;
    changed_.notify_all();
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        Listener* listener = listeners_[i].get();
        std::string name = listener_names_[i];
        spawn_tracked("broker/accept", [this, listener, name] { accept_loop(*listener, name); });
    }
    spawn_tracked("group/load", [this] {
        // Group requests answer COORDINATOR_LOAD_IN_PROGRESS until this is done.
        Result<void> loaded = groups_.load();  // May suspend.
        if (!loaded) log_.error("loading consumer groups: {}", loaded.error().describe());
    });
    spawn_tracked("group/timers", [this] { groups_.run_timers(); });
    spawn_tracked("broker/tick", [this] { tick_loop(); });
    while (!shutting_down_) changed_.wait();  // May suspend.
    drain();
    Result<void> closed = topics_.close_all();  // May suspend.
    if (!closed) log_.error("flushing the logs at shutdown: {}", closed.error().describe());
    log_.info("stopped");
    return closed;
}

void Broker::drain() {
    log_.info("shutting down: {} connections, {} requests in flight", connections_.size(),
              services_->requests_in_flight);
    for (auto& listener : listeners_) listener->close();
    for (auto& [id, connection] : connections_) connection->stop();
    groups_.stop();  // parked JoinGroup and SyncGroup requests answer now
    while (tracked_fibers_ > 0) changed_.wait();  // May suspend.
    while (services_->requests_in_flight > 0) services_->requests_idle.wait();
}

void Broker::accept_loop(Listener& listener, const std::string& listener_name) {
    while (!shutting_down_) {
        Result<std::unique_ptr<Connection>> accepted = listener.accept();  // May suspend.
        if (!accepted) {
            if (shutting_down_ || accepted.error().code() == ErrorCode::shutting_down) return;
            log_.warn("accept: {}", accepted.error().describe());
            env_.clock.sleep_for(kAcceptBackoff);
            continue;
        }
        if (shutting_down_) return;  // the connection closes as `accepted` goes
        if (connections_.size() >= static_cast<std::size_t>(config_.max_connections)) {
            log_.warn("refusing connection from {}: max.connections ({}) reached",
                      (*accepted)->peer().to_string(), config_.max_connections);
            continue;
        }
        spawn_tracked("broker/connection",
                      [this, connection = std::move(accepted).value(), listener_name]() mutable {
                          serve_connection(std::move(connection), listener_name);
                      });
    }
}

void Broker::serve_connection(std::unique_ptr<Connection> connection,
                              const std::string& listener_name) {
    ConnectionLimits limits{config_.socket_request_max_bytes,
                            milliseconds(config_.connections_max_idle_ms)};
    ClientConnection client(*services_, std::move(connection), listener_name, limits);
    uint64_t id = next_connection_id_++;
    connections_.emplace(id, &client);
    struct Unregister {
        std::map<uint64_t, ClientConnection*>& connections;
        uint64_t id;
        ~Unregister() { connections.erase(id); }
    } unregister{connections_, id};
    if (shutting_down_) client.stop();
    client.serve();  // May suspend.
}

void Broker::tick_loop() {
    while (!shutting_down_) {
        changed_.wait(env_.clock.now() + kTickInterval);  // May suspend.
        if (shutting_down_) return;
        topics_.tick();  // May suspend.
        // A log reopened since the last view may be one whose groups this node must load.
        if (kraft_mode() && !shutting_down_) elect_offsets_partitions();
        groups_.tick();  // May suspend.
    }
}

}  // namespace brook::broker
