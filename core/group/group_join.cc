// The join half of the group state machine (group.h): protocol checks and selection, new,
// known and static members joining, and the rounds that PreparingRebalance completes.
#include <algorithm>

#include "core/base/check.h"
#include "core/group/group.h"

namespace brook::group {

bool Group::supports(const std::string& protocol_type,
                     const std::vector<Protocol>& protocols) const {
    if (protocol_type.empty() || protocols.empty()) return false;
    if (members_.empty()) return true;
    if (protocol_type != protocol_type_) return false;
    // At least one of the newcomer's protocols must be supported by every member.
    return std::any_of(protocols.begin(), protocols.end(), [&](const Protocol& offered) {
        return std::all_of(members_.begin(), members_.end(), [&](const auto& entry) {
            const auto& own = entry.second.protocols;
            return std::any_of(own.begin(), own.end(),
                               [&](const Protocol& p) { return p.name == offered.name; });
        });
    });
}

// Kafka's vote: among the protocols every member supports, each member votes for the one it
// lists first; the most votes win. Ties go to the name the leader prefers most, then to the
// smallest name (Kafka leaves them to hash order; a simulator needs a fixed rule).
std::string Group::select_protocol() const {
    ASSERT(!members_.empty());
    std::vector<std::string> candidates;
    for (const Protocol& protocol : members_.begin()->second.protocols) {
        bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& entry) {
            const auto& own = entry.second.protocols;
            return std::any_of(own.begin(), own.end(),
                               [&](const Protocol& p) { return p.name == protocol.name; });
        });
        if (everyone) candidates.push_back(protocol.name);
    }
    ASSERT(!candidates.empty(), "group {}: no protocol common to all members", id_);
    std::map<std::string, int> votes;
    for (const auto& [member_id, member] : members_) {
        for (const Protocol& protocol : member.protocols) {
            if (std::find(candidates.begin(), candidates.end(), protocol.name) !=
                candidates.end()) {
                ++votes[protocol.name];
                break;
            }
        }
    }
    std::string best;
    int best_votes = -1;
    for (const auto& [name, count] : votes) {  // ascending names: the smallest wins a tie
        if (count > best_votes) {
            best = name;
            best_votes = count;
        }
    }
    return best;
}

const Bytes& Group::metadata_for(const Member& member, const std::string& protocol) const {
    for (const Protocol& p : member.protocols) {
        if (p.name == protocol) return p.metadata;
    }
    UNREACHABLE("member {} lacks the selected protocol {}", member.member_id, protocol);
}

JoinResult Group::join_result_for(const Member& member) const {
    JoinResult result;
    result.generation = generation_;
    result.protocol_type = protocol_type_;
    result.protocol_name = protocol_name_;
    result.leader = leader_;
    result.member_id = member.member_id;
    if (member.member_id == leader_) {
        std::vector<const Member*> ordered;
        for (const auto& [id, m] : members_) ordered.push_back(&m);
        std::sort(ordered.begin(), ordered.end(), [](const Member* a, const Member* b) {
            return a->joined_sequence < b->joined_sequence;
        });
        for (const Member* m : ordered) {
            result.members.push_back(
                {m->member_id, m->group_instance_id, metadata_for(*m, protocol_name_)});
        }
    }
    return result;
}

JoinReply Group::join(const JoinInput& input, Instant now, uint64_t ticket) {
    auto error = [](KafkaError code, std::string member_id = {}) {
        JoinResult result;
        result.error = code;
        result.member_id = std::move(member_id);
        return JoinReply{result};
    };
    if (state_ == GroupState::dead) return error(KafkaError::coordinator_not_available);
    if (input.session_timeout < limits_.min_session_timeout ||
        input.session_timeout > limits_.max_session_timeout) {
        return error(KafkaError::invalid_session_timeout, input.member_id);
    }
    if (!supports(input.protocol_type, input.protocols)) {
        return error(KafkaError::inconsistent_group_protocol, input.member_id);
    }
    if (input.member_id.empty()) return join_new_member(input, now, ticket);

    if (pending_members_.erase(input.member_id) > 0) {
        add_member(input, input.member_id, now).join_ticket = ticket;
        prepare_rebalance(now);
        try_complete_join(now);
        return {};
    }
    if (input.group_instance_id) {
        std::optional<std::string> holder = member_of_instance(*input.group_instance_id);
        if (holder && *holder != input.member_id) {
            return error(KafkaError::fenced_instance_id, input.member_id);
        }
    }
    auto found = members_.find(input.member_id);
    if (found == members_.end()) return error(KafkaError::unknown_member_id, input.member_id);
    return join_known_member(found->second, input, now, ticket);
}

