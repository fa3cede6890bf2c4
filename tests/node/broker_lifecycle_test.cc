#include "core/node/broker_lifecycle.h"

#include <catch2/catch.hpp>

#include "tests/node/fake_controller_listeners.h"

namespace brook::node {
namespace {

using protocol::AnyRequest;
using protocol::AnyResponse;
using testing::FakeControllerListeners;

constexpr int16_t kStaleBrokerEpoch =
    static_cast<int16_t>(protocol::KafkaError::stale_broker_epoch);
constexpr int16_t kDuplicateRegistration =
    static_cast<int16_t>(protocol::KafkaError::duplicate_broker_registration);

// A controller's view of one broker, as Brook's controller keeps it: the epoch is handed out at
// registration; a heartbeat with another epoch is stale; the broker is unfenced once its
// metadata offset reaches its epoch; a shutdown takes two heartbeats (move, then stop).
struct FakeRegistry {
    int64_t next_epoch = 10;
    std::optional<int64_t> epoch;
    int refuse_registrations = 0;
    bool shutting_down = false;
    std::vector<int64_t> offsets_heard;
    std::vector<protocol::BrokerRegistrationRequest> registrations;

    AnyResponse answer(const AnyRequest& request) {
        if (const auto* registration = std::get_if<protocol::BrokerRegistrationRequest>(&request)) {
            registrations.push_back(*registration);
            if (refuse_registrations > 0) {
                --refuse_registrations;
                return protocol::BrokerRegistrationResponse{.error_code = kDuplicateRegistration};
            }
            epoch = next_epoch;
            next_epoch += 10;
            return protocol::BrokerRegistrationResponse{.broker_epoch = *epoch};
        }
        const auto& heartbeat = std::get<protocol::BrokerHeartbeatRequest>(request);
        if (heartbeat.broker_epoch != epoch) {
            return protocol::BrokerHeartbeatResponse{.error_code = kStaleBrokerEpoch};
        }
        offsets_heard.push_back(heartbeat.current_metadata_offset);
        protocol::BrokerHeartbeatResponse response;
        response.is_caught_up = heartbeat.current_metadata_offset >= *epoch;
        response.is_fenced = !response.is_caught_up;
        if (heartbeat.want_shut_down) {
            response.should_shut_down = shutting_down;
            shutting_down = true;
        }
        return response;
    }
};

struct LifecycleFixture {
    FakeControllerListeners controllers{1, 11};
    FakeRegistry registry;
    Offset applied = Offset(-1);

    LifecycleFixture() {
        controllers.leader = NodeId(1);
        controllers.handler = [this](NodeId, const AnyRequest& request) {
            return registry.answer(request);
        };
    }

    BrokerLifecycleOptions options() const {
        return {.self = NodeId(4), .cluster_id = "cluster-a", .rack = "r1",
                .heartbeat_interval = milliseconds(200)};
    }

    std::vector<metadata::BrokerEndpoint> endpoints() const {
        return {{"PLAINTEXT", "b4", 9092, 0}};
    }

