#include "core/protocol/consumer_protocol.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <string>

namespace brook::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

TopicPartitions arbitrary_partitions(const std::map<std::string, std::vector<int32_t>>& raw) {
    TopicPartitions out;
    for (const auto& [topic, partitions] : raw) {
        for (int32_t p : partitions) out[topic].push_back(PartitionId(p));
    }
    return out;
}

// Null when `present` is false, so properties cover both.
template <typename T>
std::optional<T> maybe(bool present, T value) {
    return present ? std::optional<T>(std::move(value)) : std::nullopt;
}

TEST_CASE("consumer protocol: decodes what kafka-python 2.0.2 encodes") {
    // ConsumerProtocolMemberMetadata(0, ['orders', 'audit'], b'').encode()
    auto subscription =
        decode_subscription(from_hex("00000000000200066f72646572730005617564697400000000"));
    REQUIRE(subscription.ok());
    REQUIRE(subscription->topics == std::vector<std::string>{"orders", "audit"});
    REQUIRE(subscription->user_data == Bytes{});
    REQUIRE(subscription->owned_partitions.empty());
    REQUIRE(subscription->generation_id == -1);
    // ConsumerProtocolMemberAssignment(0, [('orders', [0, 2]), ('audit', [1])], b'').encode()
    Bytes assignment_bytes = from_hex(
        "00000000000200066f72646572730000000200000000000000020005617564697400000001000000010000000"
        "0");
    auto assignment = decode_assignment(assignment_bytes);
    REQUIRE(assignment.ok());
    REQUIRE(assignment->partitions == TopicPartitions{{"orders", {PartitionId(0), PartitionId(2)}},
                                                      {"audit", {PartitionId(1)}}});
    REQUIRE(assignment->user_data == Bytes{});
}

TEST_CASE("consumer protocol: each version carries its own fields") {
    Subscription full{.topics = {"a", "b"},
                      .user_data = std::nullopt,
                      .owned_partitions = {{"a", {PartitionId(3)}}},
                      .generation_id = 7,
                      .rack_id = "rack-1"};
    Subscription v0 = decode_subscription(encode_subscription(full, 0)).value();
    REQUIRE(v0.topics == full.topics);
    REQUIRE(v0.owned_partitions.empty());
    REQUIRE(v0.generation_id == -1);
    Subscription v1 = decode_subscription(encode_subscription(full, 1)).value();
    REQUIRE(v1.owned_partitions == full.owned_partitions);
    REQUIRE(v1.generation_id == -1);
    Subscription v2 = decode_subscription(encode_subscription(full, 2)).value();
    REQUIRE(v2.generation_id == 7);
    REQUIRE(!v2.rack_id.has_value());
    REQUIRE(decode_subscription(encode_subscription(full, 3)).value() == full);
}

TEST_CASE("consumer protocol: a newer version reads as v3 with its extra bytes ignored") {
    Subscription sub{.topics = {"t"},
                     .user_data = Bytes{1},
                     .owned_partitions = {},
                     .generation_id = 4,
                     .rack_id = std::nullopt};
    Bytes bytes = encode_subscription(sub, 3);
    bytes[1] = 9;                                 // version 9
    bytes.insert(bytes.end(), {0, 0, 0, 42, 1});  // fields Brook does not know
    REQUIRE(decode_subscription(bytes).value() == sub);
    Bytes assignment =
        encode_assignment({.partitions = {{"t", {PartitionId(0)}}}, .user_data = {}}, 1);
    assignment[1] = 5;
    assignment.push_back(0);
    REQUIRE(decode_assignment(assignment).ok());
}

TEST_CASE("consumer protocol: malformed bytes are corruption") {
    Bytes good = encode_subscription({.topics = {"t"}}, 3);
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        auto result = decode_subscription(std::span(good).first(cut));
        REQUIRE(result.error().code() == ErrorCode::corruption);
    }
    Bytes trailing = good;
    trailing.push_back(0);
    REQUIRE(decode_subscription(trailing).error().code() == ErrorCode::corruption);
    Bytes negative = good;
    negative[0] = 0xff;
    REQUIRE(decode_subscription(negative).error().code() == ErrorCode::corruption);
    // A null topics array (count -1) and a count far past the bytes.
    REQUIRE(decode_subscription(from_hex("0000ffffffff")).error().code() == ErrorCode::corruption);
    REQUIRE(decode_assignment(from_hex("00007fffffff")).error().code() == ErrorCode::corruption);
}

TEST_CASE("consumer protocol: round trips at every version (property)") {
    rc::prop("subscription", [](const std::vector<std::string>& topics, const Bytes& user_data,
                                const std::map<std::string, std::vector<int32_t>>& owned,
                                int32_t generation, const std::string& rack, uint8_t which) {
        auto version = static_cast<int16_t>(which % (kSubscriptionVersionMax + 1));
        Subscription sub{
            .topics = topics,
            .user_data = maybe(which & 0x10, user_data),
            .owned_partitions = version >= 1 ? arbitrary_partitions(owned) : TopicPartitions{},
            .generation_id = version >= 2 ? generation : -1,
            .rack_id = version >= 3 ? maybe(which & 0x20, rack) : std::nullopt};
        auto decoded = decode_subscription(encode_subscription(sub, version));
        RC_ASSERT(decoded.ok());
        RC_ASSERT(*decoded == sub);
    });
    rc::prop("assignment", [](const std::map<std::string, std::vector<int32_t>>& partitions,
                              const Bytes& user_data, uint8_t which) {
        auto version = static_cast<int16_t>(which % (kAssignmentVersionMax + 1));
        Assignment assignment{.partitions = arbitrary_partitions(partitions),
                              .user_data = maybe(which & 0x10, user_data)};
        auto decoded = decode_assignment(encode_assignment(assignment, version));
        RC_ASSERT(decoded.ok());
        RC_ASSERT(*decoded == assignment);
    });
}

}  // namespace
}  // namespace brook::protocol
