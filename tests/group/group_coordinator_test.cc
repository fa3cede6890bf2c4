// The coordinator inside the broker, in the simulator, over the wire: joins and commits, what a
// crash keeps, offsets expiry, and the bounded offsets topic.
#include <catch2/catch.hpp>

#include "core/group/offsets_log.h"
#include "core/protocol/consumer_protocol.h"
#include "tests/broker/broker_rig.h"

namespace brook::broker::testing {
namespace {

using protocol::KafkaError;

BrokerConfig group_config(std::vector<std::pair<std::string, std::string>> extra = {}) {
    BrokerConfig config;
    REQUIRE(config.set("listeners", "PLAINTEXT://n1:9092").ok());
    REQUIRE(config.set("offsets.topic.num.partitions", "3").ok());
    REQUIRE(config.set("group.initial.rebalance.delay.ms", "0").ok());
    REQUIRE(config.set("group.min.session.timeout.ms", "100").ok());
    for (const auto& [key, value] : extra) REQUIRE(config.set(key, value).ok());
    REQUIRE(config.finish().ok());
    return config;
}

template <typename Response, typename Request>
Response call(client::KafkaConnection& kafka, const Request& request, int16_t version,
              Instant deadline) {
    auto response = kafka.call<Response>(request, version, deadline);
    REQUIRE(response.ok());
    return std::move(response).value();
}

protocol::JoinGroupRequest join_request(const std::string& member_id) {
    protocol::JoinGroupRequest request;
    request.group_id = "app";
    request.session_timeout_ms = 1000;
    request.rebalance_timeout_ms = 2000;
    request.member_id = member_id;
    request.protocol_type = "consumer";
    request.protocols.push_back({"range", {0, 1}});
    return request;
}

// One member joins (with the v4+ member id round trip) and syncs. Returns (member, generation).
std::pair<std::string, int32_t> join_alone(BrokerRig& rig, client::KafkaConnection& kafka) {
    auto first = call<protocol::JoinGroupResponse>(kafka, join_request(""), 5, rig.deadline());
    REQUIRE(first.error_code == to_wire(KafkaError::member_id_required));
    REQUIRE(!first.member_id.empty());
    auto joined =
        call<protocol::JoinGroupResponse>(kafka, join_request(first.member_id), 5, rig.deadline());
    REQUIRE(joined.error_code == 0);
    REQUIRE(joined.leader == first.member_id);
    protocol::SyncGroupRequest sync;
    sync.group_id = "app";
    sync.generation_id = joined.generation_id;
    sync.member_id = joined.member_id;
    sync.assignments.push_back({joined.member_id, {7}});
    auto synced = call<protocol::SyncGroupResponse>(kafka, sync, 3, rig.deadline());
    REQUIRE(synced.error_code == 0);
    REQUIRE(synced.assignment == std::vector<uint8_t>{7});
    return {joined.member_id, joined.generation_id};
}

int16_t commit(BrokerRig& rig, client::KafkaConnection& kafka, const std::string& member,
               int32_t generation, int64_t offset, const std::string& group = "app") {
    protocol::OffsetCommitRequest request;
    request.group_id = group;
    request.generation_id_or_member_epoch = generation;
    request.member_id = member;
    auto& topic = request.topics.emplace_back();
    topic.name = "orders";
    topic.partitions.push_back({0, offset, -1, -1, "m"});
    auto response = call<protocol::OffsetCommitResponse>(kafka, request, 7, rig.deadline());
    return response.topics.at(0).partitions.at(0).error_code;
}

int64_t committed(BrokerRig& rig, client::KafkaConnection& kafka, const std::string& group) {
    protocol::OffsetFetchRequest request;
    request.group_id = group;
    request.topics =
        std::vector<protocol::OffsetFetchRequest::OffsetFetchRequestTopic>{{"orders", {0}}};
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto response = call<protocol::OffsetFetchResponse>(kafka, request, 5, rig.deadline());
        if (response.error_code == to_wire(KafkaError::coordinator_load_in_progress)) {
            rig.sleep(milliseconds(10));
            continue;
        }
        REQUIRE(response.error_code == 0);
        return response.topics.at(0).partitions.at(0).committed_offset;
    }
    FAIL("the coordinator never finished loading");
    return -2;
}

void create_orders(BrokerRig& rig, client::KafkaConnection& kafka) {
    REQUIRE(client::create_topic(kafka, "orders", 1, {}, rig.deadline()).value() ==
            KafkaError::none);
}

TEST_CASE("group coordinator: commits survive a crash, and the generation continues above",
          "[group]") {
    BrokerRig rig(group_config());
    rig.run([&] {
        auto kafka = rig.connect();
        create_orders(rig, *kafka);
        auto [member, generation] = join_alone(rig, *kafka);
        REQUIRE(commit(rig, *kafka, member, generation, 42) == 0);
        REQUIRE(commit(rig, *kafka, member, generation + 1, 43) ==
                to_wire(KafkaError::illegal_generation));
        REQUIRE(committed(rig, *kafka, "app") == 42);
        REQUIRE(committed(rig, *kafka, "never-seen") == -1);

        rig.crash_and_restart();
        kafka = rig.connect();
        REQUIRE(committed(rig, *kafka, "app") == 42);
        // The old member is gone after the restart; it learns so and rejoins.
        protocol::HeartbeatRequest heartbeat{"app", generation, member, std::nullopt};
        auto beat = call<protocol::HeartbeatResponse>(*kafka, heartbeat, 3, rig.deadline());
        REQUIRE(beat.error_code == to_wire(KafkaError::unknown_member_id));
        auto [again, next_generation] = join_alone(rig, *kafka);
        REQUIRE(next_generation > generation);
        REQUIRE(commit(rig, *kafka, again, next_generation, 50) == 0);
        REQUIRE(committed(rig, *kafka, "app") == 50);
    });
}

TEST_CASE("group coordinator: a commit whose fsync fails is refused and forgotten", "[group]") {
    BrokerRig rig(group_config());
    rig.run([&] {
        auto kafka = rig.connect();
        create_orders(rig, *kafka);
        REQUIRE(commit(rig, *kafka, "", -1, 42, "standalone") == 0);
        sim::SimDiskFaults faults;
        faults.sync_error_ppm = 1'000'000;
        rig.sim.disk("n1").set_faults(faults);
        REQUIRE(commit(rig, *kafka, "", -1, 43, "standalone") ==
                to_wire(KafkaError::not_coordinator));
        REQUIRE(committed(rig, *kafka, "standalone") == 42);
        rig.sim.disk("n1").set_faults(sim::SimDiskFaults{});
        // The ticker reopens the offline offsets log (every 500 ms); commits work again.
        int16_t error = -1;
        for (int attempt = 0; attempt < 50 && error != 0; ++attempt) {
            rig.sleep(milliseconds(100));
            error = commit(rig, *kafka, "", -1, 44, "standalone");
        }
        REQUIRE(error == 0);
        rig.crash_and_restart();
        kafka = rig.connect();
        REQUIRE(committed(rig, *kafka, "standalone") == 44);
    });
}

TEST_CASE("group coordinator: OffsetDelete keeps the offsets of subscribed topics", "[group]") {
    BrokerRig rig(group_config());
    rig.run([&] {
        auto kafka = rig.connect();
        create_orders(rig, *kafka);
        REQUIRE(client::create_topic(*kafka, "other", 1, {}, rig.deadline()).value() ==
                KafkaError::none);
        // A consumer member subscribed to "orders" only.
        protocol::JoinGroupRequest join = join_request("");
        join.protocols[0].metadata = protocol::encode_subscription({.topics = {"orders"}}, 0);
        auto joined = call<protocol::JoinGroupResponse>(*kafka, join, 2, rig.deadline());
        REQUIRE(joined.error_code == 0);
        // Before the leader's SyncGroup the generation has no assignment yet.
        REQUIRE(commit(rig, *kafka, joined.member_id, joined.generation_id, 5) ==
                to_wire(KafkaError::rebalance_in_progress));
        protocol::SyncGroupRequest sync;
        sync.group_id = "app";
        sync.generation_id = joined.generation_id;
        sync.member_id = joined.member_id;
        REQUIRE(call<protocol::SyncGroupResponse>(*kafka, sync, 1, rig.deadline()).error_code == 0);
        REQUIRE(commit(rig, *kafka, joined.member_id, joined.generation_id, 5) == 0);
        protocol::OffsetCommitRequest other;
        other.group_id = "app";
        other.generation_id_or_member_epoch = joined.generation_id;
        other.member_id = joined.member_id;
        other.topics.push_back({"other", {{0, 8, -1, -1, ""}}});
        auto stored = call<protocol::OffsetCommitResponse>(*kafka, other, 2, rig.deadline());
        REQUIRE(stored.topics[0].partitions[0].error_code == 0);

        protocol::OffsetDeleteRequest remove;
        remove.group_id = "app";
        remove.topics.push_back({"orders", {{0}}});
        remove.topics.push_back({"other", {{0}}});
        auto removed = call<protocol::OffsetDeleteResponse>(*kafka, remove, 0, rig.deadline());
        REQUIRE(removed.error_code == 0);
        REQUIRE(removed.topics[0].partitions[0].error_code ==
                to_wire(KafkaError::group_subscribed_to_topic));
        REQUIRE(removed.topics[1].partitions[0].error_code == 0);
        protocol::OffsetFetchRequest fetch;
        fetch.group_id = "app";
        fetch.topics = std::nullopt;  // v2+: every partition with an offset
        auto left = call<protocol::OffsetFetchResponse>(*kafka, fetch, 3, rig.deadline());
        REQUIRE(left.topics.size() == 1);
        REQUIRE(left.topics[0].name == "orders");
        REQUIRE(left.topics[0].partitions[0].committed_offset == 5);
    });
}

TEST_CASE("group coordinator: a silent member is expired and the group becomes Empty", "[group]") {
    BrokerRig rig(group_config());
    rig.run([&] {
        auto kafka = rig.connect();
        auto [member, generation] = join_alone(rig, *kafka);
        protocol::DescribeGroupsRequest describe;
        describe.groups = {"app"};
        auto stable = call<protocol::DescribeGroupsResponse>(*kafka, describe, 4, rig.deadline());
        REQUIRE(stable.groups.at(0).group_state == "Stable");
        REQUIRE(stable.groups.at(0).members.size() == 1);
        REQUIRE(stable.groups.at(0).members[0].member_assignment == std::vector<uint8_t>{7});
        rig.sleep(milliseconds(1500));  // past the 1 s session timeout
        auto empty = call<protocol::DescribeGroupsResponse>(*kafka, describe, 4, rig.deadline());
        REQUIRE(empty.groups.at(0).group_state == "Empty");
        REQUIRE(empty.groups.at(0).members.empty());
        protocol::DeleteGroupsRequest remove;
        remove.groups_names = {"app", "unknown"};
        auto removed = call<protocol::DeleteGroupsResponse>(*kafka, remove, 1, rig.deadline());
        REQUIRE(removed.results.at(0).error_code == 0);
        REQUIRE(removed.results.at(1).error_code == to_wire(KafkaError::group_id_not_found));
        auto listed = call<protocol::ListGroupsResponse>(*kafka, protocol::ListGroupsRequest{}, 2,
                                                         rig.deadline());
        REQUIRE(listed.groups.empty());
    });
}

TEST_CASE("group coordinator: offsets of an empty group expire after the retention", "[group]") {
    BrokerRig rig(group_config(
        {{"offsets.retention.minutes", "1"}, {"offsets.retention.check.interval.ms", "1000"}}));
    rig.run([&] {
        auto kafka = rig.connect();
        create_orders(rig, *kafka);
        // A standalone consumer: no member id, no generation.
        REQUIRE(commit(rig, *kafka, "", -1, 9, "standalone") == 0);
        rig.sleep(seconds(30));
        REQUIRE(committed(rig, *kafka, "standalone") == 9);
        rig.sleep(seconds(32));
        REQUIRE(committed(rig, *kafka, "standalone") == -1);
        // The tombstones are durable: the offset stays gone after a crash.
        rig.crash_and_restart();
        kafka = rig.connect();
        REQUIRE(committed(rig, *kafka, "standalone") == -1);
        REQUIRE(rig.broker->groups().group_count() == 0);
    });
}

TEST_CASE("group coordinator: the offsets topic stays bounded under many commits", "[group]") {
    BrokerRig rig(group_config(
        {{"offsets.topic.num.partitions", "1"}, {"offsets.rewrite.threshold.bytes", "8192"}}));
    rig.run([&] {
        auto kafka = rig.connect();
        create_orders(rig, *kafka);
        uint64_t largest = 0;
        for (int i = 1; i <= 2000; ++i) {
            REQUIRE(commit(rig, *kafka, "", -1, i, "standalone") == 0);
            if (i % 50 == 0) rig.sleep(milliseconds(150));  // let the ticker run
            largest =
                std::max(largest, rig.broker->groups().offsets_log().size_bytes(PartitionId(0)));
        }
        // 2000 commits of ~130 bytes each would be ~260 KB; the rewrite keeps it near the
        // threshold (plus what arrives between two ticks).
        REQUIRE(largest < 8192 + 50 * 200);
        auto partition = rig.broker->topics().partition(group::kOffsetsTopic, PartitionId(0));
        REQUIRE(partition->log()->log_start_offset() > Offset(1000));
        rig.crash_and_restart();
        kafka = rig.connect();
        REQUIRE(committed(rig, *kafka, "standalone") == 2000);
    });
}

TEST_CASE("group coordinator: metadata lists the offsets topic only when asked, as internal",
          "[group]") {
    BrokerRig rig(group_config());
    rig.run([&] {
        auto kafka = rig.connect();
        protocol::FindCoordinatorRequest find;
        find.key = "app";
        auto found = call<protocol::FindCoordinatorResponse>(*kafka, find, 2, rig.deadline());
        REQUIRE(found.error_code == 0);
        REQUIRE(found.node_id == 1);
        REQUIRE(found.host == "n1");
        REQUIRE(found.port == 9092);
        auto all = client::metadata(*kafka, std::nullopt, rig.deadline(), 9);
        REQUIRE(all.ok());
        REQUIRE(all->topics.empty());
        auto named = client::metadata(*kafka, std::vector<std::string>{"__consumer_offsets"},
                                      rig.deadline(), 9);
        REQUIRE(named->topics.at(0).error_code == 0);
        REQUIRE(named->topics.at(0).is_internal);
        REQUIRE(named->topics.at(0).partitions.size() == 3);
    });
}

}  // namespace
}  // namespace brook::broker::testing