    // Runs a lifecycle in a fiber of its own while `body` runs, then stops it and waits for
    // run() to end.
    void run(const std::function<void(Environment&, BrokerLifecycle&, ControllerLink&)>& body,
             Duration request_timeout = seconds(2)) {
        controllers.run([&](Environment& env) {
            ControllerLink link(env,
                                {.self = NodeId(4), .voters = controllers.voters,
                                 .request_timeout = request_timeout},
                                [this]() -> std::optional<NodeId> { return controllers.leader; });
            BrokerLifecycle lifecycle(
                env, link, options(), [this] { return endpoints(); }, [this] { return applied; });
            bool ended = false;
            env.scheduler.spawn("lifecycle", [&] {
                lifecycle.run();
                ended = true;
            });
            body(env, lifecycle, link);
            lifecycle.stop();
            link.close();
            while (!ended) env.clock.sleep_for(milliseconds(10));
        });
    }
};

void sleep_until(Environment& env, const std::function<bool()>& done, Duration limit) {
    Instant end = env.clock.now() + limit;
    while (!done() && env.clock.now() < end) env.clock.sleep_for(milliseconds(10));
    REQUIRE(done());
}

TEST_CASE("broker lifecycle: registers, heartbeats and is unfenced once caught up") {
    LifecycleFixture fixture;
    fixture.run([&](Environment& env, BrokerLifecycle& lifecycle, ControllerLink&) {
        sleep_until(env, [&] { return lifecycle.broker_epoch().value() == 10; }, seconds(5));
        const auto& registration = fixture.registry.registrations.at(0);
        REQUIRE(registration.broker_id == 4);
        REQUIRE(registration.cluster_id == "cluster-a");
        REQUIRE(registration.rack == "r1");
        REQUIRE(registration.incarnation_id == lifecycle.incarnation_id());
        REQUIRE(registration.incarnation_id != metadata::Uuid{});
        REQUIRE(registration.listeners.size() == 1);
        REQUIRE(registration.listeners[0].host == "b4");
        REQUIRE(registration.features.at(0).name == "metadata.version");
        env.clock.sleep_for(milliseconds(500));
        REQUIRE(lifecycle.fenced());  // the broker has not applied its registration
        fixture.applied = Offset(10);
        sleep_until(env, [&] { return !lifecycle.fenced(); }, seconds(2));
        REQUIRE(fixture.registry.offsets_heard.back() == 10);
        // Every heartbeat interval, not more often.
        size_t heard = fixture.registry.offsets_heard.size();
        env.clock.sleep_for(milliseconds(1000));
        size_t more = fixture.registry.offsets_heard.size() - heard;
        REQUIRE(more >= 4);
        REQUIRE(more <= 6);
    });
}

TEST_CASE("broker lifecycle: a stale epoch registers again; a duplicate registration retries") {
    LifecycleFixture fixture;
    fixture.registry.refuse_registrations = 2;
    fixture.run([&](Environment& env, BrokerLifecycle& lifecycle, ControllerLink&) {
        sleep_until(env, [&] { return lifecycle.broker_epoch().value() == 10; }, seconds(5));
        REQUIRE(fixture.registry.registrations.size() == 3);
        fixture.registry.epoch.reset();  // the controller lost the registration
        sleep_until(env, [&] { return lifecycle.broker_epoch().value() == 20; }, seconds(5));
        // The same process: the same incarnation.
        REQUIRE(fixture.registry.registrations.back().incarnation_id ==
                fixture.registry.registrations.front().incarnation_id);
    });
}

TEST_CASE("broker lifecycle: a controlled shutdown heartbeats until the controller agrees") {
    LifecycleFixture fixture;
    fixture.applied = Offset(100);
    fixture.run([&](Environment& env, BrokerLifecycle& lifecycle, ControllerLink&) {
        sleep_until(env, [&] { return !lifecycle.fenced(); }, seconds(5));
        Instant asked = env.clock.now();
        REQUIRE(lifecycle.shut_down(asked + seconds(5)));
        REQUIRE(fixture.registry.shutting_down);
        // The quick shutdown heartbeats, not the 200 ms interval.
        REQUIRE(env.clock.now() - asked < milliseconds(400));
    });
}

TEST_CASE("broker lifecycle: a controlled shutdown gives up at its deadline") {
    LifecycleFixture fixture;
    fixture.applied = Offset(100);
    fixture.run([&](Environment& env, BrokerLifecycle& lifecycle, ControllerLink&) {
        sleep_until(env, [&] { return !lifecycle.fenced(); }, seconds(5));
        fixture.controllers.leader.reset();  // nobody answers any more
        Instant asked = env.clock.now();
        REQUIRE(!lifecycle.shut_down(asked + seconds(1)));
        REQUIRE(env.clock.now() - asked >= seconds(1));
        REQUIRE(env.clock.now() - asked < seconds(2));
    }, milliseconds(100));
}

TEST_CASE("broker lifecycle: shutting down before any registration returns at once") {
    LifecycleFixture fixture;
    fixture.controllers.leader.reset();  // no leader: registration never succeeds
    fixture.run([&](Environment& env, BrokerLifecycle& lifecycle, ControllerLink& link) {
        env.clock.sleep_for(milliseconds(100));
        link.close();  // ends the registration attempt in progress
        REQUIRE(lifecycle.shut_down(env.clock.now() + seconds(5)));
        REQUIRE(lifecycle.broker_epoch().value() == -1);
        REQUIRE(fixture.registry.registrations.empty());
    });
}

}  // namespace
}  // namespace brook::node
