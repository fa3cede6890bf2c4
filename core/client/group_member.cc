#include "core/client/group_member.h"

#include <algorithm>

namespace brook::client {

using protocol::kafka_error_from_wire;

namespace {

constexpr std::string_view kProtocolType = "consumer";
// The coordinator may hold a JoinGroup up to the rebalance timeout; the call allows that and
// this much more before it gives up on the connection (the Java client adds 5 s too).
constexpr Duration kJoinGrace = seconds(5);
// Assignments go out in version 0: every version has the same fields, and every client reads 0.
constexpr int16_t kAssignmentVersion = 0;

bool coordinator_error(KafkaError error) {
    return error == KafkaError::not_coordinator || error == KafkaError::coordinator_not_available ||
           error == KafkaError::coordinator_load_in_progress;
}

// Errors after which retrying the same JoinGroup cannot help.
bool fatal_join_error(KafkaError error) {
    switch (error) {
        case KafkaError::fenced_instance_id:
        case KafkaError::inconsistent_group_protocol:
        case KafkaError::invalid_session_timeout:
        case KafkaError::group_max_size_reached:
        case KafkaError::group_authorization_failed:
        case KafkaError::invalid_group_id:
            return true;
        default:
            return false;
    }
}

std::set<TopicPartition> minus(const std::set<TopicPartition>& a,
                               const std::set<TopicPartition>& b) {
    std::set<TopicPartition> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
    return out;
}

}  // namespace

std::string_view member_state_name(MemberState state) {
    switch (state) {
        case MemberState::unjoined:
            return "unjoined";
        case MemberState::joining:
            return "joining";
        case MemberState::stable:
            return "stable";
        case MemberState::fatal:
            return "fatal";
        case MemberState::closed:
            return "closed";
    }
    return "?";
}

GroupMember::GroupMember(Cluster& cluster, GroupMemberConfig config)
    : cluster_(cluster),
      config_(std::move(config)),
      heartbeat_wake_(cluster.env().scheduler),
      heartbeat_done_(cluster.env().scheduler) {
    ASSERT(!config_.group_id.empty(), "a group member needs a group.id");
    cooperative_ = !config_.assignors.empty();
    for (const std::string& name : config_.assignors) {
        std::unique_ptr<Assignor> assignor = make_assignor(name);
        if (assignor == nullptr) {
            fatal_ = Error(ErrorCode::invalid_argument,
                           "partition.assignment.strategy: unknown assignor " + name);
            state_ = MemberState::fatal;
            return;
        }
        cooperative_ = cooperative_ && assignor->cooperative();
    }
    if (config_.assignors.empty()) {
        fatal_ = Error(ErrorCode::invalid_argument, "partition.assignment.strategy is empty");
        state_ = MemberState::fatal;
    }
}

GroupMember::~GroupMember() {
    // The heartbeat fiber is newer than the member's owner, so a crash unwinds it first.
    ASSERT(!heartbeat_running_, "close() the group member before destroying it");
}

GroupGeneration GroupMember::generation() const {
    return GroupGeneration{generation_id_, member_id_, config_.group_instance_id};
}

void GroupMember::subscribe(std::vector<std::string> topics) {
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    if (topics != topics_) rejoin_needed_ = true;
    topics_ = std::move(topics);
}

Result<void> GroupMember::fatal(Error error) {
    fatal_ = error;
    state_ = MemberState::fatal;
    heartbeat_wake_.notify_all();
    return error;
}

Result<std::shared_ptr<BrokerLink>> GroupMember::coordinator(Instant deadline) {
    if (coordinator_link_ && !coordinator_link_->broken()) return coordinator_link_;
    // FindCoordinator through the cluster, then a connection of the member's own (as the Java
    // client does), so a JoinGroup parked for seconds never holds up fetches or commits.
    TRY_ASSIGN(std::shared_ptr<BrokerLink> found,
               cluster_.coordinator_link(config_.group_id, deadline));  // May suspend.
    Environment& env = cluster_.env();
    TRY_ASSIGN(std::shared_ptr<BrokerLink> own,
               BrokerLink::open(env.scheduler, env.network, found->node(), found->address(),
                                cluster_.config().client_id, deadline));  // May suspend.
    if (coordinator_link_ && !coordinator_link_->broken()) {
        own->close();  // another fiber found it meanwhile
        return coordinator_link_;
    }
    coordinator_link_ = std::move(own);
    return coordinator_link_;
}

void GroupMember::coordinator_lost() {
    if (coordinator_link_) coordinator_link_->close();
    coordinator_link_.reset();
}

bool GroupMember::absorb_error(KafkaError error) {
    switch (error) {
        case KafkaError::none:
            return true;
        case KafkaError::rebalance_in_progress:
            rejoin_needed_ = true;
            return true;
        case KafkaError::illegal_generation:
        case KafkaError::unknown_member_id:
            lost_ = true;
            return true;
        case KafkaError::fenced_instance_id:
            (void)fatal(kafka_failure("group " + config_.group_id + ": instance " +
                                          config_.group_instance_id.value_or("?"),
                                      error));
            return true;
        default:
            if (coordinator_error(error)) {
                coordinator_lost();
                return true;
            }
            return false;
    }
}

void GroupMember::on_commit_error(KafkaError error) { (void)absorb_error(error); }

std::vector<uint8_t> GroupMember::subscription_bytes() const {
    Subscription subscription;
    subscription.topics = topics_;
    if (cooperative_) {
        for (const TopicPartition& tp : owned_) {
            subscription.owned_partitions[tp.topic].push_back(tp.partition);
        }
        subscription.generation_id = generation_id_;
    }
    return encode_subscription(subscription, kSubscriptionVersionMax);
}

void GroupMember::give_up(std::set<TopicPartition> partitions, bool lost) {
    // By value: callers pass owned_ itself, which shrinks below.
    if (partitions.empty()) return;
    if (listener_.revoked) listener_.revoked(partitions, lost);  // May suspend.
    for (const TopicPartition& tp : partitions) owned_.erase(tp);
}

Result<void> GroupMember::poll(Instant deadline) {
    if (fatal_) return *fatal_;
    if (state_ == MemberState::closed) {
        return Error(ErrorCode::shutting_down, "group " + config_.group_id + ": member closed");
    }
    if (!heartbeat_running_) {
        heartbeat_running_ = true;
        cluster_.env().scheduler.spawn("group-heartbeat", [this] { run_heartbeats(); });
    }
    std::optional<Error> failure;
    while (needs_rejoin() || state_ != MemberState::stable) {
        if (lost_) {
            // The coordinator no longer knows this membership: what it owned may already be
            // someone else's, so it is dropped without a commit and the member starts afresh.
            give_up(owned_, /*lost=*/true);  // May suspend.
            lost_ = false;
            member_id_.clear();
            generation_id_ = -1;
        }
        if (!cooperative_) give_up(owned_, /*lost=*/false);  // eager: all, before JoinGroup
        if (fatal_) return *fatal_;
        state_ = MemberState::joining;
        Result<Round> round = join_round(deadline);  // May suspend.
        if (fatal_) return *fatal_;
        if (!round) failure = round.error();
        if (state_ == MemberState::stable && !needs_rejoin()) break;
        if (round && *round == Round::rejoin) continue;  // at once: the coordinator asked
        Instant now = cluster_.env().clock.now();
        if (now >= deadline) {
            return failure ? failure->wrap("group " + config_.group_id)
                           : Error(ErrorCode::timeout, "group " + config_.group_id +
                                                           ": not stable before the deadline");
        }
        cluster_.env().clock.sleep_until(
            std::min(deadline, now + cluster_.config().retry_backoff));  // May suspend.
    }
    return {};
}

Result<GroupMember::Round> GroupMember::join_round(Instant deadline) {
    TRY_ASSIGN(std::shared_ptr<BrokerLink> link, coordinator(deadline));  // May suspend.
    if (config_.group_instance_id && link->version(protocol::ApiKey::join_group).value_or(0) < 5) {
        return fatal(Error(ErrorCode::unsupported,
                           link->describe() + ": group.instance.id needs JoinGroup v5"))
            .error();
    }
    protocol::JoinGroupRequest request;
    request.group_id = config_.group_id;
    request.session_timeout_ms = static_cast<int32_t>(to_ms(config_.session_timeout));
    request.rebalance_timeout_ms = static_cast<int32_t>(to_ms(config_.rebalance_timeout));
    request.member_id = member_id_;
    request.group_instance_id = config_.group_instance_id;
    request.protocol_type = std::string(kProtocolType);
    for (const std::string& name : config_.assignors) {
        request.protocols.push_back({name, subscription_bytes()});
    }
    // A rejoin asked for while this round is out is answered by the next round.
    rejoin_needed_ = false;
    Instant call_deadline =
        std::max(cluster_.request_deadline(),
                 cluster_.env().clock.now() + config_.rebalance_timeout + kJoinGrace);
    auto response =
        link->call<protocol::JoinGroupResponse>(request, call_deadline);  // May suspend.
    if (!response) {
        coordinator_lost();
        rejoin_needed_ = true;
        return response.error().wrap("JoinGroup");
    }
    KafkaError error = kafka_error_from_wire(response->error_code);
    if (error == KafkaError::member_id_required) {
        member_id_ = response->member_id;
        rejoin_needed_ = true;
        return Round::rejoin;
    }
    if (error == KafkaError::unknown_member_id || error == KafkaError::illegal_generation) {
        // The coordinator forgot this membership (expired, or restarted): what it owned may be
        // someone else's already, and its positions may be stale. poll() drops it unread
        // and rejoins afresh; also a static member, whose instance id the coordinator maps.
        lost_ = true;
        rejoin_needed_ = true;
        return Round::rejoin;
    }
    if (fatal_join_error(error)) {
        return fatal(kafka_failure(link->describe() + ": group " + config_.group_id + ": JoinGroup",
                                   error))
            .error();
    }
    if (error != KafkaError::none) {
        if (coordinator_error(error)) coordinator_lost();
        rejoin_needed_ = true;
        return kafka_failure(link->describe() + ": JoinGroup", error);
    }
    member_id_ = response->member_id;
    generation_id_ = response->generation_id;
    leader_ = response->leader;
    protocol_name_ = response->protocol_name.value_or("");
    return sync_round(*response);  // May suspend.
}

Result<GroupMember::Round> GroupMember::sync_round(const protocol::JoinGroupResponse& joined) {
    protocol::SyncGroupRequest request;
    request.group_id = config_.group_id;
    request.generation_id = generation_id_;
    request.member_id = member_id_;
    request.group_instance_id = config_.group_instance_id;
    if (is_leader()) {
        auto assignments = assign(joined);  // May suspend.
        if (!assignments) {
            rejoin_needed_ = true;
            return assignments.error().wrap("assignment");
        }
        request.assignments = std::move(*assignments);
    }
    TRY_ASSIGN(std::shared_ptr<BrokerLink> link, coordinator(cluster_.request_deadline()));
    if (link->version(protocol::ApiKey::sync_group).value_or(0) >= 5) {
        request.protocol_type = std::string(kProtocolType);
        request.protocol_name = protocol_name_;
    }
    int32_t generation = generation_id_;
    auto response = link->call<protocol::SyncGroupResponse>(
        request, cluster_.request_deadline());  // May suspend.
    if (!response) {
        coordinator_lost();
        rejoin_needed_ = true;
        return response.error().wrap("SyncGroup");
    }
    KafkaError error = kafka_error_from_wire(response->error_code);
    if (error != KafkaError::none) {
        (void)absorb_error(error);
        if (fatal_) return *fatal_;
        rejoin_needed_ = true;
        // A new round or a lost membership: rejoin now. Anything else waits the backoff.
        if (error == KafkaError::rebalance_in_progress || lost_) return Round::rejoin;
        return kafka_failure(link->describe() + ": SyncGroup", error);
    }
    if (generation != generation_id_ || lost_) {
        rejoin_needed_ = true;  // the membership changed while SyncGroup was out
        return Round::rejoin;
    }
    Assignment assignment;
    if (!response->assignment.empty()) {
        auto decoded = decode_assignment(response->assignment);
        if (!decoded) {
            rejoin_needed_ = true;
            return decoded.error().wrap(link->describe() + ": SyncGroup assignment");
        }
        assignment = std::move(*decoded);
    }
    install(assignment);  // May suspend.
    return Round::done;
}

Result<std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment>> GroupMember::assign(
    const protocol::JoinGroupResponse& joined) {
    std::unique_ptr<Assignor> assignor = make_assignor(protocol_name_);
    if (assignor == nullptr) {
        return Error(ErrorCode::unsupported,
                     "the coordinator chose unknown assignor " + protocol_name_);
    }
    std::vector<MemberSubscription> members;
    std::set<std::string> topics;
    for (const auto& member : joined.members) {
        auto subscription = decode_subscription(member.metadata);
        if (!subscription) {
            // A member whose metadata does not decode gets nothing rather than stalling the group.
            cluster_.log().warn("group {}: member {}: {}", config_.group_id, member.member_id,
                                subscription.error().describe());
            subscription = Subscription{};
        }
        topics.insert(subscription->topics.begin(), subscription->topics.end());
        members.push_back({member.member_id, member.group_instance_id, std::move(*subscription)});
    }
    std::map<std::string, int32_t> partitions_per_topic;
    for (const std::string& topic : topics) {
        auto metadata = cluster_.topic(topic, cluster_.request_deadline());  // May suspend.
        if (!metadata) {
            // A topic that does not exist gets no owners; one whose metadata could not be had
            // now fails the round (it is rejoined), rather than going unowned until the next
            // rebalance, which might never come.
            if (metadata.error().code() != ErrorCode::not_found) return metadata.error();
            cluster_.log().warn("group {}: topic {} left out of the assignment: {}",
                                config_.group_id, topic, metadata.error().describe());
            continue;
        }
        partitions_per_topic[topic] = static_cast<int32_t>(metadata->partitions.size());
    }
    std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment> out;
    for (const auto& [member_id, assignment] : assignor->assign(partitions_per_topic, members)) {
        out.push_back({member_id, encode_assignment(assignment, kAssignmentVersion)});
    }
    return out;
}

void GroupMember::install(const Assignment& assignment) {
    std::set<TopicPartition> next;
    for (const auto& [topic, partitions] : assignment.partitions) {
        for (PartitionId partition : partitions) next.insert({topic, partition});
    }
    std::set<TopicPartition> revoked = minus(owned_, next);
    std::set<TopicPartition> added = minus(next, owned_);
    if (!revoked.empty()) {
        // Only a cooperative member still owns something here. The moved partitions reach
        // their new owner in the next generation, which this member's rejoin starts. Until
        // the revocation (a commit) is done the member is not stable: nobody may take its
        // old set for its assignment.
        give_up(revoked, /*lost=*/false);  // May suspend.
        rejoin_needed_ = true;
    }
    owned_ = std::move(next);
    state_ = MemberState::stable;
    heartbeat_wake_.notify_all();
    if (listener_.assigned) listener_.assigned(added);
}

void GroupMember::run_heartbeats() {
    struct Done {
        GroupMember& member;
        ~Done() {
            member.heartbeat_running_ = false;
            member.heartbeat_done_.notify_all();
        }
    } done{*this};
    Clock& clock = cluster_.env().clock;
    while (state_ != MemberState::closed && !fatal_) {
        if (state_ != MemberState::stable || needs_rejoin()) {
            heartbeat_wake_.wait();  // May suspend.
            continue;
        }
        int32_t generation = generation_id_;
        std::string member_id = member_id_;
        auto link = coordinator(cluster_.request_deadline());  // May suspend.
        if (link && state_ == MemberState::stable && generation == generation_id_) {
            protocol::HeartbeatRequest request;
            request.group_id = config_.group_id;
            request.generation_id = generation;
            request.member_id = member_id;
            request.group_instance_id = config_.group_instance_id;
            auto response = (*link)->call<protocol::HeartbeatResponse>(
                request, cluster_.request_deadline());  // May suspend.
            if (!response) {
                if (coordinator_link_ == *link) coordinator_lost();
            } else if (generation == generation_id_ && member_id == member_id_) {
                KafkaError error = kafka_error_from_wire(response->error_code);
                if (!absorb_error(error)) {
                    cluster_.log().warn("group {}: heartbeat: {}", config_.group_id,
                                        protocol::kafka_error_name(error));
                }
            }
        }
        if (state_ == MemberState::closed) break;
        heartbeat_wake_.wait(clock.now() + config_.heartbeat_interval);  // May suspend.
    }
}

void GroupMember::close(Instant deadline) {
    if (state_ == MemberState::closed) return;
    if (!fatal_ && state_ == MemberState::stable) give_up(owned_, /*lost=*/false);  // May suspend.
    // A static member keeps its seat: its restart within the session timeout takes its old
    // assignment back without a rebalance (KIP-345).
    if (!fatal_ && !config_.group_instance_id && !member_id_.empty()) {
        auto link = coordinator(deadline);  // May suspend.
        if (link) {
            protocol::LeaveGroupRequest request;
            request.group_id = config_.group_id;
            request.members.push_back({member_id_, std::nullopt, std::nullopt});
            auto left = (*link)->call<protocol::LeaveGroupResponse>(
                request, std::min(deadline, cluster_.request_deadline()));  // May suspend.
            if (!left)
                cluster_.log().info("group {}: LeaveGroup: {}", config_.group_id,
                                    left.error().describe());
        }
    }
    state_ = MemberState::closed;
    owned_.clear();
    coordinator_lost();
    heartbeat_wake_.notify_all();
    while (heartbeat_running_) heartbeat_done_.wait();  // May suspend.
}

}  // namespace brook::client
