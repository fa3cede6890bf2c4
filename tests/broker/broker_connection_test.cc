// Connection handling: ApiVersions, pipelining order, framing limits, malformed input, idle
// and connection limits.
#include <catch2/catch.hpp>

#include "core/broker/limits.h"
#include "core/protocol/byte_writer.h"
#include "core/quorum/quorum_codec.h"
#include "tests/broker/broker_rig.h"

namespace brook::broker::testing {
namespace {

using client::KafkaError;
using protocol::ApiKey;

// A request frame with an arbitrary header and body.
std::vector<uint8_t> raw_frame(int16_t api_key, int16_t version, int32_t correlation_id,
                               std::span<const uint8_t> body) {
    protocol::ByteWriter writer;
    writer.write_int32(0);
    writer.write_int16(api_key);
    writer.write_int16(version);
    writer.write_int32(correlation_id);
    writer.write_nullable_string(std::string("raw"), false);
    if (version >= 3 && api_key == 18) writer.write_unsigned_varint(0);  // header tags
    writer.write_raw(body);
    writer.overwrite_int32(0, static_cast<int32_t>(writer.size() - 4));
    return writer.release();
}

// Reads until the broker closes the connection; true if it did within the deadline.
bool closed_by_broker(BrokerRig& rig, client::KafkaConnection& kafka) {
    // A request whose answer never comes proves the close: receive fails with disconnected.
    auto sent = kafka.send(protocol::ApiVersionsRequest{}, 0);
    if (!sent) return sent.error().code() == ErrorCode::disconnected;
    auto response = kafka.receive(rig.deadline(seconds(5)));
    return !response.ok() && response.error().code() == ErrorCode::disconnected;
}

TEST_CASE("broker: ApiVersions lists every handler's range, from the handler table") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        for (int16_t version = 0; version <= 3; ++version) {
            auto response = kafka->call<protocol::ApiVersionsResponse>(
                protocol::ApiVersionsRequest{"brook-test", "1.0"}, version, rig.deadline());
            REQUIRE(response.ok());
            REQUIRE(response->error_code == 0);
            // DescribeQuorum only in KRaft mode.
            REQUIRE(response->api_keys.size() == handler_specs().size() - 1);
            auto range_of = [&](ApiKey key) {
                for (const auto& entry : response->api_keys) {
                    if (entry.api_key == static_cast<int16_t>(key)) {
                        return std::pair<int, int>(entry.min_version, entry.max_version);
                    }
                }
                return std::pair<int, int>(-1, -1);
            };
            // librdkafka's feature probes need these versions inside the ranges: Produce 0 for
            // gzip/snappy/lz4, 3 (with Fetch 4) for magic-v2, 7 (with Fetch 10) for zstd, and
            // FindCoordinator 0 for lz4.
            REQUIRE(range_of(ApiKey::produce).first == 0);
            REQUIRE(range_of(ApiKey::produce).second >= 7);
            REQUIRE(range_of(ApiKey::fetch).first <= 4);
            REQUIRE(range_of(ApiKey::fetch).second >= 11);
            REQUIRE(range_of(ApiKey::list_offsets).first <= 1);
            REQUIRE(range_of(ApiKey::metadata).first == 0);
            REQUIRE(range_of(ApiKey::api_versions) == std::pair<int, int>(0, 3));
            REQUIRE(range_of(ApiKey::init_producer_id).first == 0);
            REQUIRE(range_of(ApiKey::fetch).second >= 10);
            REQUIRE(range_of(ApiKey::find_coordinator).first == 0);
            REQUIRE(range_of(ApiKey::describe_quorum).first == -1);
            // librdkafka 2.0 probes the group APIs at v0 (its balanced consumer, Kerberos).
            REQUIRE(range_of(ApiKey::join_group).first == 0);
            REQUIRE(range_of(ApiKey::sync_group).first == 0);
            REQUIRE(range_of(ApiKey::heartbeat).first == 0);
            REQUIRE(range_of(ApiKey::leave_group).first == 0);
            REQUIRE(range_of(ApiKey::offset_commit).first <= 2);
            REQUIRE(range_of(ApiKey::offset_fetch).first <= 1);
        }
    });
}

