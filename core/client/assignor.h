// Client-side partition assignment for the classic consumer group protocol. The group leader
// runs one of these over every member's Subscription and hands each member its Assignment
// through SyncGroup; the broker never looks inside. Names are Kafka's protocol names, so a Brook
// consumer shares a group with Java, librdkafka and kafka-python consumers that name the same
// strategy.
//
//   std::unique_ptr<Assignor> assignor = make_assignor("cooperative-sticky");
//   std::map<std::string, Assignment> plan = assignor->assign({{"orders", 6}}, members);
//
// Every assignor is deterministic: the same inputs give the same plan, whatever order the
// members arrive in. Members are ordered as Kafka orders them (static members by
// group.instance.id first, then dynamic ones by member id). Topics missing from
// partitions_per_topic (no metadata yet) are skipped. Every member gets an entry, possibly empty.
// The algorithms and their guarantees: docs/design/assignors.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/consumer_protocol.h"

namespace brook::client {

// The consumer protocol's types (core/protocol/consumer_protocol.h), under the names the client
// has always used for them.
using protocol::Assignment;
using protocol::decode_assignment;
using protocol::decode_subscription;
using protocol::encode_assignment;
using protocol::encode_subscription;
using protocol::kAssignmentVersionMax;
using protocol::kSubscriptionVersionMax;
using protocol::Subscription;
using protocol::TopicPartitions;

struct MemberSubscription {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    Subscription subscription;

    bool subscribes(const std::string& topic) const;
};

class Assignor {
public:
    virtual ~Assignor() = default;
    // "range", "roundrobin", "cooperative-sticky": Kafka's protocol names.
    virtual std::string_view name() const = 0;
    // True when a partition that changes owner is first revoked by the old owner and only given
    // to the new one in a follow-up rebalance (Kafka's COOPERATIVE protocol); false when every
    // member gives up everything at each rebalance (EAGER).
    virtual bool cooperative() const { return false; }
    // partitions_per_topic: every subscribed topic's partition count. Deterministic.
    virtual std::map<std::string, Assignment> assign(
        const std::map<std::string, int32_t>& partitions_per_topic,
        const std::vector<MemberSubscription>& members) const = 0;
};

// The assignor with Kafka's protocol name `name`; nullptr when unknown.
std::unique_ptr<Assignor> make_assignor(std::string_view name);

// The members in Kafka's order (ConsumerPartitionAssignor.MemberInfo): those with a
// group.instance.id first, by it; then the rest by member id.
std::vector<const MemberSubscription*> members_in_kafka_order(
    const std::vector<MemberSubscription>& members);

// An empty Assignment for every member, the starting point of each assignor.
std::map<std::string, Assignment> empty_assignments(const std::vector<MemberSubscription>& members);

std::unique_ptr<Assignor> make_range_assignor();
std::unique_ptr<Assignor> make_round_robin_assignor();
std::unique_ptr<Assignor> make_cooperative_sticky_assignor();

}  // namespace brook::client
