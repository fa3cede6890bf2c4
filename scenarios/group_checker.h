// Judges a group-churn run (group_scenario.h): what consumer groups were handed, where their
// members started reading, what they committed, and what they delivered, against what the
// producer got acknowledged.
//
//   GroupChecker checker;
//   checker.acknowledged(tp, Offset(7));                                  // producer, acks=all
//   checker.assigned("g1", "instance-2", 5, {tp});                        // after SyncGroup
//   checker.commit_acknowledged("g1", tp, Offset(8), sent_at, now);       // OffsetCommit: none
//   checker.started("g1", "m3", tp, Offset(8), asked_at);                 // a new owner's start
//   checker.delivered("g1", tp, Offset(7));                               // poll() returned it
//   if (auto anomaly = checker.check({"g1", "g2"})) fail(*anomaly);
//
// The properties (each a correctness violation, reported with the offending values):
//   split-ownership      two members own one partition in the same generation of a group
//                        (members are named by group.instance.id when static: a restarted
//                        static member legitimately takes its own seat back);
//   commit-went-backward a commit of a partition is acknowledged below one whose
//                        acknowledgement came before it was sent (commits in flight together
//                        may land in either order; nothing in the workload resets offsets);
//   commit-not-honoured  a member starts a partition below the last commit acknowledged before
//                        it sent the OffsetFetch that decided its start: the coordinator lost
//                        or ignored an acknowledged commit;
//   lost-record          an acknowledged record never delivered to a group (checked once the
//                        group has drained, at the end).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/client/topic_partition.h"

namespace brook::scenarios {

class GroupChecker {
public:
    void acknowledged(const client::TopicPartition& tp, Offset offset);
    void assigned(const std::string& group, const std::string& member, int32_t generation,
                  const std::set<client::TopicPartition>& owned);
    void commit_acknowledged(const std::string& group, const client::TopicPartition& tp,
                             Offset offset, Instant sent_at, Instant acknowledged_at);
    void started(const std::string& group, const std::string& member,
                 const client::TopicPartition& tp, Offset offset, Instant asked_at);
    void delivered(const std::string& group, const client::TopicPartition& tp, Offset offset);
    void violation(std::string what);

    // Acknowledged records the group has not delivered yet (at most `limit` of them).
    std::vector<std::pair<client::TopicPartition, Offset>> undelivered(const std::string& group,
                                                                       std::size_t limit) const;
    // The first violation seen, else lost records of any of `groups`; nullopt when all hold.
    std::optional<std::string> check(const std::vector<std::string>& groups) const;

    std::size_t acknowledged_count() const { return acknowledged_.size(); }
    std::size_t commit_count() const { return commits_; }
    std::size_t start_count() const { return starts_; }
    std::size_t generation_count() const { return owners_.size(); }

private:
    struct Commit {
        Offset offset;
        Instant sent_at;
        Instant at;  // acknowledged
    };
    // The highest commit of the partition acknowledged before `time`, if any.
    const Commit* highest_before(const std::vector<Commit>& commits, Instant time) const;
    using Key = std::pair<std::string, client::TopicPartition>;  // group, partition

    std::set<std::pair<client::TopicPartition, Offset>> acknowledged_;
    std::map<std::string, std::set<std::pair<client::TopicPartition, Offset>>> delivered_;
    // (group, generation) -> partition -> member
    std::map<std::pair<std::string, int32_t>, std::map<client::TopicPartition, std::string>>
        owners_;
    std::map<Key, std::vector<Commit>> commits_by_partition_;  // in acknowledgement order
    std::vector<std::string> violations_;
    std::size_t commits_ = 0;
    std::size_t starts_ = 0;
};

}  // namespace brook::scenarios
