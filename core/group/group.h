// One consumer group under Kafka's classic protocol, as a pure state machine: requests and the
// current time go in, answers and completions of parked requests come out. No I/O, no fibers,
// no clock: the coordinator (group_coordinator.h) does the waiting and the storage, so every
// transition here is unit-testable with plain values.
//
//   Group group("orders-app", GroupLimits{});
//   JoinInput join{.member_id = "", .fresh_member_id = "c-1", .protocol_type = "consumer", ...};
//   JoinReply reply = group.join(join, now, /*ticket=*/7);  // parked: reply.parked
//   group.advance(now + seconds(3));                         // the delayed join completes
//   for (Completion& done : group.take_completions()) deliver(done.ticket, done.join);
//
// States (docs/design/groups.md has the diagram):
//   Empty --join--> PreparingRebalance --all rejoined / timeout--> CompletingRebalance
//   CompletingRebalance --leader's SyncGroup--> Stable --join, leave, expiry--> PreparingRebalance
//   PreparingRebalance --no members left--> Empty;  Empty --DeleteGroups--> Dead
// Every completed join round increments the generation, so generations only increase.
//
// A request that must wait (a JoinGroup until the round completes, a follower's SyncGroup until
// the leader's assignment) is parked under a ticket the caller chose; it comes back from
// take_completions() exactly once, with its answer, at the latest when the rebalance deadline
// passes (advance()) or the member goes away.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/protocol/error_code.h"

namespace brook::group {

using protocol::KafkaError;
using Bytes = std::vector<uint8_t>;

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };
// Kafka's names, as DescribeGroups and ListGroups report them ("PreparingRebalance").
std::string_view group_state_name(GroupState state);

struct GroupLimits {
    Duration initial_rebalance_delay = milliseconds(3000);  // group.initial.rebalance.delay.ms
    Duration min_session_timeout = milliseconds(6000);      // group.min.session.timeout.ms
    Duration max_session_timeout = milliseconds(1800000);   // group.max.session.timeout.ms
};

struct Protocol {
    std::string name;
    Bytes metadata;
    bool operator==(const Protocol&) const = default;
};

struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Duration session_timeout{};
    Duration rebalance_timeout{};
    std::vector<Protocol> protocols;  // in the member's order of preference
    Bytes assignment;                 // from the leader's SyncGroup of this generation
    Instant session_deadline;
    std::optional<uint64_t> join_ticket;  // a JoinGroup parked until the round completes
    std::optional<uint64_t> sync_ticket;  // a SyncGroup parked until the leader's assignment
    uint64_t joined_sequence = 0;         // join order: the first member is the default leader
};

struct JoinInput {
    std::string member_id;  // "" for a member that has none yet
    std::optional<std::string> group_instance_id;
    // The id to hand out if this member needs one (the caller draws it from env.random).
    std::string fresh_member_id;
    std::string client_id;
    std::string client_host;
    Duration session_timeout{};
    Duration rebalance_timeout{};
    std::string protocol_type;
    std::vector<Protocol> protocols;
    // JoinGroup v4+: an unknown member first gets MEMBER_ID_REQUIRED and its id, then rejoins.
    bool require_known_member_id = false;
};

struct JoinMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    Bytes metadata;
};

struct JoinResult {
    KafkaError error = KafkaError::none;
    int32_t generation = -1;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::string member_id;
    std::vector<JoinMember> members;  // only the leader gets them
};

struct SyncInput {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int32_t generation = -1;
    std::optional<std::string> protocol_type;  // v5+: checked when present
    std::optional<std::string> protocol_name;
    std::map<std::string, Bytes> assignments;  // the leader's, by member id
};

struct SyncResult {
    KafkaError error = KafkaError::none;
    std::string protocol_type;
    std::string protocol_name;
    Bytes assignment;
};

// Either an answer now, or parked under the ticket given.
template <typename Result>
struct Reply {
    std::optional<Result> now;
    bool parked() const { return !now.has_value(); }
};
using JoinReply = Reply<JoinResult>;
using SyncReply = Reply<SyncResult>;

// The answer to a parked request.
struct Completion {
    uint64_t ticket = 0;
    std::optional<JoinResult> join;
    std::optional<SyncResult> sync;
};

struct LeaveInput {
    std::string member_id;
    std::optional<std::string> group_instance_id;
};

