#include "core/client/group_subscription.h"

#include "core/client/consumer.h"

namespace brook::client {

namespace {

GroupMemberConfig member_config(const ConsumerConfig& config) {
    GroupMemberConfig member = config.group;
    member.group_id = config.group_id;
    return member;
}

}  // namespace

GroupSubscription::GroupSubscription(Consumer& consumer, Cluster& cluster,
                                     const ConsumerConfig& config)
    : consumer_(consumer),
      cluster_(cluster),
      config_(config),
      member_(cluster, member_config(config)) {
    member_.set_listener({
        .revoked = [this](const auto& partitions, bool lost) { on_revoked(partitions, lost); },
        .assigned = [this](const auto& partitions) { on_assigned(partitions); },
    });
}

Result<void> GroupSubscription::poll(Instant deadline) {
    TRY(member_.poll(deadline));  // May suspend.
    // OffsetFetch and OffsetCommit get the full request.timeout.ms, not what is left of a short
    // poll: a call cut short by its deadline breaks the connection the fetches share.
    TRY(start_pending(cluster_.request_deadline()));  // May suspend.
    Instant now = cluster_.env().clock.now();
    if (config_.enable_auto_commit && now >= next_auto_commit_ &&
        member_.state() == MemberState::stable) {
        next_auto_commit_ = now + config_.auto_commit_interval;
        std::set<TopicPartition> owned = member_.owned();
        Result<void> committed =
            commit_positions(owned, cluster_.request_deadline());  // May suspend.
        if (!committed) {
            cluster_.log().info("group {}: auto commit: {}", config_.group_id,
                                committed.error().describe());
        }
    }
    return {};
}

Result<std::map<TopicPartition, KafkaError>> GroupSubscription::commit(
    const std::map<TopicPartition, Offset>& offsets, Instant deadline) {
    GroupGeneration generation = member_.generation();
    Instant sent_at = cluster_.env().clock.now();
    TRY_ASSIGN(auto results, commit_offsets(cluster_, config_.group_id, generation, offsets,
                                            deadline));  // May suspend.
    if (observer_.committed) observer_.committed(generation, offsets, results, sent_at);
    for (const auto& [tp, error] : results) {
        if (error != KafkaError::none) member_.on_commit_error(error);
    }
    return results;
}

Result<void> GroupSubscription::commit_positions(const std::set<TopicPartition>& partitions,
                                                 Instant deadline) {
    std::map<TopicPartition, Offset> offsets;
    for (const TopicPartition& tp : partitions) {
        if (pending_start_.contains(tp)) continue;         // never read: nothing to commit
        auto position = consumer_.position(tp, deadline);  // May suspend.
        if (position) offsets[tp] = *position;
    }
    if (offsets.empty()) return {};
    TRY_ASSIGN(auto results, commit(offsets, deadline));  // May suspend.
    for (const auto& [tp, error] : results) {
        if (error != KafkaError::none) {
            return kafka_failure(
                fmt::format("group {}: commit {}", config_.group_id, tp.to_string()), error);
        }
    }
    return {};
}

void GroupSubscription::on_revoked(const std::set<TopicPartition>& partitions, bool lost) {
    if (!lost && (config_.enable_auto_commit || config_.commit_on_revoke)) {
        Result<void> committed =
            commit_positions(partitions, cluster_.request_deadline());  // May suspend.
        if (!committed) {
            cluster_.log().info("group {}: commit before revoke: {}", config_.group_id,
                                committed.error().describe());
        }
    }
    std::vector<TopicPartition> kept;
    for (const TopicPartition& tp : consumer_.assignment()) {
        if (!partitions.contains(tp)) kept.push_back(tp);
    }
    for (const TopicPartition& tp : partitions) pending_start_.erase(tp);
    consumer_.assign(std::move(kept));
    if (observer_.revoked) observer_.revoked(partitions, lost);
}

void GroupSubscription::on_assigned(const std::set<TopicPartition>& partitions) {
    consumer_.set_group_generation(member_.generation());
    const std::set<TopicPartition>& owned = member_.owned();
    consumer_.assign(std::vector<TopicPartition>(owned.begin(), owned.end()));
    pending_start_.insert(partitions.begin(), partitions.end());
    if (observer_.assigned) observer_.assigned(member_.generation(), owned);
}

Result<void> GroupSubscription::start_pending(Instant deadline) {
    if (pending_start_.empty()) return {};
    std::vector<TopicPartition> asking(pending_start_.begin(), pending_start_.end());
    Instant asked_at = cluster_.env().clock.now();
    TRY_ASSIGN(GroupOffsets fetched,
               fetch_committed(cluster_, config_.group_id, asking, deadline));  // May suspend.
    if (fetched.error != KafkaError::none) {
        return kafka_failure("group " + config_.group_id + ": OffsetFetch", fetched.error);
    }
    for (const TopicPartition& tp : asking) {
        // Revoked, or reassigned and asked again, while the OffsetFetch was out.
        if (!pending_start_.contains(tp)) continue;
        auto found = fetched.offsets.find(tp);
        if (found != fetched.offsets.end() && found->second.error != KafkaError::none) {
            return kafka_failure("group " + config_.group_id + ": OffsetFetch " + tp.to_string(),
                                 found->second.error);
        }
        bool committed = found != fetched.offsets.end() && found->second.offset.value() >= 0;
        // Without a committed offset, position() applies auto.offset.reset.
        if (committed) TRY(consumer_.seek(tp, found->second.offset));
        auto position = consumer_.position(tp, deadline);  // May suspend: the reset policy
        if (!position) return position.error();
        if (!pending_start_.contains(tp)) continue;
        pending_start_.erase(tp);
        if (observer_.started) observer_.started(tp, *position, committed, asked_at);
    }
    return {};
}

void GroupSubscription::close(Instant deadline) { member_.close(deadline); }

}  // namespace brook::client