TEST_CASE("broker: ApiVersions above the served range answers UNSUPPORTED_VERSION in v0") {
    BrokerRig rig;
    rig.run([&] {
        std::vector<uint8_t> body = {2, 'x', 2, 'y', 0};  // compact strings, no tags
        auto fresh = rig.connect();
        REQUIRE(fresh->send_raw(raw_frame(18, 77, 5, body)).ok());
        REQUIRE(fresh->send(protocol::ApiVersionsRequest{}, 0).ok());
        auto response = fresh->receive(rig.deadline());
        // The raw request (correlation id 5) is answered first, and the wire client, which
        // expected its own correlation id, says so.
        REQUIRE_FALSE(response.ok());
        REQUIRE(response.error().context().find("correlation id 5") != std::string::npos);

        auto third = rig.connect();
        REQUIRE(third->send(protocol::ApiVersionsRequest{"x", "y"}, 4).ok());
        auto unsupported = third->receive(rig.deadline());
        REQUIRE(unsupported.ok());
        auto& versions = std::get<protocol::ApiVersionsResponse>(*unsupported);
        REQUIRE(versions.error_code == protocol::to_wire(KafkaError::unsupported_version));
        REQUIRE(versions.api_keys.size() == 1);
        REQUIRE(versions.api_keys[0].api_key == 18);
        REQUIRE(versions.api_keys[0].max_version == 3);
        // The connection stays open for the retry.
        auto retry = third->call<protocol::ApiVersionsResponse>(protocol::ApiVersionsRequest{}, 3,
                                                                rig.deadline());
        REQUIRE(retry.ok());
        REQUIRE(retry->error_code == 0);
    });
}

TEST_CASE("broker: pipelined responses come back in request order") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        REQUIRE(client::create_topic(*kafka, "slow", 1, {}, rig.deadline()).ok());
        // A long-polling fetch first, then quick requests behind it.
        protocol::FetchRequest fetch;
        fetch.max_wait_ms = 400;
        fetch.min_bytes = 1;
        auto& topic = fetch.topics.emplace_back();
        topic.topic = "slow";
        topic.partitions.push_back({.partition = 0, .partition_max_bytes = 1 << 20});
        Instant start = rig.now();
        REQUIRE(kafka->send(fetch, 11).ok());
        REQUIRE(kafka->send(protocol::ApiVersionsRequest{}, 3).ok());
        REQUIRE(kafka->send(protocol::MetadataRequest{}, 1).ok());
        auto first = kafka->receive(rig.deadline());
        REQUIRE(first.ok());
        REQUIRE(std::holds_alternative<protocol::FetchResponse>(*first));
        REQUIRE(rig.now() - start >= milliseconds(400));
        auto second = kafka->receive(rig.deadline());
        REQUIRE(std::holds_alternative<protocol::ApiVersionsResponse>(*second));
        auto third = kafka->receive(rig.deadline());
        REQUIRE(std::holds_alternative<protocol::MetadataResponse>(*third));
        // kafka-python's probe: ApiVersions v0 and Metadata v0 pipelined.
        REQUIRE(kafka->send(protocol::ApiVersionsRequest{}, 0).ok());
        protocol::MetadataRequest all;
        all.topics.emplace();
        REQUIRE(kafka->send(all, 0).ok());
        REQUIRE(std::holds_alternative<protocol::ApiVersionsResponse>(*kafka->receive(rig.deadline())));
        auto metadata = kafka->receive(rig.deadline());
        REQUIRE(std::get<protocol::MetadataResponse>(*metadata).topics.size() == 1);
    });
}

TEST_CASE("broker: an oversize frame closes only its connection, with one log line") {
    BrokerConfig config = rig_config();
    REQUIRE(config.set("socket.request.max.bytes", "1000").ok());
    REQUIRE(config.finish().ok());
    BrokerRig rig(config);
    rig.run([&] {
        auto other = rig.connect();
        auto kafka = rig.connect();
        std::vector<uint8_t> prefix = {0, 0, 0x03, 0xe9};  // 1001 bytes announced
        REQUIRE(kafka->send_raw(prefix).ok());
        REQUIRE(closed_by_broker(rig, *kafka));
        REQUIRE(rig.count_in_trace("closing connection from client:") == 1);
        REQUIRE(rig.count_in_trace("exceeds the limit of 1000") == 1);
        // The other connection still works.
        auto response = other->call<protocol::ApiVersionsResponse>(protocol::ApiVersionsRequest{},
                                                                   3, rig.deadline());
        REQUIRE(response.ok());
    });
}

