// The group state machine (group.h) outside joining (group_join.cc): syncs, heartbeats,
// leaves, commit checks, deletion, member removal, expiry and the completions of parked requests.
#include "core/group/group.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"

namespace brook::group {

std::string_view group_state_name(GroupState state) {
    switch (state) {
        case GroupState::empty:
            return "Empty";
        case GroupState::preparing_rebalance:
            return "PreparingRebalance";
        case GroupState::completing_rebalance:
            return "CompletingRebalance";
        case GroupState::stable:
            return "Stable";
        case GroupState::dead:
            return "Dead";
    }
    return "Unknown";
}

std::optional<std::string> Group::member_of_instance(const std::string& instance_id) const {
    auto found = static_members_.find(instance_id);
    if (found == static_members_.end()) return std::nullopt;
    return found->second;
}

void Group::complete_join_ticket(Member& member, JoinResult result) {
    if (!member.join_ticket) return;
    completions_.push_back({*member.join_ticket, std::move(result), std::nullopt});
    member.join_ticket.reset();
}

void Group::complete_sync_ticket(Member& member, SyncResult result) {
    if (!member.sync_ticket) return;
    completions_.push_back({*member.sync_ticket, std::nullopt, std::move(result)});
    member.sync_ticket.reset();
}

void Group::remove_member(const std::string& member_id, Instant now) {
    auto found = members_.find(member_id);
    ASSERT(found != members_.end());
    Member& member = found->second;
    JoinResult gone;
    gone.error = KafkaError::unknown_member_id;
    gone.member_id = member_id;
    complete_join_ticket(member, gone);
    SyncResult gone_sync;
    gone_sync.error = KafkaError::unknown_member_id;
    complete_sync_ticket(member, gone_sync);
    if (member.group_instance_id) static_members_.erase(*member.group_instance_id);
    members_.erase(found);
    if (leader_ == member_id) leader_ = members_.empty() ? "" : members_.begin()->first;
}

SyncReply Group::sync(const SyncInput& input, uint64_t ticket) {
    auto error = [](KafkaError code) {
        SyncResult result;
        result.error = code;
        return SyncReply{result};
    };
    if (state_ == GroupState::dead) return error(KafkaError::coordinator_not_available);
    if (input.group_instance_id) {
        std::optional<std::string> holder = member_of_instance(*input.group_instance_id);
        if (holder && *holder != input.member_id) return error(KafkaError::fenced_instance_id);
    }
    auto found = members_.find(input.member_id);
    if (found == members_.end()) return error(KafkaError::unknown_member_id);
    if (input.generation != generation_) return error(KafkaError::illegal_generation);
    if ((input.protocol_type && *input.protocol_type != protocol_type_) ||
        (input.protocol_name && *input.protocol_name != protocol_name_)) {
        return error(KafkaError::inconsistent_group_protocol);
    }
    Member& member = found->second;
    auto answer = [&](const Member& m) {
        SyncResult result;
        result.protocol_type = protocol_type_;
        result.protocol_name = protocol_name_;
        result.assignment = m.assignment;
        return result;
    };
    switch (state_) {
        case GroupState::preparing_rebalance:
            return error(KafkaError::rebalance_in_progress);
        case GroupState::stable:
            return SyncReply{answer(member)};
        case GroupState::completing_rebalance:
            break;
        case GroupState::empty:
        case GroupState::dead:
            UNREACHABLE("group {} has members while {}", id_, group_state_name(state_));
    }
    if (member.sync_ticket) {
        SyncResult superseded;
        superseded.error = KafkaError::rebalance_in_progress;
        complete_sync_ticket(member, superseded);
    }
    member.sync_ticket = ticket;
    if (input.member_id != leader_) return {};
    for (auto& [id, m] : members_) {
        auto assigned = input.assignments.find(id);
        m.assignment = assigned == input.assignments.end() ? Bytes{} : assigned->second;
    }
    state_ = GroupState::stable;
    metadata_changed_ = true;
    for (auto& [id, m] : members_) complete_sync_ticket(m, answer(m));
    return {};
}

KafkaError Group::heartbeat(const std::string& member_id,
                            const std::optional<std::string>& group_instance_id, int32_t generation,
                            Instant now) {
    if (state_ == GroupState::dead) return KafkaError::coordinator_not_available;
    if (group_instance_id) {
        std::optional<std::string> holder = member_of_instance(*group_instance_id);
        if (holder && *holder != member_id) return KafkaError::fenced_instance_id;
    }
    auto found = members_.find(member_id);
    if (found == members_.end()) return KafkaError::unknown_member_id;
    if (generation != generation_) return KafkaError::illegal_generation;
    found->second.session_deadline = now + found->second.session_timeout;
    if (state_ == GroupState::preparing_rebalance) return KafkaError::rebalance_in_progress;
    return KafkaError::none;
}

std::vector<KafkaError> Group::leave(const std::vector<LeaveInput>& leaving, Instant now) {
    std::vector<KafkaError> results;
    bool removed = false;
    for (const LeaveInput& input : leaving) {
        std::string member_id = input.member_id;
        if (input.group_instance_id) {
            std::optional<std::string> holder = member_of_instance(*input.group_instance_id);
            if (!holder) {
                results.push_back(KafkaError::unknown_member_id);
                continue;
            }
            if (!member_id.empty() && member_id != *holder) {
                results.push_back(KafkaError::fenced_instance_id);
                continue;
            }
            member_id = *holder;
        }
        if (state_ == GroupState::dead || !members_.contains(member_id)) {
            results.push_back(KafkaError::unknown_member_id);
            continue;
        }
        remove_member(member_id, now);
        removed = true;
        results.push_back(KafkaError::none);
    }
    if (removed) {
        if (state_ != GroupState::preparing_rebalance) prepare_rebalance(now);
        // Nobody is left to wait for: no initial delay for an emptied group.
        if (members_.empty()) initial_delay_until_ = kNever;
        try_complete_join(now);
    }
    return results;
}

KafkaError Group::check_commit(const std::string& member_id,
                               const std::optional<std::string>& group_instance_id,
                               int32_t generation) const {
    if (state_ == GroupState::dead) return KafkaError::coordinator_not_available;
    if (generation < 0 && member_id.empty() && members_.empty()) return KafkaError::none;
    if (group_instance_id) {
        std::optional<std::string> holder = member_of_instance(*group_instance_id);
        if (holder && *holder != member_id) return KafkaError::fenced_instance_id;
    }
    if (!members_.contains(member_id)) return KafkaError::unknown_member_id;
    if (generation != generation_) return KafkaError::illegal_generation;
    if (state_ == GroupState::completing_rebalance) return KafkaError::rebalance_in_progress;
    return KafkaError::none;
}

KafkaError Group::mark_dead() {
    if (state_ == GroupState::dead) return KafkaError::group_id_not_found;
    if (state_ != GroupState::empty) return KafkaError::non_empty_group;
    state_ = GroupState::dead;
    pending_members_.clear();
    return KafkaError::none;
}

void Group::advance(Instant now) {
    for (auto it = pending_members_.begin(); it != pending_members_.end();) {
        it = it->second <= now ? pending_members_.erase(it) : std::next(it);
    }
    std::vector<std::string> expired;
    for (const auto& [id, member] : members_) {
        // A member parked in JoinGroup or SyncGroup is alive by definition.
        if (!member.join_ticket && !member.sync_ticket && member.session_deadline <= now) {
            expired.push_back(id);
        }
    }
    if (!expired.empty()) {
        for (const std::string& id : expired) remove_member(id, now);
        if (state_ != GroupState::preparing_rebalance) prepare_rebalance(now);
        if (members_.empty()) initial_delay_until_ = kNever;
    }
    try_complete_join(now);
}

Instant Group::next_deadline() const {
    Instant next = kNever;
    for (const auto& [id, deadline] : pending_members_) next = std::min(next, deadline);
    for (const auto& [id, member] : members_) {
        if (!member.join_ticket && !member.sync_ticket) {
            next = std::min(next, member.session_deadline);
        }
    }
    if (state_ == GroupState::preparing_rebalance) {
        next = std::min(
            next, initial_delay_until_ != kNever ? initial_delay_until_ : rebalance_deadline_);
    }
    return next;
}

std::vector<Completion> Group::take_completions() { return std::exchange(completions_, {}); }

bool Group::take_metadata_changed() { return std::exchange(metadata_changed_, false); }

void Group::fail_all_parked(KafkaError error) {
    for (auto& [id, member] : members_) {
        JoinResult join;
        join.error = error;
        join.member_id = id;
        complete_join_ticket(member, join);
        SyncResult sync;
        sync.error = error;
        complete_sync_ticket(member, sync);
    }
}

void Group::restore(int32_t generation, std::string protocol_type, std::string protocol_name) {
    ASSERT(members_.empty() && state_ == GroupState::empty);
    generation_ = generation;
    protocol_type_ = std::move(protocol_type);
    protocol_name_ = std::move(protocol_name);
}

}  // namespace brook::group
