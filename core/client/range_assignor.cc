// Kafka's RangeAssignor: topic by topic, the members subscribed to the topic (in Kafka's member
// order) each get a contiguous range of its partitions; the first `partitions % members` get one
// extra. Co-partitioned topics therefore line up: partition i of every topic goes to the same
// member when the subscriptions are the same.
#include <algorithm>

#include "core/client/assignor.h"

namespace brook::client {
namespace {

class RangeAssignor final : public Assignor {
public:
    std::string_view name() const override { return "range"; }

    std::map<std::string, Assignment> assign(
        const std::map<std::string, int32_t>& partitions_per_topic,
        const std::vector<MemberSubscription>& members) const override {
        std::map<std::string, Assignment> assignments = empty_assignments(members);
        std::vector<const MemberSubscription*> ordered = members_in_kafka_order(members);
        for (const auto& [topic, partition_count] : partitions_per_topic) {
            std::vector<const MemberSubscription*> consumers;
            for (const MemberSubscription* member : ordered) {
                if (member->subscribes(topic)) consumers.push_back(member);
            }
            if (consumers.empty()) continue;
            auto consumer_count = static_cast<int32_t>(consumers.size());
            int32_t per_consumer = partition_count / consumer_count;
            int32_t with_extra = partition_count % consumer_count;
            for (int32_t i = 0; i < consumer_count; ++i) {
                int32_t start = per_consumer * i + std::min(i, with_extra);
                int32_t length = per_consumer + (i < with_extra ? 1 : 0);
                if (length == 0) continue;
                std::vector<PartitionId>& mine =
                    assignments[consumers[static_cast<std::size_t>(i)]->member_id]
                        .partitions[topic];
                for (int32_t p = start; p < start + length; ++p) mine.push_back(PartitionId(p));
            }
        }
        return assignments;
    }
};

}  // namespace

std::unique_ptr<Assignor> make_range_assignor() { return std::make_unique<RangeAssignor>(); }

}  // namespace brook::client