JoinReply Group::join_new_member(const JoinInput& input, Instant now, uint64_t ticket) {
    if (input.group_instance_id) {
        if (std::optional<std::string> old = member_of_instance(*input.group_instance_id)) {
            return replace_static_member(*old, input, now, ticket);
        }
        // A static member is known by its instance id: no MEMBER_ID_REQUIRED round trip.
        add_member(input, input.fresh_member_id, now).join_ticket = ticket;
        prepare_rebalance(now);
        try_complete_join(now);
        return {};
    }
    if (input.require_known_member_id) {
        pending_members_[input.fresh_member_id] = now + input.session_timeout;
        JoinResult result;
        result.error = KafkaError::member_id_required;
        result.member_id = input.fresh_member_id;
        return JoinReply{result};
    }
    add_member(input, input.fresh_member_id, now).join_ticket = ticket;
    prepare_rebalance(now);
    try_complete_join(now);
    return {};
}

// A static member came back with a new member id: the old id is fenced. With its protocols
// unchanged in a Stable group it keeps its assignment and nobody rebalances (KIP-345).
JoinReply Group::replace_static_member(const std::string& old_id, const JoinInput& input,
                                       Instant now, uint64_t ticket) {
    Member old = std::move(members_.at(old_id));
    members_.erase(old_id);
    if (old.join_ticket) {
        JoinResult fenced;
        fenced.error = KafkaError::fenced_instance_id;
        fenced.member_id = old_id;
        completions_.push_back({*old.join_ticket, fenced, std::nullopt});
    }
    if (old.sync_ticket) {
        SyncResult fenced;
        fenced.error = KafkaError::fenced_instance_id;
        completions_.push_back({*old.sync_ticket, std::nullopt, fenced});
    }
    bool unchanged = old.protocols == input.protocols;
    Member& member = add_member(input, input.fresh_member_id, now);
    member.joined_sequence = old.joined_sequence;
    member.assignment = std::move(old.assignment);
    if (leader_ == old_id) leader_ = member.member_id;
    if (state_ == GroupState::stable && unchanged) {
        metadata_changed_ = true;
        return JoinReply{join_result_for(member)};
    }
    member.join_ticket = ticket;
    prepare_rebalance(now);
    try_complete_join(now);
    return {};
}

JoinReply Group::join_known_member(Member& member, const JoinInput& input, Instant now,
                                   uint64_t ticket) {
    bool unchanged = member.protocols == input.protocols;
    if (member.join_ticket) {
        // A retried JoinGroup replaces the earlier one, which gets nothing useful any more.
        JoinResult superseded;
        superseded.error = KafkaError::unknown_member_id;
        superseded.member_id = member.member_id;
        completions_.push_back({*member.join_ticket, superseded, std::nullopt});
        member.join_ticket.reset();
    }
    member.protocols = input.protocols;
    member.session_timeout = input.session_timeout;
    member.rebalance_timeout = input.rebalance_timeout;
    member.session_deadline = now + input.session_timeout;
    switch (state_) {
        case GroupState::preparing_rebalance:
            member.join_ticket = ticket;
            try_complete_join(now);
            return {};
        case GroupState::completing_rebalance:
            // The member lost our join answer and asks again: the same answer, unless it
            // changed what it supports.
            if (unchanged) return JoinReply{join_result_for(member)};
            break;
        case GroupState::stable:
            // A follower that rejoins unchanged learns the current generation; the leader
            // rejoining, or anyone changing protocols, starts a new round.
            if (unchanged && member.member_id != leader_) {
                return JoinReply{join_result_for(member)};
            }
            break;
        case GroupState::empty:
        case GroupState::dead:
            UNREACHABLE("group {} has a member in state {}", id_, group_state_name(state_));
    }
    member.join_ticket = ticket;
    prepare_rebalance(now);
    try_complete_join(now);
    return {};
}

