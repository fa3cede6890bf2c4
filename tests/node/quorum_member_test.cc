// Three QuorumMembers in simulation, driven over Kafka's wire as brokers and admin clients
// drive a KRaft controller quorum (quorum_member_rig.h).
#include "core/node/quorum_member.h"

#include <catch2/catch.hpp>
#include <set>

#include "core/protocol/frame_assembler.h"
#include "tests/node/quorum_member_rig.h"

namespace brook::node::testing {
namespace {

using protocol::KafkaError;
using protocol::to_wire;

protocol::BrokerRegistrationRequest registration(int32_t broker) {
    protocol::BrokerRegistrationRequest request;
    request.broker_id = broker;
    request.cluster_id = kClusterId;
    request.incarnation_id[15] = static_cast<uint8_t>(broker);
    request.listeners.push_back({"PLAINTEXT", fmt::format("b{}", broker), 9092, 0});
    request.rack.reset();
    return request;
}

protocol::CreateTopicsRequest create_topic(const std::string& name, int32_t partitions,
                                           int16_t replication_factor) {
    protocol::CreateTopicsRequest request;
    request.topics.push_back({name, partitions, replication_factor, {}, {}});
    return request;
}

// The active controller, found again after every call (it may move).
struct Brokers {
    QuorumMemberRig& rig;
    std::map<int32_t, int64_t> epochs;  // by broker id

    void register_all(std::set<int32_t> ids) {
        for (int32_t id : ids) {
            NodeId active = rig.wait_for_active();
            auto reply =
                rig.call<protocol::BrokerRegistrationResponse>(active, registration(id), 0);
            REQUIRE(reply.ok());
            REQUIRE(reply->error_code == 0);
            epochs[id] = reply->broker_epoch;
        }
    }

    // Heartbeats of `ids` every 200 ms for `duration`, as caught up as the controller. Returns
    // the last answer of each.
    std::map<int32_t, protocol::BrokerHeartbeatResponse> heartbeat_for(std::set<int32_t> ids,
                                                                       Duration duration) {
        std::map<int32_t, protocol::BrokerHeartbeatResponse> last;
        Instant end = rig.sim.now() + duration;
        do {
            NodeId active = rig.wait_for_active();
            for (int32_t id : ids) {
                protocol::BrokerHeartbeatRequest request;
                request.broker_id = id;
                request.broker_epoch = epochs.at(id);
                request.current_metadata_offset =
                    rig.member(active).metadata().applied_offset().value();
                auto reply = rig.call<protocol::BrokerHeartbeatResponse>(active, request, 0);
                if (reply.ok()) last[id] = *reply;
            }
            rig.sleep(milliseconds(200));
        } while (rig.sim.now() < end);
        return last;
    }

