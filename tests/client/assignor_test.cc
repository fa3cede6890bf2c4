#include "core/client/assignor.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

namespace brook::client {
namespace {

using Partition = std::pair<std::string, int32_t>;
using Plan = std::map<std::string, Assignment>;

MemberSubscription member(std::string id, std::vector<std::string> topics,
                          std::optional<std::string> instance = std::nullopt) {
    return {.member_id = std::move(id),
            .group_instance_id = std::move(instance),
            .subscription = {.topics = std::move(topics)}};
}

std::vector<Partition> partitions_of(const Assignment& assignment) {
    std::vector<Partition> out;
    for (const auto& [topic, partitions] : assignment.partitions) {
        for (PartitionId p : partitions) out.emplace_back(topic, p.value());
    }
    return out;
}

std::vector<Partition> list(std::initializer_list<Partition> partitions) { return partitions; }

TEST_CASE("assignor: names are Kafka's, unknown names give nullptr") {
    REQUIRE(make_assignor("range")->name() == "range");
    REQUIRE(make_assignor("roundrobin")->name() == "roundrobin");
    REQUIRE(make_assignor("cooperative-sticky")->cooperative());
    REQUIRE(!make_assignor("range")->cooperative());
    REQUIRE(make_assignor("sticky") == nullptr);
}

// The examples in the Javadoc of Kafka's RangeAssignor and RoundRobinAssignor.
TEST_CASE("assignor: range and roundrobin match Kafka's documented examples") {
    std::map<std::string, int32_t> topics{{"t0", 3}, {"t1", 3}};
    std::vector<MemberSubscription> members{member("C1", {"t0", "t1"}), member("C0", {"t0", "t1"})};
    Plan range = make_assignor("range")->assign(topics, members);
    REQUIRE(partitions_of(range["C0"]) == list({{"t0", 0}, {"t0", 1}, {"t1", 0}, {"t1", 1}}));
    REQUIRE(partitions_of(range["C1"]) == list({{"t0", 2}, {"t1", 2}}));
    Plan round_robin = make_assignor("roundrobin")->assign(topics, members);
    REQUIRE(partitions_of(round_robin["C0"]) == list({{"t0", 0}, {"t0", 2}, {"t1", 1}}));
    REQUIRE(partitions_of(round_robin["C1"]) == list({{"t0", 1}, {"t1", 0}, {"t1", 2}}));

    std::vector<MemberSubscription> uneven{member("C0", {"t0"}), member("C1", {"t0", "t1"}),
                                           member("C2", {"t0", "t1", "t2"})};
    Plan plan = make_assignor("roundrobin")->assign({{"t0", 1}, {"t1", 2}, {"t2", 3}}, uneven);
    REQUIRE(partitions_of(plan["C0"]) == list({{"t0", 0}}));
    REQUIRE(partitions_of(plan["C1"]) == list({{"t1", 0}}));
    REQUIRE(partitions_of(plan["C2"]) == list({{"t1", 1}, {"t2", 0}, {"t2", 1}, {"t2", 2}}));
}

TEST_CASE("assignor: static members come first, ordered by group.instance.id") {
    std::vector<MemberSubscription> members{member("a", {"t"}), member("b", {"t"}, "zeta"),
                                            member("c", {"t"}, "alpha")};
    auto ordered = members_in_kafka_order(members);
    REQUIRE(ordered[0]->member_id == "c");
    REQUIRE(ordered[1]->member_id == "b");
    REQUIRE(ordered[2]->member_id == "a");
    Plan range = make_assignor("range")->assign({{"t", 3}}, members);
    REQUIRE(partitions_of(range["c"]) == list({{"t", 0}}));
    REQUIRE(partitions_of(range["a"]) == list({{"t", 2}}));
}

TEST_CASE("assignor: cooperative-sticky moves a partition in two rebalances") {
    auto assignor = make_assignor("cooperative-sticky");
    std::map<std::string, int32_t> topics{{"t", 4}};
    std::vector<MemberSubscription> members{member("a", {"t"})};
    Plan first = assignor->assign(topics, members);
    REQUIRE(partitions_of(first["a"]).size() == 4);
    // b joins; a still owns all four, so b gets nothing yet and a gives up two.
    members[0].subscription.owned_partitions = first["a"].partitions;
    members[0].subscription.generation_id = 1;
    members.push_back(member("b", {"t"}));
    Plan second = assignor->assign(topics, members);
    REQUIRE(partitions_of(second["a"]).size() == 2);
    REQUIRE(partitions_of(second["b"]).empty());
    // The follow-up rebalance, after a revoked them: b gets them.
    members[0].subscription.owned_partitions = second["a"].partitions;
    members[0].subscription.generation_id = 2;
    Plan third = assignor->assign(topics, members);
    REQUIRE(third["a"] == second["a"]);
    REQUIRE(partitions_of(third["b"]).size() == 2);
}

TEST_CASE("assignor: cooperative-sticky resolves a double claim by generation") {
    auto assignor = make_assignor("cooperative-sticky");
    std::vector<MemberSubscription> members{member("a", {"t"}), member("b", {"t"})};
    members[0].subscription.owned_partitions = {{"t", {PartitionId(0)}}};
    members[0].subscription.generation_id = 3;
    members[1].subscription.owned_partitions = {{"t", {PartitionId(0), PartitionId(1)}}};
    members[1].subscription.generation_id = 2;  // stale: its claim on 0 loses
    Plan plan = assignor->assign({{"t", 2}}, members);
    REQUIRE(partitions_of(plan["a"]) == list({{"t", 0}}));
    REQUIRE(partitions_of(plan["b"]) == list({{"t", 1}}));
    // Equal generations: neither keeps 0 by ownership; it goes to one of the two claimants (the
    // emptiest), and the other revokes it.
    members[1].subscription.generation_id = 3;
    Plan tie = assignor->assign({{"t", 2}}, members);
    REQUIRE(partitions_of(tie["a"]) == list({{"t", 0}}));
    REQUIRE(partitions_of(tie["b"]) == list({{"t", 1}}));
}

// ---- Properties over random groups ----

struct Group {
    std::map<std::string, int32_t> topics;
    std::vector<MemberSubscription> members;
};

rc::Gen<Group> gen_group(bool identical_subscriptions) {
    return rc::gen::exec([identical_subscriptions] {
        Group group;
        int topic_count = *rc::gen::inRange(1, 4);
        std::vector<std::string> names;
        for (int t = 0; t < topic_count; ++t) {
            names.push_back("t" + std::to_string(t));
            group.topics[names.back()] = *rc::gen::inRange(0, 9);
        }
        int member_count = *rc::gen::inRange(1, 7);
        for (int m = 0; m < member_count; ++m) {
            std::vector<std::string> topics = names;
            if (!identical_subscriptions) {
                topics.clear();
                for (const std::string& name : names) {
                    if (*rc::gen::arbitrary<bool>()) topics.push_back(name);
                }
            }
            std::optional<std::string> instance;
            if (*rc::gen::inRange(0, 3) == 0) instance = "instance-" + std::to_string(m * 7 % 5);
            group.members.push_back(member(
                "member-" + std::to_string(*rc::gen::inRange(0, 1000)) + "-" + std::to_string(m),
                topics, instance));
        }
        return group;
    });
}

// The same members in another order: reversed, then rotated by a random amount.
std::vector<MemberSubscription> reordered(std::vector<MemberSubscription> members) {
    std::reverse(members.begin(), members.end());
    auto shift = *rc::gen::inRange<std::size_t>(0, members.size());
    std::rotate(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(shift),
                members.end());
    return members;
}

bool subscribes(const Group& group, const std::string& member_id, const std::string& topic) {
    for (const MemberSubscription& m : group.members) {
        if (m.member_id == member_id) {
            const auto& topics = m.subscription.topics;
            return std::find(topics.begin(), topics.end(), topic) != topics.end();
        }
    }
    return false;
}

// Every partition at most once, each to a subscriber, each existing; returns who holds what.
std::map<Partition, std::string> check_valid(const Group& group, const Plan& plan) {
    RC_ASSERT(plan.size() == group.members.size());
    std::map<Partition, std::string> owner;
    for (const auto& [member_id, assignment] : plan) {
        for (const Partition& partition : partitions_of(assignment)) {
            RC_ASSERT(group.topics.contains(partition.first));
            RC_ASSERT(partition.second >= 0);
            RC_ASSERT(partition.second < group.topics.at(partition.first));
            RC_ASSERT(subscribes(group, member_id, partition.first));
            RC_ASSERT(owner.emplace(partition, member_id).second);
        }
    }
    return owner;
}

std::set<Partition> subscribed_partitions(const Group& group) {
    std::set<Partition> all;
    for (const auto& [topic, count] : group.topics) {
        bool anyone = false;
        for (const MemberSubscription& m : group.members)
            anyone = anyone || subscribes(group, m.member_id, topic);
        for (int32_t p = 0; anyone && p < count; ++p) all.emplace(topic, p);
    }
    return all;
}

std::pair<std::size_t, std::size_t> count_range(const Plan& plan) {
    std::size_t low = SIZE_MAX, high = 0;
    for (const auto& [member_id, assignment] : plan) {
        low = std::min(low, partitions_of(assignment).size());
        high = std::max(high, partitions_of(assignment).size());
    }
    return {low, high};
}

std::set<std::string> claimants_of(const Group& group, const Partition& partition) {
    std::set<std::string> claimants;
    for (const MemberSubscription& m : group.members) {
        auto it = m.subscription.owned_partitions.find(partition.first);
        if (it != m.subscription.owned_partitions.end() &&
            std::count(it->second.begin(), it->second.end(), PartitionId(partition.second)) > 0) {
            claimants.insert(m.member_id);
        }
    }
    return claimants;
}

// The next round as the members would send it: each owns exactly what it was given.
void adopt(Group& group, const Plan& plan, int32_t generation) {
    for (MemberSubscription& m : group.members) {
        m.subscription.owned_partitions = plan.at(m.member_id).partitions;
        m.subscription.generation_id = generation;
    }
}

TEST_CASE("assignor: eager assignors assign every partition once, deterministically (property)") {
    for (std::string_view name : {"range", "roundrobin"}) {
        INFO(name);
        rc::prop("valid, complete, deterministic", [name](bool identical) {
            Group group = *gen_group(identical);
            auto assignor = make_assignor(name);
            Plan plan = assignor->assign(group.topics, group.members);
            std::map<Partition, std::string> owner = check_valid(group, plan);
            RC_ASSERT(owner.size() == subscribed_partitions(group).size());
            std::vector<MemberSubscription> shuffled = reordered(group.members);
            RC_ASSERT(assignor->assign(group.topics, shuffled) == plan);
            if (identical && name == "roundrobin") {
                auto [low, high] = count_range(plan);
                RC_ASSERT(high - low <= 1);
            }
            if (identical && name == "range") {  // within one per topic
                for (const auto& [topic, count] : group.topics) {
                    std::size_t low = SIZE_MAX, high = 0;
                    for (const auto& [member_id, assignment] : plan) {
                        auto it = assignment.partitions.find(topic);
                        std::size_t n = it == assignment.partitions.end() ? 0 : it->second.size();
                        low = std::min(low, n);
                        high = std::max(high, n);
                    }
                    RC_ASSERT(high - low <= 1);
                }
            }
        });
    }
}

TEST_CASE("assignor: cooperative-sticky is safe, converges, balances and sticks (property)") {
    rc::prop("two rounds settle; a third changes nothing", [](bool identical) {
        Group group = *gen_group(identical);
        auto assignor = make_assignor("cooperative-sticky");
        // An arbitrary previous state: some members claim some partitions, possibly twice.
        for (MemberSubscription& m : group.members) {
            for (const auto& [topic, count] : group.topics) {
                for (int32_t p = 0; p < count + 1; ++p) {  // count + 1: one that no longer exists
                    if (*rc::gen::inRange(0, 4) == 0) {
                        m.subscription.owned_partitions[topic].push_back(PartitionId(p));
                    }
                }
            }
            m.subscription.generation_id = *rc::gen::inRange(1, 3);
        }
        std::set<Partition> all = subscribed_partitions(group);
        for (int32_t round = 0; round < 5; ++round) {
            Plan plan = assignor->assign(group.topics, group.members);
            std::map<Partition, std::string> owner = check_valid(group, plan);
            // Every subscribed partition is assigned, or in transit: claimed by another member.
            // A member is given a partition only if it holds it already or nobody else does.
            for (const Partition& partition : all) {
                std::set<std::string> claimants = claimants_of(group, partition);
                if (owner.contains(partition)) {
                    const std::string& to = owner.at(partition);
                    RC_ASSERT((claimants.empty() || claimants.contains(to)));
                } else {
                    RC_ASSERT(!claimants.empty());
                    // Identical subscriptions settle after one revocation round.
                    if (identical) RC_ASSERT(round == 0);
                    if (!identical) RC_ASSERT(round <= 1);
                }
            }
            std::vector<MemberSubscription> shuffled = reordered(group.members);
            RC_ASSERT(assignor->assign(group.topics, shuffled) == plan);
            if (round >= (identical ? 1 : 2)) {
                RC_ASSERT(owner.size() == all.size());
                if (identical) {
                    auto [low, high] = count_range(plan);
                    RC_ASSERT(high - low <= 1);
                }
            }
            if (round >= (identical ? 2 : 3)) {  // membership unchanged: nothing moves
                for (const MemberSubscription& m : group.members) {
                    RC_ASSERT(plan.at(m.member_id).partitions == m.subscription.owned_partitions);
                }
            }
            adopt(group, plan, round + 10);
        }
    });
}

}  // namespace
}  // namespace brook::client
