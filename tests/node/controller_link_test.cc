#include "core/node/controller_link.h"

#include <catch2/catch.hpp>

#include "tests/node/fake_controller_listeners.h"

namespace brook::node {
namespace {

using protocol::AnyRequest;
using protocol::AnyResponse;
using testing::FakeControllerListeners;

protocol::CreateTopicsRequest create(const std::string& name) {
    protocol::CreateTopicsRequest request;
    request.topics.push_back({.name = name, .num_partitions = 1, .replication_factor = 1});
    return request;
}

// Answers CreateTopics with the topic created, and AllocateProducerIds with a block.
AnyResponse agreeable(NodeId, const AnyRequest& request) {
    if (const auto* topics = std::get_if<protocol::CreateTopicsRequest>(&request)) {
        protocol::CreateTopicsResponse response;
        for (const auto& topic : topics->topics) response.topics.push_back({.name = topic.name});
        return response;
    }
    if (std::holds_alternative<protocol::AllocateProducerIdsRequest>(request)) {
        return protocol::AllocateProducerIdsResponse{.producer_id_start = 1000,
                                                     .producer_id_len = 1000};
    }
    FAIL("unexpected request");
    return protocol::ApiVersionsResponse{};
}

ControllerLinkOptions options_for(const FakeControllerListeners& controllers) {
    return ControllerLinkOptions{.self = NodeId(7), .voters = controllers.voters,
                                 .request_timeout = milliseconds(500)};
}

TEST_CASE("controller link: sends to the quorum leader and returns its answer") {
    FakeControllerListeners controllers(3, 1);
    controllers.leader = NodeId(2);
    controllers.handler = agreeable;
    controllers.run([&](Environment& env) {
        ControllerLink link(env, options_for(controllers), [] { return NodeId(2); });
        auto answer = link.send(AnyRequest(create("orders")), 7, env.clock.now() + seconds(5));
        REQUIRE(answer.ok());
        const auto& created = std::get<protocol::CreateTopicsResponse>(*answer);
        REQUIRE(created.topics.at(0).error_code == 0);
        REQUIRE(controllers.received[NodeId(2)].size() == 1);
        REQUIRE(controllers.received[NodeId(1)].empty());
        // The connection is kept for the next request.
        REQUIRE(link.send(AnyRequest(create("b")), 7, env.clock.now() + seconds(5)).ok());
        REQUIRE(controllers.accepted[NodeId(2)] == 1);
    });
}

TEST_CASE("controller link: NOT_CONTROLLER and an unknown leader are retried until one answers") {
    FakeControllerListeners controllers(3, 2);
    controllers.leader = NodeId(3);
    controllers.handler = agreeable;
    controllers.run([&](Environment& env) {
        // The node's idea of the leader: none for 300 ms, then the stale 1, then 3.
        Instant start = env.clock.now();
        auto leader = [&]() -> std::optional<NodeId> {
            Duration since = env.clock.now() - start;
            if (since < milliseconds(300)) return std::nullopt;
            if (since < milliseconds(800)) return NodeId(1);
            return NodeId(3);
        };
        ControllerLink link(env, options_for(controllers), leader);
        auto answer = link.send(AnyRequest(create("orders")), 7, env.clock.now() + seconds(5));
        REQUIRE(answer.ok());
        REQUIRE(!says_not_controller(*answer));
        REQUIRE(!controllers.received[NodeId(1)].empty());  // asked, said NOT_CONTROLLER
        REQUIRE(controllers.received[NodeId(3)].size() == 1);
        REQUIRE(env.clock.now() - start >= milliseconds(800));
    });
}

TEST_CASE("controller link: a broken connection is reopened and the request sent again") {
    FakeControllerListeners controllers(1, 3);
    controllers.leader = NodeId(1);
    controllers.handler = agreeable;
    controllers.drop_next = 2;
    controllers.run([&](Environment& env) {
        ControllerLink link(env, options_for(controllers), [] { return NodeId(1); });
        auto answer = link.send(AnyRequest(create("orders")), 7, env.clock.now() + seconds(5));
        REQUIRE(answer.ok());
        REQUIRE(controllers.accepted[NodeId(1)] == 3);
        REQUIRE(controllers.received[NodeId(1)].size() == 3);
    });
}

TEST_CASE("controller link: no controller by the deadline is a timeout naming the last problem") {
    FakeControllerListeners controllers(2, 4);
    controllers.leader = NodeId(2);
    controllers.handler = agreeable;
    controllers.run([&](Environment& env) {
        ControllerLink link(env, options_for(controllers), [] { return NodeId(1); });
        Instant start = env.clock.now();
        auto answer = link.send(AnyRequest(create("orders")), 7, start + seconds(2));
        REQUIRE(!answer.ok());
        REQUIRE(answer.error().code() == ErrorCode::timeout);
        REQUIRE(answer.error().context().find("NOT_CONTROLLER") != std::string::npos);
        REQUIRE(env.clock.now() - start >= seconds(2));
        REQUIRE(env.clock.now() - start < seconds(3));
        // Bounded doubling: 50, 100, ..., 1000 ms apart, not a busy loop.
        REQUIRE(controllers.received[NodeId(1)].size() <= 8);
    });
}

TEST_CASE("controller link: versions follow the controller's ApiVersions") {
    FakeControllerListeners controllers(1, 5);
    controllers.leader = NodeId(1);
    controllers.handler = agreeable;
    controllers.served[protocol::ApiKey::create_topics] = {2, 4};
    controllers.run([&](Environment& env) {
        ControllerLink link(env, options_for(controllers), [] { return NodeId(1); });
        Instant deadline = env.clock.now() + seconds(5);
        auto exact = link.send(AnyRequest(create("a")), 7, deadline);
        REQUIRE(!exact.ok());
        REQUIRE(exact.error().code() == ErrorCode::unsupported);
        auto lowered = link.send(AnyRequest(create("a")), 7, deadline,
                                 ControllerLink::Version::highest_up_to);
        REQUIRE(lowered.ok());
        auto unknown = link.send(AnyRequest(protocol::DeleteTopicsRequest{}), 4, deadline);
        REQUIRE(!unknown.ok());
        REQUIRE(unknown.error().code() == ErrorCode::unsupported);
    });
}

TEST_CASE("controller link: a forwarded AllocateProducerIds carries this broker's id and epoch") {
    FakeControllerListeners controllers(1, 6);
    controllers.leader = NodeId(1);
    controllers.handler = agreeable;
    controllers.run([&](Environment& env) {
        ControllerLink link(env, options_for(controllers), [] { return NodeId(1); });
        link.set_broker_epoch_source([] { return metadata::BrokerEpoch(42); });
        auto answer = link.forward(AnyRequest(protocol::AllocateProducerIdsRequest{}), 0,
                                   env.clock.now() + seconds(5));
        REQUIRE(answer.ok());
        const auto& sent = std::get<protocol::AllocateProducerIdsRequest>(
            controllers.received[NodeId(1)].at(0));
        REQUIRE(sent.broker_id == 7);
        REQUIRE(sent.broker_epoch == 42);
    });
}

TEST_CASE("controller link: close() ends a send that is backing off") {
    FakeControllerListeners controllers(1, 7);
    controllers.handler = agreeable;
    controllers.run([&](Environment& env) {
        ControllerLink link(env, options_for(controllers), [] { return std::nullopt; });
        env.scheduler.spawn("closer", [&] {
            env.clock.sleep_for(milliseconds(200));
            link.close();
        });
        Instant start = env.clock.now();
        auto answer = link.send(AnyRequest(create("a")), 7, start + seconds(30));
        REQUIRE(!answer.ok());
        REQUIRE(answer.error().code() == ErrorCode::shutting_down);
        REQUIRE(env.clock.now() - start < seconds(1));
    });
}

TEST_CASE("controller link: NOT_CONTROLLER is found at the top level and per item") {
    constexpr int16_t kNotController = static_cast<int16_t>(protocol::KafkaError::not_controller);
    REQUIRE(says_not_controller(protocol::BrokerHeartbeatResponse{.error_code = kNotController}));
    REQUIRE(!says_not_controller(protocol::BrokerHeartbeatResponse{}));
    protocol::CreateTopicsResponse topics;
    topics.topics.push_back({.name = "a"});
    REQUIRE(!says_not_controller(topics));
    topics.topics.push_back({.name = "b", .error_code = kNotController});
    REQUIRE(says_not_controller(topics));
    protocol::DeleteTopicsResponse deleted;
    deleted.responses.push_back({.name = "a", .error_code = kNotController});
    REQUIRE(says_not_controller(deleted));
    protocol::CreatePartitionsResponse partitions;
    partitions.results.push_back({.name = "a", .error_code = kNotController});
    REQUIRE(says_not_controller(partitions));
}

}  // namespace
}  // namespace brook::node
