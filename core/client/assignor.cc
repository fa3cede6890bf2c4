#include "core/client/assignor.h"

#include <algorithm>
#include <tuple>

namespace brook::client {

bool MemberSubscription::subscribes(const std::string& topic) const {
    const std::vector<std::string>& topics = subscription.topics;
    return std::find(topics.begin(), topics.end(), topic) != topics.end();
}

std::unique_ptr<Assignor> make_assignor(std::string_view name) {
    for (auto make :
         {make_range_assignor, make_round_robin_assignor, make_cooperative_sticky_assignor}) {
        std::unique_ptr<Assignor> assignor = make();
        if (assignor->name() == name) return assignor;
    }
    return nullptr;
}

std::vector<const MemberSubscription*> members_in_kafka_order(
    const std::vector<MemberSubscription>& members) {
    std::vector<const MemberSubscription*> ordered;
    for (const MemberSubscription& member : members) ordered.push_back(&member);
    std::sort(ordered.begin(), ordered.end(),
              [](const MemberSubscription* a, const MemberSubscription* b) {
                  const auto& x = a->group_instance_id;
                  const auto& y = b->group_instance_id;
                  if (x && y) return std::tie(*x, a->member_id) < std::tie(*y, b->member_id);
                  if (x.has_value() != y.has_value()) return x.has_value();
                  return a->member_id < b->member_id;
              });
    return ordered;
}

std::map<std::string, Assignment> empty_assignments(
    const std::vector<MemberSubscription>& members) {
    std::map<std::string, Assignment> assignments;
    for (const MemberSubscription& member : members) assignments[member.member_id] = Assignment{};
    return assignments;
}

}  // namespace brook::client
