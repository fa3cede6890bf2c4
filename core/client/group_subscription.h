// The consumer's subscribe mode: a GroupMember (group_member.h) whose assignment becomes the
// consumer's "current assignment". Consumer::subscribe() makes one and Consumer::poll() drives
// it before every fetch.
//
//   consumer.subscribe({"orders"});                         // group.id must be set
//   consumer.group()->set_observer({.committed = ...});     // for checkers and tests
//   auto records = consumer.poll(deadline);                 // joins, then fetches
//
// What happens at each change: a newly assigned partition starts at its committed offset
// (OffsetFetch) or, with none, at auto.offset.reset, before any fetch; a partition given up is
// first committed at its position when enable.auto.commit or commit.on.revoke is on (not when
// the membership was lost: the commit would be refused and the partition may be someone
// else's already). With enable.auto.commit the positions are also committed every
// auto.commit.interval.ms from poll(), under the member's generation and member id; a commit
// refused for the generation makes the member rejoin.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/client/group_member.h"

namespace brook::client {

class Consumer;
struct ConsumerConfig;

// Hooks for tests and the simulator's checkers; each may be empty.
struct GroupObserver {
    // After SyncGroup: the member's whole assignment in `generation`.
    std::function<void(const GroupGeneration& generation, const std::set<TopicPartition>& owned)>
        assigned;
    // A newly assigned partition starts at `offset`: the committed offset (`committed`) or the
    // reset policy's. `asked_at`: when the OffsetFetch that decided it was sent.
    std::function<void(const TopicPartition& tp, Offset offset, bool committed, Instant asked_at)>
        started;
    // Partitions given up (after their commit, if any).
    std::function<void(const std::set<TopicPartition>& partitions, bool lost)> revoked;
    // An OffsetCommit's answer per partition; `sent_at`: when it was sent.
    std::function<void(const GroupGeneration& generation,
                       const std::map<TopicPartition, Offset>& offsets,
                       const std::map<TopicPartition, KafkaError>& results, Instant sent_at)>
        committed;
};

class GroupSubscription {
public:
    GroupSubscription(Consumer& consumer, Cluster& cluster, const ConsumerConfig& config);
    GroupSubscription(const GroupSubscription&) = delete;
    GroupSubscription& operator=(const GroupSubscription&) = delete;

    void subscribe(std::vector<std::string> topics) { member_.subscribe(std::move(topics)); }
    void set_observer(GroupObserver observer) { observer_ = std::move(observer); }

    // Until the member is stable and every owned partition has its start position; then the
    // auto commit when due. An error means "not ready yet" unless member().state() is fatal.
    // May suspend.
    Result<void> poll(Instant deadline);

    // Commits `offsets` under the current generation, tells the observer, and passes a refusal
    // for the generation on to the member. May suspend.
    Result<std::map<TopicPartition, KafkaError>> commit(
        const std::map<TopicPartition, Offset>& offsets, Instant deadline);

    // Commits what is owned (when enabled), then LeaveGroup. May suspend.
    void close(Instant deadline);

    GroupMember& member() { return member_; }

private:
    void on_revoked(const std::set<TopicPartition>& partitions, bool lost);
    void on_assigned(const std::set<TopicPartition>& partitions);
    // Positions for owned partitions that have none yet. May suspend.
    Result<void> start_pending(Instant deadline);
    Result<void> commit_positions(const std::set<TopicPartition>& partitions, Instant deadline);

    Consumer& consumer_;
    Cluster& cluster_;
    const ConsumerConfig& config_;
    GroupMember member_;
    GroupObserver observer_;
    std::set<TopicPartition> pending_start_;
    Instant next_auto_commit_{};
};

}  // namespace brook::client