    // Registers and unfences `ids`, then creates `topic` at the active controller, which it
    // returns with the topic's answer.
    std::pair<NodeId, protocol::CreateTopicsResponse::CreatableTopicResult> ready_with_topic(
        std::set<int32_t> ids, const std::string& topic, int32_t partitions,
        int16_t replication_factor) {
        register_all(ids);
        heartbeat_for(ids, milliseconds(600));
        NodeId active = rig.wait_for_active();
        auto created = rig.call<protocol::CreateTopicsResponse>(
            active, create_topic(topic, partitions, replication_factor), 7);
        REQUIRE(created.ok());
        REQUIRE(created->topics.size() == 1);
        REQUIRE(created->topics[0].error_code == 0);
        return {active, created->topics[0]};
    }
};

NodeId other_than(NodeId id) { return id == NodeId(1) ? NodeId(2) : NodeId(1); }

TEST_CASE("quorum member: brokers register at the active controller and heartbeats unfence them") {
    QuorumMemberRig rig(11);
    rig.run([&] {
        NodeId active = rig.wait_for_active();
        auto refused =
            rig.call<protocol::BrokerRegistrationResponse>(other_than(active), registration(1), 0);
        REQUIRE(refused.ok());
        CHECK(refused->error_code == to_wire(KafkaError::not_controller));

        Brokers brokers{rig};
        brokers.register_all({1, 2, 3});
        std::set<int64_t> distinct;
        const metadata::MetadataImage& image = rig.member(active).metadata().image();
        for (const auto& [id, epoch] : brokers.epochs) {
            distinct.insert(epoch);
            // The broker epoch is the offset of its RegisterBrokerRecord, committed on answer.
            const metadata::BrokerRegistration* broker = image.broker(NodeId(id));
            REQUIRE(broker != nullptr);
            CHECK(broker->epoch.value() == epoch);
            CHECK(broker->fenced);
        }
        CHECK(distinct.size() == 3);

        auto last = brokers.heartbeat_for({1, 2, 3}, milliseconds(600));
        for (int32_t id : {1, 2, 3}) {
            CHECK(last.at(id).error_code == 0);
            CHECK_FALSE(last.at(id).is_fenced);
            CHECK_FALSE(rig.member(active).metadata().image().broker(NodeId(id))->fenced);
        }
    });
}

TEST_CASE("quorum member: CreateTopics is answered after commit, and every member has the topic") {
    QuorumMemberRig rig(12);
    rig.run([&] {
        Brokers brokers{rig};
        auto [active, created] = brokers.ready_with_topic({1, 2, 3}, "orders", 3, 3);
        CHECK(created.num_partitions == 3);
        // Committed before the answer: the active member applied it already.
        const metadata::TopicImage* topic = rig.member(active).metadata().image().topic("orders");
        REQUIRE(topic != nullptr);
        CHECK(topic->id == created.topic_id);
        CHECK(topic->partitions.size() == 3);
        rig.wait_all_applied(rig.member(active).metadata().applied_offset());
        for (const auto& [id, member] : rig.members) {
            REQUIRE(member != nullptr);
            const metadata::TopicImage* there = member->metadata().image().topic("orders");
            REQUIRE(there != nullptr);
            CHECK(*there == *topic);
        }
        auto again = rig.call<protocol::CreateTopicsResponse>(other_than(active),
                                                              create_topic("more", 1, 3), 7);
        REQUIRE(again.ok());
        CHECK(again->topics[0].error_code == to_wire(KafkaError::not_controller));
    });
}

TEST_CASE("quorum member: a broker that stops heartbeating is fenced and loses its leaderships") {
    QuorumMemberRig rig(13);
    rig.run([&] {
        Brokers brokers{rig};
        NodeId active = brokers.ready_with_topic({1, 2, 3}, "orders", 6, 3).first;
        const metadata::MetadataImage& before = rig.member(active).metadata().image();
        int led_by_3 = 0;
        for (const auto& [partition, state] : before.topic("orders")->partitions) {
            led_by_3 += state.leader == NodeId(3) ? 1 : 0;
        }
        CHECK(led_by_3 > 0);
        // broker.session.timeout.ms is 1000 in the rig; broker 3 falls silent for twice that.
        brokers.heartbeat_for({1, 2}, milliseconds(2000));
        const metadata::MetadataImage& after = rig.member(rig.wait_for_active()).metadata().image();
        CHECK(after.broker(NodeId(3))->fenced);
        CHECK_FALSE(after.broker(NodeId(1))->fenced);
        for (const auto& [partition, state] : after.topic("orders")->partitions) {
            CHECK(state.leader != NodeId(3));
            CHECK(state.leader != metadata::kNoLeader);
        }
    });
}

TEST_CASE("quorum member: a new leader's controller has the same metadata and keeps answering") {
    QuorumMemberRig rig(14);
    rig.run([&] {
        Brokers brokers{rig};
        auto [first, created] = brokers.ready_with_topic({1, 2, 3}, "orders", 2, 3);
        metadata::MetadataImage committed = rig.member(first).metadata().image();
        rig.crash(first);
        NodeId second = rig.wait_for_active();
        CHECK(second != first);
        const metadata::MetadataImage& image = rig.member(second).metadata().image();
        CHECK(image.topics() == committed.topics());
        CHECK(image.brokers().size() == committed.brokers().size());

        auto again =
            rig.call<protocol::CreateTopicsResponse>(second, create_topic("orders", 2, 3), 7);
        REQUIRE(again.ok());
        CHECK(again->topics[0].error_code == to_wire(KafkaError::topic_already_exists));
        brokers.heartbeat_for({1, 2, 3}, milliseconds(400));
        auto more = rig.call<protocol::CreateTopicsResponse>(second, create_topic("more", 1, 2), 7);
        REQUIRE(more.ok());
        CHECK(more->topics[0].error_code == 0);
        CHECK(more->topics[0].topic_id != created.topic_id);
    });
}

TEST_CASE("quorum member: ApiVersions on the controller listener lists the controller's APIs") {
    QuorumMemberRig rig(15);
    rig.run([&] {
        NodeId active = rig.wait_for_active();
        auto versions = rig.call<protocol::ApiVersionsResponse>(
            other_than(active), protocol::ApiVersionsRequest{"rig", "1.0"}, 4);
        REQUIRE(versions.ok());
        CHECK(versions->error_code == 0);
        std::set<int16_t> keys;
        for (const auto& api : versions->api_keys) keys.insert(api.api_key);
        std::set<int16_t> expected = {1,  18, 19, 20, 33, 37, 44, 52, 53,
                                      54, 55, 56, 59, 62, 63, 64, 67};
        CHECK(keys == expected);

        // ApiVersions v5, newer than Brook's codec: UNSUPPORTED_VERSION at v0, naming the
        // versions served (KIP-511), and the connection stays open.
        auto raw = rig.sim.network().host("client").connect(QuorumMemberRig::address(active),
                                                            rig.deadline());
        REQUIRE(raw.ok());
        std::vector<uint8_t> request = {0, 0, 0, 13, 0, 18, 0, 5, 0, 0, 0, 7, 0, 1, 'x', 0, 0};
        REQUIRE((*raw)->write(request, rig.deadline()).ok());
        protocol::FrameAssembler frames(1 << 20);
        while (!frames.complete()) {
            auto read = (*raw)->read(frames.space(), rig.deadline());
            REQUIRE(read.ok());
            REQUIRE(frames.commit(*read).ok());
        }
        std::vector<uint8_t> frame = frames.take();
        REQUIRE(frame.size() > 4);
        CHECK(frame[3] == 7);  // the correlation id, header v0
        auto answer = protocol::decode_response(protocol::ApiKey::api_versions, 0,
                                                std::span(frame).subspan(4));
        REQUIRE(answer.ok());
        const auto& unsupported = std::get<protocol::ApiVersionsResponse>(*answer);
        CHECK(unsupported.error_code == to_wire(KafkaError::unsupported_version));
        REQUIRE(unsupported.api_keys.size() == 1);
        CHECK(unsupported.api_keys[0].max_version == 4);
    });
}

TEST_CASE("quorum member: the topic, config, producer id and unregistration APIs over the wire") {
    QuorumMemberRig rig(17);
    rig.run([&] {
        Brokers brokers{rig};
        auto [active, created] = brokers.ready_with_topic({1, 2, 3}, "orders", 1, 3);
        const metadata::MetadataImage& image = rig.member(active).metadata().image();

        protocol::CreatePartitionsRequest grow;
        grow.topics.push_back({"orders", 3, std::nullopt});
        grow.topics.push_back({"missing", 2, std::nullopt});
        auto grown = rig.call<protocol::CreatePartitionsResponse>(active, grow, 3);
        REQUIRE(grown.ok());
        REQUIRE(grown->results.size() == 2);
        CHECK(grown->results[0].error_code == 0);
        CHECK(grown->results[1].error_code == to_wire(KafkaError::unknown_topic_or_partition));
        CHECK(image.topic("orders")->partitions.size() == 3);

        protocol::IncrementalAlterConfigsRequest incremental;
        incremental.resources.push_back(
            {2, "orders", {{"retention.ms", 0, "1000"}, {"cleanup.policy", 0, "delete"}}});
        auto altered = rig.call<protocol::IncrementalAlterConfigsResponse>(active, incremental, 1);
        REQUIRE(altered.ok());
        CHECK(altered->responses.at(0).error_code == 0);
        metadata::ConfigResource orders{metadata::ConfigResourceType::topic, "orders"};
        CHECK(image.configs_of(orders).size() == 2);
        // The legacy AlterConfigs replaces the whole set: cleanup.policy goes.
        protocol::AlterConfigsRequest legacy;
        legacy.resources.push_back({2, "orders", {{"retention.ms", "2000"}}});
        auto replaced = rig.call<protocol::AlterConfigsResponse>(active, legacy, 2);
        REQUIRE(replaced.ok());
        CHECK(replaced->responses.at(0).error_code == 0);
        CHECK(image.configs_of(orders) == metadata::ConfigEntries{{"retention.ms", "2000"}});

        protocol::AllocateProducerIdsRequest allocate{1, brokers.epochs.at(1)};
        auto first = rig.call<protocol::AllocateProducerIdsResponse>(active, allocate, 0);
        auto second = rig.call<protocol::AllocateProducerIdsResponse>(active, allocate, 0);
        REQUIRE((first.ok() && second.ok()));
        CHECK(first->error_code == 0);
        CHECK(second->producer_id_start == first->producer_id_start + first->producer_id_len);

        // DeleteTopics v6 by id, and by a name that does not exist.
        protocol::DeleteTopicsRequest by_id;
        by_id.topics.push_back({std::nullopt, created.topic_id});
        by_id.topics.push_back({std::string("missing"), {}});
        auto deleted = rig.call<protocol::DeleteTopicsResponse>(active, by_id, 6);
        REQUIRE(deleted.ok());
        REQUIRE(deleted->responses.size() == 2);
        CHECK(deleted->responses[0].error_code == 0);
        CHECK(deleted->responses[0].name == std::optional<std::string>("orders"));
        CHECK(deleted->responses[1].error_code == to_wire(KafkaError::unknown_topic_or_partition));
        CHECK(image.topic("orders") == nullptr);

        auto unregistered = rig.call<protocol::UnregisterBrokerResponse>(
            active, protocol::UnregisterBrokerRequest{3}, 0);
        REQUIRE(unregistered.ok());
        CHECK(unregistered->error_code == 0);
        CHECK(image.broker(NodeId(3)) == nullptr);
    });
}

TEST_CASE("quorum member: an observer follows the metadata without a controller listener") {
    QuorumMemberRig rig(18, NodePlantedBug::none, /*observers=*/1);
    rig.run([&] {
        Brokers brokers{rig};
        NodeId active = brokers.ready_with_topic({1}, "orders", 1, 1).first;
        QuorumMember& observer = rig.member(NodeId(4));
        CHECK_FALSE(observer.local_controller_address().has_value());
        CHECK(rig.member(active).local_controller_address() == QuorumMemberRig::address(active));
        rig.wait_all_applied(rig.member(active).metadata().applied_offset());
        CHECK(observer.metadata().image().topic("orders") != nullptr);
        CHECK(observer.leader() == std::optional<NodeId>(active));
        CHECK_FALSE(observer.is_active_controller());
        CHECK(observer.status().leader_id == active);
    });
}

TEST_CASE("quorum member: a member restarted from its snapshot has the same metadata") {
    QuorumMemberRig rig(19);
    rig.snapshot_every_entries = 4;
    rig.run([&] {
        Brokers brokers{rig};
        NodeId active = brokers.ready_with_topic({1, 2, 3}, "t0", 1, 3).first;
        for (int i = 1; i < 4; ++i) {
            auto created = rig.call<protocol::CreateTopicsResponse>(
                active, create_topic(fmt::format("t{}", i), 1, 3), 7);
            REQUIRE(created.ok());
            REQUIRE(created->topics[0].error_code == 0);
        }
        NodeId follower = other_than(active);
        rig.wait_all_applied(rig.member(active).metadata().applied_offset());
        rig.sleep(milliseconds(100));  // the writer finishes the snapshot the last apply asked
        rig.crash(follower);
        rig.restart(follower);
        // Before it fetched anything, the restarted member held a snapshot's image: one taken
        // at least 4 entries (two topics) before the end.
        CHECK(rig.images_at_open.at(follower).topics().size() >= 2);
        rig.wait_all_applied(rig.member(active).metadata().applied_offset());
        CHECK(rig.member(follower).metadata().image().topics() ==
              rig.member(active).metadata().image().topics());
    });
}

TEST_CASE("quorum member: one seed, one trace") {
    auto trace_of = [](uint64_t seed) {
        QuorumMemberRig rig(seed);
        rig.run([&] {
            Brokers brokers{rig};
            NodeId active = brokers.ready_with_topic({1, 2, 3}, "orders", 2, 3).first;
            rig.crash(active);
            brokers.heartbeat_for({1, 2, 3}, milliseconds(600));
        });
        return rig.sim.trace().hash();
    };
    CHECK(trace_of(20) == trace_of(20));
    CHECK(trace_of(20) != trace_of(21));
}

TEST_CASE("quorum member: a clean stop hands leadership on and run() returns ok") {
    QuorumMemberRig rig(22);
    rig.run([&] {
        Brokers brokers{rig};
        NodeId first = brokers.ready_with_topic({1, 2, 3}, "orders", 1, 3).first;
        rig.member(first).resign();
        rig.member(first).stop();
        Instant end = rig.deadline(seconds(5));
        while (rig.members.at(first) != nullptr && rig.sim.now() < end) rig.sleep(milliseconds(1));
        CHECK(rig.members.at(first) == nullptr);
        CHECK(rig.run_results.at(first) == "ok");
        NodeId second = rig.wait_for_active();
        CHECK(second != first);
        auto refused = rig.call<protocol::CreateTopicsResponse>(first, create_topic("x", 1, 1), 7);
        CHECK_FALSE(refused.ok());  // nobody listens there any more
    });
}

// Creates topic `name` at whichever member is the active controller, asking again after
// NOT_CONTROLLER or a broken connection; the final answer's error code.
int16_t create_until_answered(QuorumMemberRig& rig, const std::string& name) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto answer = rig.call<protocol::CreateTopicsResponse>(rig.wait_for_active(),
                                                               create_topic(name, 1, 1), 7);
        if (answer.ok() && answer->topics.at(0).error_code != to_wire(KafkaError::not_controller)) {
            return answer->topics.at(0).error_code;
        }
        rig.sleep(milliseconds(50));
    }
    FAIL("no answer for " << name);
    return -1;
}