Member& Group::add_member(const JoinInput& input, const std::string& member_id, Instant now) {
    ASSERT(!member_id.empty());
    ASSERT(!members_.contains(member_id), "member id {} given twice", member_id);
    if (members_.empty()) protocol_type_ = input.protocol_type;
    Member& member = members_[member_id];
    member.member_id = member_id;
    member.group_instance_id = input.group_instance_id;
    member.client_id = input.client_id;
    member.client_host = input.client_host;
    member.session_timeout = input.session_timeout;
    member.rebalance_timeout = input.rebalance_timeout;
    member.protocols = input.protocols;
    member.session_deadline = now + input.session_timeout;
    member.joined_sequence = next_join_sequence_++;
    if (input.group_instance_id) static_members_[*input.group_instance_id] = member_id;
    if (leader_.empty()) leader_ = member_id;
    return member;
}

void Group::prepare_rebalance(Instant now) {
    if (state_ == GroupState::completing_rebalance) {
        for (auto& [id, member] : members_) {
            member.assignment.clear();
            SyncResult retry;
            retry.error = KafkaError::rebalance_in_progress;
            complete_sync_ticket(member, retry);
        }
    }
    Duration longest{};
    for (const auto& [id, member] : members_) {
        longest = std::max(longest, member.rebalance_timeout);
    }
    if (state_ == GroupState::empty) {
        // Kafka's InitialDelayedJoin: give the other members of a starting application time
        // to arrive, so the first generation is not immediately followed by a second.
        initial_delay_until_ = now + limits_.initial_rebalance_delay;
        initial_delay_limit_ = now + std::max(longest, limits_.initial_rebalance_delay);
    } else if (state_ == GroupState::preparing_rebalance && initial_delay_until_ != kNever) {
        initial_delay_until_ =
            std::min(initial_delay_limit_, now + limits_.initial_rebalance_delay);
    }
    if (state_ != GroupState::preparing_rebalance) rebalance_deadline_ = now + longest;
    state_ = GroupState::preparing_rebalance;
}

void Group::try_complete_join(Instant now) {
    if (state_ != GroupState::preparing_rebalance) return;
    if (initial_delay_until_ != kNever && now < initial_delay_until_) return;
    bool everyone = pending_members_.empty() &&
                    std::all_of(members_.begin(), members_.end(),
                                [](const auto& entry) { return entry.second.join_ticket; });
    if (everyone || now >= rebalance_deadline_ || initial_delay_until_ != kNever) {
        complete_join(now);
    }
}

void Group::complete_join(Instant now) {
    // Members that did not rejoin in time are dropped; static members keep their place
    // (they are known by their instance id and may come back).
    std::vector<std::string> absent;
    for (const auto& [id, member] : members_) {
        if (!member.join_ticket && !member.group_instance_id) absent.push_back(id);
    }
    for (const std::string& id : absent) remove_member(id, now);
    initial_delay_until_ = kNever;
    initial_delay_limit_ = kNever;
    rebalance_deadline_ = kNever;
    ++generation_;
    metadata_changed_ = true;
    bool anyone_joined = std::any_of(members_.begin(), members_.end(),
                                     [](const auto& entry) { return entry.second.join_ticket; });
    if (!anyone_joined) {
        // Only absent static members (or nobody) remain: nothing to assign.
        for (auto& [id, member] : members_) {
            if (member.group_instance_id) static_members_.erase(*member.group_instance_id);
        }
        members_.clear();
        leader_.clear();
        protocol_name_.clear();
        state_ = GroupState::empty;
        return;
    }
    if (!members_.contains(leader_) || !members_.at(leader_).join_ticket) {
        const Member* first = nullptr;
        for (const auto& [id, member] : members_) {
            if (member.join_ticket &&
                (first == nullptr || member.joined_sequence < first->joined_sequence)) {
                first = &member;
            }
        }
        leader_ = first->member_id;
    }
    protocol_name_ = select_protocol();
    state_ = GroupState::completing_rebalance;
    for (auto& [id, member] : members_) {
        member.session_deadline = now + member.session_timeout;
        if (member.join_ticket) complete_join_ticket(member, join_result_for(member));
    }
}

}  // namespace brook::group
