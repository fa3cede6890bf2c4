// Controller listeners that speak just enough of the Kafka wire to test the broker's side of the
// controller channel (ControllerLink, BrokerLifecycle): simulated processes "c<id>" listening on
// port 9093, each answering ApiVersions by itself and every other request with the test's
// handler. A node that is not `leader` answers NOT_CONTROLLER for BrokerRegistration,
// BrokerHeartbeat and AllocateProducerIds, and per topic for CreateTopics.
//
//   FakeControllerListeners controllers(3, /*seed=*/1);
//   controllers.leader = NodeId(2);
//   controllers.handler = [&](NodeId self, const AnyRequest& request) -> AnyResponse { ... };
//   controllers.run([&](Environment& env) { ControllerLink link(env, ...); ... });
//
// Not tests/broker/fake_controller.h, which stands in for the forwarder inside one broker and
// has no wire.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/api_schema.h"
#include "core/protocol/error_code.h"
#include "core/protocol/frame_assembler.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"
#include "core/protocol/response_header.h"
#include "sim/simulation.h"
#include "tests/io/fiber_runner.h"

namespace brook::node::testing {

inline constexpr uint16_t kFakeControllerPort = 9093;

struct FakeControllerListeners {
    using Handler = std::function<protocol::AnyResponse(NodeId self, const protocol::AnyRequest&)>;

    FakeControllerListeners(int count, uint64_t seed) : sim(seed) {
        sim.trace().keep_lines(true);
        for (int id = 1; id <= count; ++id) {
            voters[NodeId(id)] = Address{name(NodeId(id)), kFakeControllerPort};
            sim.add_process(name(NodeId(id)),
                            [this, id](Environment& env) { serve(env, NodeId(id)); });
        }
        sim.add_process("broker", [this](Environment& env) { broker_env = &env; });
    }

    static std::string name(NodeId id) { return fmt::format("c{}", id); }

    // Runs `body` on the broker host's environment until it returns.
    void run(std::function<void(Environment&)> body, Duration limit = seconds(120)) {
        brook::testing::FiberRunner runner(sim.scheduler());
        runner.spawn("test", [this, body = std::move(body)] {
            brook::testing::sleep_for(sim.scheduler(), milliseconds(1));  // listeners open
            REQUIRE(broker_env != nullptr);
            body(*broker_env);
        });
        runner.run(limit);
    }

    // APIs each controller lists in ApiVersions, with their version ranges.
    std::map<protocol::ApiKey, std::pair<int16_t, int16_t>> served = {
        {protocol::ApiKey::broker_registration, {0, 4}},
        {protocol::ApiKey::broker_heartbeat, {0, 1}},
        {protocol::ApiKey::allocate_producer_ids, {0, 0}},
        {protocol::ApiKey::create_topics, {2, 7}},
    };
    std::optional<NodeId> leader;
    Handler handler;
    // Requests each controller received (not ApiVersions), in order.
    std::map<NodeId, std::vector<protocol::AnyRequest>> received;
    // Connections each controller accepted.
    std::map<NodeId, int> accepted;
    // Close the connection instead of answering the next this many requests.
    int drop_next = 0;
    std::map<NodeId, Address> voters;
    Environment* broker_env = nullptr;
    sim::Simulation sim;

private:
    void serve(Environment& env, NodeId self) {
        auto listener = env.network.listen(Address{name(self), kFakeControllerPort});
        REQUIRE(listener.ok());
        while (true) {
            auto connection = (*listener)->accept();  // May suspend.
            if (!connection.ok()) return;
            ++accepted[self];
            std::shared_ptr<Connection> shared = std::move(*connection);
            env.scheduler.spawn("fake-controller-connection",
                                [this, self, shared] { answer_all(*shared, self); });
        }
    }

    void answer_all(Connection& connection, NodeId self) {
        protocol::FrameAssembler frames(1 << 20);
        while (true) {
            while (!frames.complete()) {
                auto n = connection.read(frames.space(), kNever);  // May suspend.
                if (!n.ok() || !frames.commit(*n).ok()) return;
            }
            std::vector<uint8_t> frame = frames.take();
            protocol::ByteReader reader(frame);
            auto header = protocol::decode_request_header(reader);
            REQUIRE(header.ok());
            auto body = std::span<const uint8_t>(frame).subspan(reader.position());
            auto request = protocol::decode_request(header->api_key, header->api_version, body);
            REQUIRE(request.ok());
            protocol::AnyResponse response = answer(self, *request);
            if (!std::holds_alternative<protocol::ApiVersionsResponse>(response) &&
                drop_next > 0) {
                --drop_next;
                connection.close();
                return;
            }
            protocol::ByteWriter writer;
            writer.write_int32(0);
            protocol::ResponseHeader{header->correlation_id}.encode(
                writer, protocol::response_header_version(header->api_key, header->api_version));
            protocol::encode_response(response, header->api_version, writer);
            writer.overwrite_int32(0, static_cast<int32_t>(writer.size() - 4));
            if (!connection.write(writer.bytes(), kNever).ok()) return;
        }
    }

    protocol::AnyResponse answer(NodeId self, const protocol::AnyRequest& request) {
        if (std::holds_alternative<protocol::ApiVersionsRequest>(request)) {
            protocol::ApiVersionsResponse versions;
            for (const auto& [key, range] : served) {
                versions.api_keys.push_back(
                    {static_cast<int16_t>(key), range.first, range.second});
            }
            return versions;
        }
        received[self].push_back(request);
        constexpr int16_t kNotController =
            static_cast<int16_t>(protocol::KafkaError::not_controller);
        if (leader != self) {
            if (std::holds_alternative<protocol::BrokerRegistrationRequest>(request)) {
                return protocol::BrokerRegistrationResponse{.error_code = kNotController};
            }
            if (std::holds_alternative<protocol::BrokerHeartbeatRequest>(request)) {
                return protocol::BrokerHeartbeatResponse{.error_code = kNotController};
            }
            if (std::holds_alternative<protocol::AllocateProducerIdsRequest>(request)) {
                return protocol::AllocateProducerIdsResponse{.error_code = kNotController};
            }
            if (const auto* create = std::get_if<protocol::CreateTopicsRequest>(&request)) {
                protocol::CreateTopicsResponse response;
                for (const auto& topic : create->topics) {
                    response.topics.push_back({.name = topic.name, .error_code = kNotController});
                }
                return response;
            }
        }
        REQUIRE(handler);
        return handler(self, request);
    }
};

}  // namespace brook::node::testing