TEST_CASE("broker: malformed requests close the connection with one line naming API and reason") {
    BrokerRig rig;
    rig.run([&] {
        struct Case {
            std::vector<uint8_t> frame;
            std::string expected;
        };
        std::vector<uint8_t> garbage = {1, 2, 3};
        std::vector<Case> cases = {
            {raw_frame(3, 1, 1, garbage), "Metadata v1"},               // undecodable body
            {raw_frame(17, 0, 1, {}), "SaslHandshake v0: API not supported"},  // no handler
            {raw_frame(1, 2, 1, {}), "Fetch v2: version not supported"},   // below the range
            {raw_frame(999, 0, 1, {}), "API not supported"},               // unknown key
            {{0, 0, 0, 2, 0, 0}, "a request frame"},                       // below the minimum
        };
        for (const Case& c : cases) {
            std::size_t before = rig.count_in_trace("closing connection from client:");
            auto kafka = rig.connect();
            REQUIRE(kafka->send_raw(c.frame).ok());
            REQUIRE(closed_by_broker(rig, *kafka));
            INFO(c.expected);
            REQUIRE(rig.count_in_trace("closing connection from client:") == before + 1);
            REQUIRE(rig.count_in_trace(c.expected) >= 1);
        }
        auto fine = rig.connect();
        REQUIRE(fine->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
    });
}

TEST_CASE("broker: the KRaft APIs are not served on the client listener") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        auto versions =
            kafka->call<protocol::ApiVersionsResponse>(protocol::ApiVersionsRequest{}, 3, rig.deadline());
        REQUIRE(versions.ok());
        for (const auto& entry : versions->api_keys) {
            INFO(entry.api_key);
            REQUIRE((entry.api_key < 52 || entry.api_key > 64 || entry.api_key == 60));
        }
        // A well-formed Vote, as a controller sends it, closes the connection with one line.
        raft::Message vote{raft::NodeId(1), raft::NodeId(2), 1, "cluster",
                           raft::VoteRequest{raft::LeaderEpoch(1), raft::NodeId(1),
                                             raft::LeaderEpoch(0), raft::Offset(0)}};
        REQUIRE(kafka->send_raw(quorum::encode_request_frame(vote, 7, "raft-1")).ok());
        REQUIRE(closed_by_broker(rig, *kafka));
        REQUIRE(rig.count_in_trace("Vote v1: API not supported") == 1);
        auto fine = rig.connect();
        REQUIRE(fine->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
    });
}

TEST_CASE("broker: idle connections close after connections.max.idle.ms") {
    BrokerConfig config = rig_config();
    REQUIRE(config.set("connections.max.idle.ms", "2000").ok());
    REQUIRE(config.finish().ok());
    BrokerRig rig(config);
    rig.run([&] {
        auto kafka = rig.connect();
        rig.sleep(milliseconds(1500));
        REQUIRE(kafka->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
        rig.sleep(milliseconds(1500));  // 3 s since connecting, 1.5 s since the last request
        REQUIRE(kafka->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
        rig.sleep(milliseconds(2500));
        REQUIRE(closed_by_broker(rig, *kafka));
        REQUIRE(rig.count_in_trace("idle for 2000 ms") == 1);
    });
}

TEST_CASE("broker: max.connections refuses connections beyond the limit") {
    BrokerConfig config = rig_config();
    REQUIRE(config.set("max.connections", "2").ok());
    REQUIRE(config.finish().ok());
    BrokerRig rig(config);
    rig.run([&] {
        auto first = rig.connect();
        auto second = rig.connect();
        REQUIRE(first->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
        REQUIRE(second->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
        auto third = rig.connect();
        REQUIRE(closed_by_broker(rig, *third));
        REQUIRE(rig.count_in_trace("max.connections (2) reached") == 1);
        first->close();
        first.reset();
        rig.sleep(milliseconds(100));
        auto fourth = rig.connect();
        REQUIRE(fourth->call(protocol::ApiVersionsRequest{}, 3, rig.deadline()).ok());
    });
}

}  // namespace
}  // namespace brook::broker::testing