TEST_CASE("quorum member: topics survive crashes of random members, each created once") {
    for (uint64_t seed : {31, 32, 33}) {
        QuorumMemberRig rig(seed);
        rig.run([&] {
            Brokers brokers{rig};
            brokers.ready_with_topic({1, 2, 3}, "t0", 1, 1);
            std::set<std::string> created = {"t0"};
            for (int i = 1; i < 8; ++i) {
                NodeId victim(static_cast<int32_t>(rig.sim.random().next() % 3) + 1);
                bool crash = rig.sim.random().next() % 2 == 0;
                if (crash) rig.crash(victim);
                std::string name = fmt::format("t{}", i);
                int16_t answer = create_until_answered(rig, name);
                // TOPIC_ALREADY_EXISTS: an earlier attempt was committed, its answer lost.
                CHECK((answer == 0 || answer == to_wire(KafkaError::topic_already_exists)));
                created.insert(name);
                if (crash) rig.restart(victim);
                brokers.heartbeat_for({1, 2, 3}, milliseconds(200));
            }
            NodeId active = rig.wait_for_active();
            rig.wait_all_applied(rig.member(active).metadata().applied_offset());
            const metadata::MetadataImage& image = rig.member(active).metadata().image();
            std::set<std::string> names;
            std::set<metadata::Uuid> ids;
            for (const auto& [id, topic] : image.topics()) {
                names.insert(topic.name);
                ids.insert(id);
            }
            CHECK(names == created);
            CHECK(ids.size() == created.size());
            for (const auto& [id, member] : rig.members) {
                REQUIRE(member != nullptr);
                CHECK(member->metadata().image().topics() == image.topics());
                CHECK(member->metadata().image().brokers() == image.brokers());
            }
        });
    }
}

