// KafkaQuorumChannel in the simulator: three controller nodes n1..n3, each a process that runs
// a channel and records what it receives; the test body sends through them and through raw
// connections from host "client".
#include "core/quorum/kafka_quorum_channel.h"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/client/kafka_connection.h"
#include "core/protocol/frame_assembler.h"
#include "core/quorum/quorum_codec.h"
#include "sim/simulation.h"
#include "tests/forget_on_exit.h"
#include "tests/io/fiber_runner.h"
#include "tests/trace_count.h"

namespace brook::quorum {
namespace {

using raft::LeaderEpoch;
using raft::Message;
using raft::NodeId;
using raft::Offset;

constexpr uint16_t kControllerPort = 9093;
const std::string kCluster = "quorum-test-cluster";

Address controller_address(int id) { return Address{fmt::format("n{}", id), kControllerPort}; }

struct ChannelRig {
    struct Node {
        KafkaQuorumChannel* channel = nullptr;
        std::vector<Message> received;
    };

    ChannelRig() : sim(7) {
        sim.trace().keep_lines(true);
        for (int id = 1; id <= 3; ++id) add_node(id);
        sim.add_process("client", [this](Environment& env) { client_env = &env; });
    }

    void add_node(int id) {
        sim.add_process(fmt::format("n{}", id), [this, id](Environment& env) {
            QuorumChannelConfig config{NodeId(id), controller_address(id), {}, kCluster};
            for (int voter = 1; voter <= 3; ++voter) {
                config.voters[NodeId(voter)] = controller_address(voter);
            }
            KafkaQuorumChannel channel(env, config);
            REQUIRE(channel.start().ok());
            channel.set_status_source([id] {
                return QuorumStatus{NodeId(id), LeaderEpoch(4), Offset(30),
                                    {{NodeId(id), Offset(31), -1, 5}}, {}};
            });
            Node& node = nodes[id];
            node.channel = &channel;
            brook::testing::ForgetOnExit forget(node.channel);
            while (std::optional<Message> message = channel.receive()) {
                node.received.push_back(std::move(*message));
            }
        });
    }

    void run(std::function<void()> body) {
        brook::testing::FiberRunner runner(sim.scheduler());
        runner.spawn("test", [this, body = std::move(body)] {
            sleep(milliseconds(1));  // the processes start listening
            body();
        });
        runner.run(seconds(120));
    }

    void sleep(Duration duration) { brook::testing::sleep_for(sim.scheduler(), duration); }

    // n1 sends n2 a BeginQuorumEpoch, the simplest request.
    void announce_leader_1_to_2(uint64_t correlation_id, LeaderEpoch epoch) {
        channel(1).send(Message{NodeId(1), NodeId(2), correlation_id, kCluster,
                                raft::BeginQuorumEpochRequest{NodeId(1), epoch}});
    }

    KafkaQuorumChannel& channel(int id) {
        REQUIRE(nodes[id].channel != nullptr);
        return *nodes[id].channel;
    }

    // Waits until node `id` has received `count` messages (or fails after a while).
    const std::vector<Message>& wait_for(int id, std::size_t count) {
        Instant limit = sim.now() + seconds(10);
        while (nodes[id].received.size() < count && sim.now() < limit) sleep(milliseconds(1));
        REQUIRE(nodes[id].received.size() == count);
        return nodes[id].received;
    }

    std::size_t count_in_trace(std::string_view needle) {
        return brook::testing::count_in_trace(sim.trace(), needle);
    }

    // A raw connection from host "client" to node `id`'s controller listener. May suspend.
    std::unique_ptr<Connection> connect_raw(int id) {
        REQUIRE(client_env != nullptr);
        auto connection =
            client_env->network.connect(controller_address(id), sim.now() + seconds(5));
        REQUIRE(connection.ok());
        return std::move(*connection);
    }

    // One frame read off a raw connection, or the error that ended the stream. May suspend.
    Result<std::vector<uint8_t>> read_frame(Connection& connection) {
        protocol::FrameAssembler frames(1 << 20);
        while (!frames.complete()) {
            TRY_ASSIGN(std::size_t n, connection.read(frames.space(), sim.now() + seconds(5)));
            TRY(frames.commit(n));
        }
        return frames.take();
    }