class Group {
public:
    Group(std::string id, GroupLimits limits) : id_(std::move(id)), limits_(limits) {}

    const std::string& id() const { return id_; }
    GroupState state() const { return state_; }
    int32_t generation() const { return generation_; }
    const std::string& protocol_type() const { return protocol_type_; }
    const std::string& protocol_name() const { return protocol_name_; }
    const std::string& leader() const { return leader_; }
    const std::map<std::string, Member>& members() const { return members_; }
    bool has_member(const std::string& member_id) const { return members_.contains(member_id); }
    // The member that holds a static instance id, if any.
    std::optional<std::string> member_of_instance(const std::string& instance_id) const;

    // May park (JoinGroup waits for the round to complete). `now` starts session and
    // rebalance clocks.
    JoinReply join(const JoinInput& input, Instant now, uint64_t ticket);
    // May park (a follower waits for the leader's assignment).
    SyncReply sync(const SyncInput& input, uint64_t ticket);
    KafkaError heartbeat(const std::string& member_id,
                         const std::optional<std::string>& group_instance_id, int32_t generation,
                         Instant now);
    // One answer per member, in order.
    std::vector<KafkaError> leave(const std::vector<LeaveInput>& members, Instant now);
    // Whether OffsetCommit from this member at this generation may store offsets. A standalone
    // consumer (generation < 0, no member id) may commit to a group without members.
    KafkaError check_commit(const std::string& member_id,
                            const std::optional<std::string>& group_instance_id,
                            int32_t generation) const;
    // DeleteGroups: only an Empty group may go (then it is Dead); NON_EMPTY_GROUP otherwise.
    KafkaError mark_dead();

    // Expires members whose session passed and completes a join round whose deadline passed
    // or that every member has rejoined. Call when now reaches next_deadline().
    void advance(Instant now);
    // The earliest instant advance() has something to do, or kNever.
    Instant next_deadline() const;
    // Answers to parked tickets produced since the last call, in the order they were made.
    std::vector<Completion> take_completions();
    // True once after a change worth persisting (a new generation's assignment, becoming Empty).
    bool take_metadata_changed();

    // The coordinator stops (shutdown, unload): every parked request gets `error`.
    void fail_all_parked(KafkaError error);
    // Restores what the offsets topic remembers of an Empty group (members rejoin on their own).
    void restore(int32_t generation, std::string protocol_type, std::string protocol_name);

private:
    bool supports(const std::string& protocol_type, const std::vector<Protocol>& protocols) const;
    std::string select_protocol() const;
    JoinResult join_result_for(const Member& member) const;
    JoinReply join_new_member(const JoinInput& input, Instant now, uint64_t ticket);
    JoinReply join_known_member(Member& member, const JoinInput& input, Instant now,
                                uint64_t ticket);
    JoinReply replace_static_member(const std::string& old_id, const JoinInput& input, Instant now,
                                    uint64_t ticket);
    Member& add_member(const JoinInput& input, const std::string& member_id, Instant now);
    void prepare_rebalance(Instant now);
    void try_complete_join(Instant now);
    void complete_join(Instant now);
    void remove_member(const std::string& member_id, Instant now);
    void complete_join_ticket(Member& member, JoinResult result);
    void complete_sync_ticket(Member& member, SyncResult result);
    const Bytes& metadata_for(const Member& member, const std::string& protocol) const;

    std::string id_;
    GroupLimits limits_;
    GroupState state_ = GroupState::empty;
    int32_t generation_ = 0;
    std::string protocol_type_;
    std::string protocol_name_;
    std::string leader_;
    std::map<std::string, Member> members_;              // by member id
    std::map<std::string, std::string> static_members_;  // instance id -> member id
    std::map<std::string, Instant> pending_members_;     // MEMBER_ID_REQUIRED handed out
    Instant rebalance_deadline_ = kNever;
    // The initial delay of a round started from Empty (Kafka's InitialDelayedJoin): extended
    // while new members keep arriving, up to the longest rebalance timeout.
    Instant initial_delay_until_ = kNever;
    Instant initial_delay_limit_ = kNever;
    uint64_t next_join_sequence_ = 0;
    std::vector<Completion> completions_;
    bool metadata_changed_ = false;
};

}  // namespace brook::group