// Registers broker 1, creates "orders", restarts the whole quorum, registers broker 1 again and
// asks for "orders" once more: the answer's error code.
int16_t create_twice_across_a_full_restart(NodePlantedBug bug) {
    QuorumMemberRig rig(16, bug);
    int16_t second_answer = -2;
    rig.run([&] {
        Brokers brokers{rig};
        NodeId active = brokers.ready_with_topic({1}, "orders", 1, 1).first;
        rig.wait_all_applied(rig.member(active).metadata().applied_offset());
        for (NodeId id : {NodeId(1), NodeId(2), NodeId(3)}) rig.crash(id);
        for (NodeId id : {NodeId(1), NodeId(2), NodeId(3)}) rig.restart(id);
        brokers.register_all({1});
        brokers.heartbeat_for({1}, milliseconds(600));
        auto again = rig.call<protocol::CreateTopicsResponse>(rig.wait_for_active(),
                                                              create_topic("orders", 1, 1), 7);
        REQUIRE(again.ok());
        second_answer = again->topics[0].error_code;
    });
    return second_answer;
}

TEST_CASE("quorum member: a controller waits for its own LeaderChange entry before it decides") {
    CHECK(create_twice_across_a_full_restart(NodePlantedBug::none) ==
          to_wire(KafkaError::topic_already_exists));
}

TEST_CASE("quorum member: planted activate_before_catch_up creates a topic twice") {
    CHECK(create_twice_across_a_full_restart(NodePlantedBug::activate_before_catch_up) ==
          to_wire(KafkaError::none));
}

}  // namespace
}  // namespace brook::node::testing
