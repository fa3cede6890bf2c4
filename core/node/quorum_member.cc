#include "core/node/quorum_member.h"

#include <algorithm>
#include <vector>

#include "core/base/check.h"
#include "core/broker/broker_config.h"

namespace brook::node {

namespace {

// A polynomial fold of the cluster id: two clusters draw different topic ids.
uint64_t topic_id_seed_of(std::string_view cluster_id) {
    uint64_t seed = 17;
    for (char c : cluster_id) seed = seed * 131 + static_cast<uint8_t>(c);
    return seed;
}

}  // namespace

QuorumMemberOptions quorum_member_options(const broker::BrokerConfig& config,
                                          const std::string& cluster_id) {
    const broker::KraftConfig& kraft = config.kraft;
    QuorumMemberOptions options;
    options.self = config.node_id;
    options.cluster_id = cluster_id;
    options.voters = voter_addresses(kraft);
    for (const broker::ListenerSpec& listener : config.listeners) {
        if (kraft.is_controller_listener(listener.name)) {
            // "" (every interface, in Kafka's listeners syntax) is the network's 0.0.0.0.
            options.listen =
                Address{listener.wildcard_host() ? "0.0.0.0" : listener.host, listener.port};
            break;
        }
    }
    options.quorum.raft.election_timeout_ms = kraft.election_timeout_ms;
    options.quorum.raft.fetch_timeout_ms = kraft.fetch_timeout_ms;
    options.quorum.raft.request_timeout_ms = kraft.request_timeout_ms;
    // Kafka snapshots every 20 MiB of records; at a few dozen bytes a record, about this many.
    options.quorum.snapshot_every_entries = 100000;
    options.controller.controller = controller::ControllerOptions{
        .broker_session_timeout_ms = kraft.broker_session_timeout_ms,
        .num_partitions = config.num_partitions,
        .default_replication_factor = config.default_replication_factor,
        .topic_id_seed = topic_id_seed_of(cluster_id),
    };
    options.controller.tick_interval = std::max<Duration>(
        milliseconds(kraft.broker_heartbeat_interval_ms / 2), kControllerTickIntervalMin);
    return options;
}

std::map<NodeId, Address> voter_addresses(const broker::KraftConfig& kraft) {
    std::map<NodeId, Address> voters;
    for (const broker::QuorumVoter& voter : kraft.quorum_voters) {
        voters[voter.id] = Address{voter.host, voter.port};
    }
    return voters;
}

QuorumMember::QuorumMember(Environment& env, QuorumMemberOptions options)
    : env_(env), options_(std::move(options)) {}

QuorumMember::~QuorumMember() = default;

Result<std::unique_ptr<QuorumMember>> QuorumMember::open(Environment& env,
                                                         QuorumMemberOptions options) {
    bool voter = options.voter();
    ASSERT(!voter || options.listen.has_value(), "voter {} without a controller listener",
           options.self);
    std::unique_ptr<QuorumMember> member(new QuorumMember(env, std::move(options)));
    QuorumMemberOptions& o = member->options_;
    std::vector<raft::NodeId> voters;
    for (const auto& [id, address] : o.voters) voters.push_back(id);
    o.quorum.raft.node_id = o.self;
    o.quorum.raft.cluster_id = o.cluster_id;
    o.quorum.raft.voters = voters;
    o.quorum.directory = o.metadata_directory;

    member->follower_ = std::make_unique<MetadataFollower>(
        env.scheduler, Logger(env.log_sink, fmt::format("metadata/{}", o.self)));
    member->channel_ = std::make_unique<quorum::KafkaQuorumChannel>(
        env,
        quorum::QuorumChannelConfig{o.self, o.listen.value_or(Address{}), o.voters, o.cluster_id});
    member->state_store_ = std::make_unique<quorum::KafkaQuorumStateStore>(
        env.disk, o.metadata_directory + "/quorum-state", o.cluster_id, voters);

    // Every applied entry and change of role reaches the active controller (created below,
    // once the node exists; until then there is nothing to tell).
    quorum::QuorumCallbacks callbacks = member->follower_->callbacks();
    QuorumMember* self = member.get();
    auto tell = [self] {
        if (self->active_) self->active_->notify();
    };
    callbacks.apply = [apply = callbacks.apply, tell](const raft::Entry& entry) {
        apply(entry);
        tell();
    };
    callbacks.load_snapshot = [load = callbacks.load_snapshot, tell](const raft::Snapshot& s) {
        load(s);
        tell();
    };
    callbacks.state_changed = tell;
    TRY_ASSIGN(member->node_,
               quorum::QuorumNode::open(env, *member->channel_, *member->state_store_, o.quorum,
                                        std::move(callbacks)));  // May suspend.
    member->channel_->set_status_source([self] { return self->node_->status(); });
    if (voter) {
        member->active_ = std::make_unique<ActiveController>(env, *member->node_,
                                                             *member->follower_, o.controller);
        member->apis_ = std::make_unique<ControllerApis>(
            env.scheduler, *member->active_, o.cluster_id,
            Logger(env.log_sink, fmt::format("controller-apis/{}", o.self)));
        member->channel_->set_request_handler(
            [self](const protocol::RequestHeader& header, protocol::AnyRequest&& request) {
                return self->apis_->handle(header, std::move(request));  // May suspend.
            });
        TRY(member->channel_->start());
    }
    return member;
}

Result<void> QuorumMember::run() {
    ASSERT(!started_, "QuorumMember::run called twice");
    started_ = true;
    int fibers = 0;
    WaitQueue fibers_done(env_.scheduler);
    if (active_) {
        ++fibers;
        env_.scheduler.spawn(fmt::format("controller/{}", options_.self), [&] {
            struct Done {
                int& fibers;
                WaitQueue& done;
                ~Done() {
                    --fibers;
                    done.notify_all();
                }
            } done{fibers, fibers_done};
            active_->run();
        });
    }
    Result<void> ran = node_->run();  // May suspend.
    if (active_) active_->stop();
    while (fibers > 0) fibers_done.wait();  // May suspend.
    if (apis_) apis_->wait_idle();          // May suspend.
    return ran;
}

void QuorumMember::stop() {
    node_->stop();
    if (active_) active_->stop();
}

void QuorumMember::resign() { node_->resign(); }

std::optional<NodeId> QuorumMember::leader() const {
    raft::NodeId leader = node_->raft().leader();
    if (leader == raft::kNoNode) return std::nullopt;
    return leader;
}

Offset QuorumMember::high_watermark() const { return node_->raft().high_watermark(); }

quorum::QuorumStatus QuorumMember::status() const { return node_->status(); }

std::optional<Address> QuorumMember::local_controller_address() const {
    if (!active_) return std::nullopt;
    return channel_->local_address();
}

}  // namespace brook::node
