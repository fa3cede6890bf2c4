// Kafka's "cooperative-sticky" strategy: balanced like round robin, but a member keeps the
// partitions it owns (Subscription::owned_partitions) whenever they are still valid and the
// balance allows, and partitions change owner in two rebalances. The plan:
//  1. Valid ownership. A member's owned partition counts when the member still subscribes to the
//     topic and the partition exists. Two members claiming one partition: the higher
//     generation_id keeps it; on a tie neither does.
//  2. Keep, then fill. Each member starts with what it validly owns. The remaining partitions,
//     most constrained first (fewest eligible members), then by topic and partition, go to the
//     eligible member holding the fewest (ties: Kafka's member order).
//  3. Balance. While some member holds a partition that an eligible member with at least two
//     fewer partitions could take, the fullest member (first in order) gives its last such
//     partition to the emptiest eligible member (first in order). Each move lowers the sum of
//     squared counts, so this ends; with identical subscriptions it ends with counts within one.
//  4. The cooperative rule. A partition now planned for B that B does not claim but another
//     member A does is left out of B's assignment: A's client revokes it (it is not in A's new
//     assignment), rejoins, and the follow-up rebalance, where no one else claims it, gives it to
//     B. So a partition is never handed to a member while another one still holds it. (When B
//     and a stale A both claim it, B keeps it and A revokes: no new overlap is created.)
// With unchanged membership and a valid, balanced previous assignment, nothing moves.
#include <algorithm>
#include <set>

#include "core/client/assignor.h"

namespace brook::client {
namespace {

using Partition = std::pair<std::string, PartitionId>;

class Plan {
public:
    Plan(const std::map<std::string, int32_t>& partitions_per_topic,
         const std::vector<MemberSubscription>& members)
        : members_(members_in_kafka_order(members)) {
        for (const auto& [topic, count] : partitions_per_topic) {
            std::vector<std::size_t> eligible;
            for (std::size_t m = 0; m < members_.size(); ++m) {
                if (members_[m]->subscribes(topic)) eligible.push_back(m);
            }
            if (eligible.empty()) continue;
            for (int32_t p = 0; p < count; ++p) eligible_[{topic, PartitionId(p)}] = eligible;
        }
        held_.resize(members_.size());
    }

    // Step 1 and the first half of step 2.
    void keep_valid_owned() {
        std::map<Partition, std::pair<int32_t, std::optional<std::size_t>>> best;  // gen, owner
        for (std::size_t m = 0; m < members_.size(); ++m) {
            const Subscription& subscription = members_[m]->subscription;
            for (const auto& [topic, partitions] : subscription.owned_partitions) {
                for (PartitionId partition : partitions) {
                    Partition key{topic, partition};
                    auto eligible = eligible_.find(key);
                    if (eligible == eligible_.end() || !members_[m]->subscribes(topic)) continue;
                    auto [it, fresh] = best.try_emplace(key, subscription.generation_id, m);
                    if (fresh || it->second.second == m) continue;
                    if (subscription.generation_id > it->second.first) {
                        it->second = {subscription.generation_id, m};
                    } else if (subscription.generation_id == it->second.first) {
                        it->second.second.reset();  // a tie: nobody keeps it
                    }
                }
            }
        }
        for (const auto& [partition, claim] : best) {
            if (claim.second) give(partition, *claim.second);
        }
    }

    // The second half of step 2.
    void fill_unowned() {
        std::vector<const Partition*> unowned;
        for (const auto& [partition, eligible] : eligible_) {
            if (!owner_.contains(partition)) unowned.push_back(&partition);
        }
        std::stable_sort(unowned.begin(), unowned.end(),
                         [&](const Partition* a, const Partition* b) {
                             return eligible_.at(*a).size() < eligible_.at(*b).size();
                         });
        for (const Partition* partition : unowned) {
            const std::vector<std::size_t>& eligible = eligible_.at(*partition);
            std::size_t emptiest = *std::min_element(
                eligible.begin(), eligible.end(),
                [&](std::size_t a, std::size_t b) { return held_[a].size() < held_[b].size(); });
            give(*partition, emptiest);
        }
    }

    // Step 3.
    void balance() {
        while (move_one()) {
        }
    }

    // Step 4, and the result.
    std::map<std::string, Assignment> assignments(
        const std::vector<MemberSubscription>& all) const {
        std::map<Partition, std::set<std::size_t>> claimants;
        for (std::size_t m = 0; m < members_.size(); ++m) {
            for (const auto& [topic, partitions] : members_[m]->subscription.owned_partitions) {
                for (PartitionId partition : partitions) claimants[{topic, partition}].insert(m);
            }
        }
        std::map<std::string, Assignment> result = empty_assignments(all);
        for (std::size_t m = 0; m < members_.size(); ++m) {
            Assignment& assignment = result[members_[m]->member_id];
            for (const Partition& partition : held_[m]) {
                auto claimed = claimants.find(partition);
                bool in_transit = claimed != claimants.end() && !claimed->second.contains(m);
                if (!in_transit) assignment.partitions[partition.first].push_back(partition.second);
            }
        }
        return result;
    }

private:
    void give(const Partition& partition, std::size_t member) {
        owner_[partition] = member;
        held_[member].insert(partition);
    }

    // One balancing move, or false when none helps.
    bool move_one() {
        std::vector<std::size_t> by_fullness(members_.size());
        for (std::size_t m = 0; m < members_.size(); ++m) by_fullness[m] = m;
        std::stable_sort(by_fullness.begin(), by_fullness.end(), [&](std::size_t a, std::size_t b) {
            return held_[a].size() > held_[b].size();
        });
        for (std::size_t from : by_fullness) {
            // The emptiest eligible taker for each of `from`'s partitions, the last one first.
            for (auto it = held_[from].rbegin(); it != held_[from].rend(); ++it) {
                const std::vector<std::size_t>& eligible = eligible_.at(*it);
                std::size_t to = *std::min_element(eligible.begin(), eligible.end(),
                                                   [&](std::size_t a, std::size_t b) {
                                                       return held_[a].size() < held_[b].size();
                                                   });
                if (held_[to].size() + 2 <= held_[from].size()) {
                    Partition partition = *it;
                    held_[from].erase(partition);
                    give(partition, to);
                    return true;
                }
            }
        }
        return false;
    }

    std::vector<const MemberSubscription*> members_;
    std::map<Partition, std::vector<std::size_t>> eligible_;  // indexes into members_
    std::map<Partition, std::size_t> owner_;
    std::vector<std::set<Partition>> held_;
};

class CooperativeStickyAssignor final : public Assignor {
public:
    std::string_view name() const override { return "cooperative-sticky"; }
    bool cooperative() const override { return true; }

    std::map<std::string, Assignment> assign(
        const std::map<std::string, int32_t>& partitions_per_topic,
        const std::vector<MemberSubscription>& members) const override {
        Plan plan(partitions_per_topic, members);
        plan.keep_valid_owned();
        plan.fill_unowned();
        plan.balance();
        return plan.assignments(members);
    }
};

}  // namespace

std::unique_ptr<Assignor> make_cooperative_sticky_assignor() {
    return std::make_unique<CooperativeStickyAssignor>();
}

}  // namespace brook::client
