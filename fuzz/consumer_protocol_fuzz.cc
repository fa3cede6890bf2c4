// Fuzzes the consumer protocol's Subscription and Assignment decoders with the same bytes. A
// value that decodes must re-encode (at the newest version) and decode to an equal value, and
// must be acceptable input for every assignor. Malformed input must only ever produce an error.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/client/assignor.h"
#include "core/protocol/consumer_protocol.h"

using namespace brook;
using namespace brook::protocol;
using brook::client::make_assignor;
using brook::client::MemberSubscription;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> input(data, size);
    if (auto subscription = decode_subscription(input)) {
        auto again =
            decode_subscription(encode_subscription(*subscription, kSubscriptionVersionMax));
        ASSERT(again.ok() && *again == *subscription, "subscription changed in a round trip");
        // Two members with this subscription, one topic per subscribed name, a few partitions.
        std::map<std::string, int32_t> topics;
        for (const std::string& topic : subscription->topics) topics[topic] = 3;
        std::vector<MemberSubscription> members{{"m1", std::nullopt, *subscription},
                                                {"m2", "static", *subscription}};
        for (std::string_view name : {"range", "roundrobin", "cooperative-sticky"}) {
            auto plan = make_assignor(name)->assign(topics, members);
            ASSERT(plan.size() == 2, "{} lost a member", name);
        }
    } else {
        ASSERT(subscription.error().code() == ErrorCode::corruption, "{}",
               subscription.error().describe());
    }
    if (auto assignment = decode_assignment(input)) {
        auto again = decode_assignment(encode_assignment(*assignment, kAssignmentVersionMax));
        ASSERT(again.ok() && *again == *assignment, "assignment changed in a round trip");
    } else {
        ASSERT(assignment.error().code() == ErrorCode::corruption, "{}",
               assignment.error().describe());
    }
    return 0;
}
