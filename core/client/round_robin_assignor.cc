// Kafka's RoundRobinAssignor: every partition of every subscribed topic, sorted by topic then
// partition, dealt in turn to the members in Kafka's member order, skipping a member that does
// not subscribe to the partition's topic.
#include <algorithm>

#include "core/client/assignor.h"

namespace brook::client {
namespace {

class RoundRobinAssignor final : public Assignor {
public:
    std::string_view name() const override { return "roundrobin"; }

    std::map<std::string, Assignment> assign(
        const std::map<std::string, int32_t>& partitions_per_topic,
        const std::vector<MemberSubscription>& members) const override {
        std::map<std::string, Assignment> assignments = empty_assignments(members);
        std::vector<const MemberSubscription*> ordered = members_in_kafka_order(members);
        std::size_t next = 0;  // the circular iterator's position
        for (const auto& [topic_name, partition_count] : partitions_per_topic) {
            const std::string& topic = topic_name;  // clang 14 cannot capture a binding
            bool anyone =
                std::any_of(ordered.begin(), ordered.end(),
                            [&](const MemberSubscription* m) { return m->subscribes(topic); });
            if (!anyone) continue;
            for (int32_t p = 0; p < partition_count; ++p) {
                while (!ordered[next]->subscribes(topic)) next = (next + 1) % ordered.size();
                assignments[ordered[next]->member_id].partitions[topic].push_back(PartitionId(p));
                next = (next + 1) % ordered.size();
            }
        }
        return assignments;
    }
};

}  // namespace

std::unique_ptr<Assignor> make_round_robin_assignor() {
    return std::make_unique<RoundRobinAssignor>();
}

}  // namespace brook::client
