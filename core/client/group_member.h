// Brook's client-side member of Kafka's classic consumer group protocol: it finds the group's
// coordinator, joins (JoinGroup, with the MEMBER_ID_REQUIRED round trip), computes the
// assignment when it is the leader, syncs (SyncGroup), heartbeats from its own fiber, rejoins
// when the coordinator asks, and leaves on close. The consumer (group_subscription.h) sits on
// top and turns assignment changes into fetch positions and commits.
//
//   GroupMember member(cluster, GroupMemberConfig{.group_id = "billing"});
//   member.set_listener({.revoked = [&](const auto& tps, bool lost) { commit_unless(lost, tps); },
//                        .assigned = [&](const auto& tps) { start_at_committed(tps); }});
//   member.subscribe({"orders"});
//   TRY(member.poll(deadline));             // May suspend: joins, syncs, calls the listener
//   for (const TopicPartition& tp : member.owned()) ...
//   member.close(deadline);                 // LeaveGroup (not for a static member)
//
// Like the Java consumer, the rebalance itself runs in the caller's fiber, inside poll(), so
// the listener may suspend (commit) before partitions are given up. The heartbeat fiber only
// notices: REBALANCE_IN_PROGRESS asks for a rejoin, ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID
// mean the membership is gone (the partitions are "lost": no commit can succeed for them), a
// lost coordinator is found again, FENCED_INSTANCE_ID is fatal.
//
// Eager protocols (range, roundrobin) revoke everything before each JoinGroup. Cooperative ones
// (cooperative-sticky, chosen when every configured assignor is cooperative) keep what they own,
// send it in their Subscription, revoke after SyncGroup only what moved away, and then rejoin at
// once so that the moved partitions reach their new owner in the next generation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/client/assignor.h"
#include "core/client/cluster.h"
#include "core/client/offset_calls.h"
#include "core/runtime/wait_queue.h"

namespace brook::client {

struct GroupMemberConfig {
    std::string group_id;                          // group.id
    std::optional<std::string> group_instance_id;  // group.instance.id (static membership)
    // partition.assignment.strategy, in the order of preference.
    std::vector<std::string> assignors = {"range", "cooperative-sticky"};
    Duration session_timeout = seconds(45);    // session.timeout.ms
    Duration rebalance_timeout = minutes(5);   // max.poll.interval.ms
    Duration heartbeat_interval = seconds(3);  // heartbeat.interval.ms
};

// Where the member stands. Only `stable` members own partitions they may read.
enum class MemberState { unjoined, joining, stable, fatal, closed };
std::string_view member_state_name(MemberState state);

class GroupMember {
public:
    struct Listener {
        // Before the member gives up `partitions` (it still owns them, at the old generation).
        // `lost`: the membership is gone already, so committing them would fail. May suspend.
        std::function<void(const std::set<TopicPartition>& partitions, bool lost)> revoked;
        // After the member took `partitions` (newly owned) in generation().
        std::function<void(const std::set<TopicPartition>& partitions)> assigned;
    };

    GroupMember(Cluster& cluster, GroupMemberConfig config);
    // close() first, unless the node crashed (its fibers are gone then).
    ~GroupMember();
    GroupMember(const GroupMember&) = delete;
    GroupMember& operator=(const GroupMember&) = delete;

    void set_listener(Listener listener) { listener_ = std::move(listener); }
    // The topics to consume. A change takes effect at the next poll() (a rejoin).
    void subscribe(std::vector<std::string> topics);

    // Runs the protocol until the member is stable with an assignment, the deadline passes
    // (a timeout error; the member keeps trying at the next poll) or a fatal error
    // (FENCED_INSTANCE_ID, an unknown assignor, a refused session timeout). A JoinGroup in
    // flight is waited for even past `deadline`, as the coordinator may hold it up to the
    // rebalance timeout. May suspend.
    Result<void> poll(Instant deadline);

    // What a commit answered: ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / REBALANCE_IN_PROGRESS
    // tell the member to rejoin, as a heartbeat's answer would.
    void on_commit_error(KafkaError error);

    // LeaveGroup (dynamic members only: a static member's seat is kept for its restart), then
    // the heartbeat fiber ends. May suspend.
    void close(Instant deadline);

    MemberState state() const { return state_; }
    bool needs_rejoin() const { return rejoin_needed_ || lost_; }
    const std::set<TopicPartition>& owned() const { return owned_; }
    // The membership commits are made under (generation -1 until the first SyncGroup).
    GroupGeneration generation() const;
    bool is_leader() const { return leader_ == member_id_ && !member_id_.empty(); }
    const std::string& protocol_name() const { return protocol_name_; }
    bool cooperative() const { return cooperative_; }

private:
    enum class Round { done, retry, rejoin };

    Result<std::shared_ptr<BrokerLink>> coordinator(Instant deadline);
    void coordinator_lost();
    Result<Round> join_round(Instant deadline);
    Result<Round> sync_round(const protocol::JoinGroupResponse& joined);
    Result<std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment>> assign(
        const protocol::JoinGroupResponse& joined);
    void install(const Assignment& assignment);
    void give_up(std::set<TopicPartition> partitions, bool lost);
    std::vector<uint8_t> subscription_bytes() const;
    // Applies an error from the coordinator that every group request shares; true if handled.
    bool absorb_error(KafkaError error);
    void run_heartbeats();
    Result<void> fatal(Error error);

    Cluster& cluster_;
    GroupMemberConfig config_;
    Listener listener_;
    std::vector<std::string> topics_;
    bool cooperative_ = false;
    MemberState state_ = MemberState::unjoined;
    std::string member_id_;
    int32_t generation_id_ = -1;
    std::string leader_;
    std::string protocol_name_;
    std::set<TopicPartition> owned_;
    bool rejoin_needed_ = true;
    bool lost_ = false;  // the coordinator forgot this membership: drop owned_ without commits
    std::optional<Error> fatal_;
    std::shared_ptr<BrokerLink> coordinator_link_;
    WaitQueue heartbeat_wake_;  // state changed, or close()
    WaitQueue heartbeat_done_;
    bool heartbeat_running_ = false;
};

}  // namespace brook::client