    // Declared before the simulation, so it outlives the node fibers the simulation unwinds
    // when it is destroyed (their Forget guards write into it).
    std::map<int, Node> nodes;
    sim::Simulation sim;
    Environment* client_env = nullptr;
};

// One request of each kind from n1, as RaftNode would send them.
std::vector<Message> requests_from_1(int to) {
    NodeId me(1);
    NodeId peer(to);
    return {
        Message{me, peer, 11, kCluster, raft::VoteRequest{LeaderEpoch(5), me, LeaderEpoch(4), Offset(20), true}},
        Message{me, peer, 12, kCluster, raft::BeginQuorumEpochRequest{me, LeaderEpoch(5)}},
        Message{me, peer, 13, kCluster, raft::EndQuorumEpochRequest{me, LeaderEpoch(5), {NodeId(3), peer}}},
        Message{me, peer, 14, kCluster, raft::FetchRequest{me, LeaderEpoch(5), Offset(20), LeaderEpoch(4)}},
        Message{me, peer, 15, kCluster,
                raft::FetchSnapshotRequest{me, LeaderEpoch(5), raft::SnapshotId{Offset(10), LeaderEpoch(2)}, 4096}},
    };
}

// An answer of the matching kind from `from` for each request.
raft::MessageBody answer(const raft::MessageBody& request) {
    NodeId two(2);
    if (std::holds_alternative<raft::VoteRequest>(request)) {
        return raft::VoteResponse{raft::RaftError::none, two, LeaderEpoch(5), true, true};
    }
    if (std::holds_alternative<raft::BeginQuorumEpochRequest>(request)) {
        return raft::BeginQuorumEpochResponse{raft::RaftError::fenced_leader_epoch, two, LeaderEpoch(6)};
    }
    if (std::holds_alternative<raft::EndQuorumEpochRequest>(request)) {
        return raft::EndQuorumEpochResponse{raft::RaftError::none, two, LeaderEpoch(5)};
    }
    if (std::holds_alternative<raft::FetchRequest>(request)) {
        raft::FetchResponse fetch;
        fetch.leader_id = two;
        fetch.leader_epoch = LeaderEpoch(5);
        fetch.high_watermark = Offset(21);
        fetch.log_start_offset = Offset(0);
        fetch.records = {raft::Entry{Offset(20), LeaderEpoch(5), raft::EntryKind::leader_change, "lc"},
                         raft::Entry{Offset(21), LeaderEpoch(5), raft::EntryKind::data, "record"}};
        return fetch;
    }
    return raft::FetchSnapshotResponse{raft::RaftError::none, two, LeaderEpoch(5),
                                       raft::SnapshotId{Offset(10), LeaderEpoch(2)}, 9000, 4096, "chunk"};
}

TEST_CASE("quorum channel: every message kind crosses, answers come back to their requests",
          "[quorum][sim]") {
    ChannelRig rig;
    rig.run([&] {
        std::vector<Message> requests = requests_from_1(2);
        for (const Message& request : requests) rig.channel(1).send(request);
        const std::vector<Message>& at_2 = rig.wait_for(2, requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
            CHECK(at_2[i].from == NodeId(1));
            CHECK(at_2[i].to == NodeId(2));
            CHECK(at_2[i].cluster_id == kCluster);
            Message expected = requests[i];
            expected.correlation_id = at_2[i].correlation_id;  // the channel's own id
            CHECK(raft::describe(at_2[i]) == raft::describe(expected));
        }
        CHECK(std::get<raft::EndQuorumEpochRequest>(at_2[2].body).preferred_successors ==
              std::vector<NodeId>{NodeId(3), NodeId(2)});
        // n2 answers in reverse order; each answer finds its request on n1.
        for (std::size_t i = requests.size(); i-- > 0;) {
            rig.channel(2).send(Message{NodeId(2), NodeId(1), at_2[i].correlation_id, "",
                                        answer(at_2[i].body)});
        }
        const std::vector<Message>& at_1 = rig.wait_for(1, requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
            const Message& response = at_1[i];
            std::size_t asked = requests.size() - 1 - i;
            CHECK(response.from == NodeId(2));
            CHECK(response.to == NodeId(1));
            CHECK(response.correlation_id == requests[asked].correlation_id);
            CHECK(raft::describe(response) ==
                  raft::describe(Message{NodeId(2), NodeId(1), requests[asked].correlation_id, "",
                                         answer(requests[asked].body)}));
        }
        auto& fetched = std::get<raft::FetchResponse>(at_1[1].body);
        CHECK(fetched.records == std::get<raft::FetchResponse>(answer(requests[3].body)).records);
    });
}

TEST_CASE("quorum channel: a response goes back on its request's connection", "[quorum][sim]") {
    ChannelRig rig;
    rig.run([&] {
        // The same raft correlation id from two peers: the channel tells them apart.
        rig.channel(1).send(Message{NodeId(1), NodeId(2), 7, kCluster,
                                    raft::VoteRequest{LeaderEpoch(3), NodeId(1), LeaderEpoch(2), Offset(5)}});
        rig.channel(3).send(Message{NodeId(3), NodeId(2), 7, kCluster,
                                    raft::VoteRequest{LeaderEpoch(3), NodeId(3), LeaderEpoch(2), Offset(5)}});
        const std::vector<Message>& at_2 = rig.wait_for(2, 2);
        CHECK(at_2[0].correlation_id != at_2[1].correlation_id);
        for (const Message& request : at_2) {
            bool granted = request.from == NodeId(1);
            rig.channel(2).send(Message{NodeId(2), request.from, request.correlation_id, "",
                                        raft::VoteResponse{raft::RaftError::none, raft::kNoNode,
                                                           LeaderEpoch(3), granted}});
        }
        for (int id : {1, 3}) {
            const Message& response = rig.wait_for(id, 1).front();
            CHECK(response.correlation_id == 7);
            CHECK(response.from == NodeId(2));
            CHECK(std::get<raft::VoteResponse>(response.body).vote_granted == (id == 1));
        }
        // An answer to an unknown correlation id goes nowhere.
        rig.channel(2).send(Message{NodeId(2), NodeId(1), 999, "",
                                    raft::BeginQuorumEpochResponse{raft::RaftError::none, NodeId(2), LeaderEpoch(3)}});
        rig.sleep(milliseconds(100));
        CHECK(rig.nodes[1].received.size() == 1);
    });
}

TEST_CASE("quorum channel: a peer that is down is reached once it is up", "[quorum][sim]") {
    ChannelRig rig;
    rig.run([&] {
        // Connected first, so the outage breaks a live connection.
        rig.announce_leader_1_to_2(/*correlation_id=*/20, LeaderEpoch(7));
        rig.wait_for(2, 1);
        rig.sim.crash("n2");
        rig.sleep(milliseconds(10));  // the reset reaches n1
        rig.announce_leader_1_to_2(/*correlation_id=*/21, LeaderEpoch(8));
        rig.sleep(milliseconds(2000));  // several reconnect attempts, backing off
        CHECK(rig.count_in_trace("cannot reach node 2") == 1);  // logged once per outage
        CHECK(rig.count_in_trace("connected to node 2") == 1);
        rig.nodes[2].received.clear();
        rig.sim.restart("n2");
        const Message& request = rig.wait_for(2, 1).front();
        CHECK(request.from == NodeId(1));
        CHECK(std::holds_alternative<raft::BeginQuorumEpochRequest>(request.body));
        // The connection carries the answer back.
        rig.channel(2).send(Message{NodeId(2), NodeId(1), request.correlation_id, "",
                                    raft::BeginQuorumEpochResponse{raft::RaftError::none, NodeId(1), LeaderEpoch(8)}});
        CHECK(rig.wait_for(1, 1).front().correlation_id == 21);
        CHECK(rig.count_in_trace("connected to node 2") == 2);
    });
}

TEST_CASE("quorum channel: a bad frame closes only its own connection", "[quorum][sim]") {
    ChannelRig rig;
    rig.run([&] {
        // n1 is connected to n2 and stays so.
        rig.announce_leader_1_to_2(/*correlation_id=*/1, LeaderEpoch(2));
        rig.wait_for(2, 1);
        SECTION("garbage") {
            std::unique_ptr<Connection> raw = rig.connect_raw(2);
            std::vector<uint8_t> garbage = {0, 0, 0, 6, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
            REQUIRE(raw->write(garbage, rig.sim.now() + seconds(1)).ok());
            CHECK(rig.read_frame(*raw).error().code() == ErrorCode::disconnected);
            CHECK(rig.count_in_trace("closing quorum connection from client") == 1);
        }
        SECTION("an API the quorum does not serve") {
            std::unique_ptr<Connection> raw = rig.connect_raw(2);
            // A Metadata v0 request header with an empty body.
            std::vector<uint8_t> metadata = {0, 0, 0, 14, 0, 3, 0, 0, 0, 0, 0, 1, 0, 1, 'x', 0, 0, 0};
            REQUIRE(raw->write(metadata, rig.sim.now() + seconds(1)).ok());
            CHECK(rig.read_frame(*raw).error().code() == ErrorCode::disconnected);
            CHECK(rig.count_in_trace("is not a Raft request") == 1);
        }
        SECTION("another cluster") {
            rig.channel(3).send(Message{NodeId(3), NodeId(2), 1, "someone-else",
                                        raft::FetchRequest{NodeId(3), LeaderEpoch(2), Offset(0), LeaderEpoch(0)}});
            rig.sleep(milliseconds(200));
            CHECK(rig.count_in_trace("cluster id someone-else is not") == 1);
            CHECK(rig.nodes[2].received.size() == 1);
        }
        // n1's connection still carries requests and answers.
        rig.announce_leader_1_to_2(/*correlation_id=*/2, LeaderEpoch(3));
        const Message& second = rig.wait_for(2, 2).back();
        rig.channel(2).send(Message{NodeId(2), NodeId(1), second.correlation_id, "",
                                    raft::BeginQuorumEpochResponse{raft::RaftError::none, NodeId(1), LeaderEpoch(3)}});
        CHECK(rig.wait_for(1, 1).front().correlation_id == 2);
    });
}

TEST_CASE("quorum channel: DescribeQuorum is answered from the status source", "[quorum][sim]") {
    ChannelRig rig;
    rig.run([&] {
        std::unique_ptr<Connection> raw = rig.connect_raw(3);
        REQUIRE(raw->write(encode_describe_quorum_request_frame(5, "kafka-metadata-quorum"),
                           rig.sim.now() + seconds(1))
                    .ok());
        Result<std::vector<uint8_t>> frame = rig.read_frame(*raw);
        REQUIRE(frame.ok());
        REQUIRE(*peek_response_correlation_id(*frame) == 5);
        Result<QuorumStatus> status =
            decode_describe_quorum_response_frame(*frame, wire_version(protocol::ApiKey::describe_quorum));
        REQUIRE(status.ok());
        CHECK(status->leader_id == NodeId(3));
        CHECK(status->high_watermark == Offset(30));
        REQUIRE(status->voters.size() == 1);
        CHECK(status->voters.front().last_caught_up_ms == 5);
    });
}

TEST_CASE("quorum channel: other APIs go to the request handler, answered in request order",
          "[quorum][sim]") {
    ChannelRig rig;
    rig.run([&] {
        // The first request's answer takes longer than the second's: the channel must still
        // send them in request order (the client checks correlation ids in order).
        int served = 0;
        rig.channel(2).set_request_handler(
            [&](const protocol::RequestHeader& header,
                protocol::AnyRequest&& request) -> std::optional<protocol::AnyResponse> {
                if (header.api_key != protocol::ApiKey::api_versions) return std::nullopt;
                rig.sleep(milliseconds(++served == 1 ? 50 : 0));
                protocol::ApiVersionsResponse response;
                response.api_keys.push_back({18, 0, static_cast<int16_t>(served)});
                return response;
            });
        auto kafka = client::KafkaConnection::connect(rig.client_env->network,
                                                      controller_address(2),
                                                      rig.sim.now() + seconds(5));
        REQUIRE(kafka.ok());
        REQUIRE((*kafka)->send(protocol::ApiVersionsRequest{}, 3).ok());
        REQUIRE((*kafka)->send(protocol::ApiVersionsRequest{}, 3).ok());
        for (int16_t expected : {1, 2}) {
            auto answer = (*kafka)->receive(rig.sim.now() + seconds(5));
            REQUIRE(answer.ok());
            auto* versions = std::get_if<protocol::ApiVersionsResponse>(&*answer);
            REQUIRE(versions != nullptr);
            CHECK(versions->api_keys.at(0).max_version == expected);
        }
        // An API the handler does not serve closes the connection with a log line.
        auto refused = (*kafka)->call(protocol::MetadataRequest{}, 9, rig.sim.now() + seconds(5));
        CHECK_FALSE(refused.ok());
        CHECK(rig.count_in_trace("not served on the controller listener") == 1);
        // Raft's own RPCs still reach the driver.
        rig.announce_leader_1_to_2(/*correlation_id=*/1, LeaderEpoch(2));
        rig.wait_for(2, 1);
    });
}

}  // namespace
}  // namespace brook::quorum
