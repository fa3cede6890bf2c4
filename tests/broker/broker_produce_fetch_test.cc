// Produce, Fetch and ListOffsets through the wire protocol, against a broker in the simulator.
#include <catch2/catch.hpp>

#include "tests/broker/broker_rig.h"

namespace brook::broker::testing {
namespace {

using client::FetchOptions;
using client::KafkaError;

void create(BrokerRig& rig, client::KafkaConnection& kafka, const std::string& topic,
            int32_t partitions = 1, std::map<std::string, std::string> configs = {}) {
    auto created = client::create_topic(kafka, topic, partitions, configs, rig.deadline());
    REQUIRE(created.ok());
    REQUIRE(*created == KafkaError::none);
}

TEST_CASE("broker: produce with acks -1 and 1, then fetch the records in order") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "orders");
        for (int16_t acks : {-1, 1}) {
            auto produced = client::produce(*kafka, "orders", PartitionId(0),
                                            text_batch(fmt::format("a{}", acks), 3), acks,
                                            rig.deadline());
            REQUIRE(produced.ok());
            REQUIRE(produced->error == KafkaError::none);
            REQUIRE(produced->base_offset == Offset(acks == -1 ? 0 : 3));
            REQUIRE(produced->log_start_offset == 0);
        }
        auto fetched = client::fetch(*kafka, "orders", PartitionId(0), Offset(0), {}, rig.deadline());
        REQUIRE(fetched.ok());
        REQUIRE(fetched->error == KafkaError::none);
        REQUIRE(fetched->high_watermark == 6);
        REQUIRE(values_of(fetched->records) ==
                std::vector<std::string>{"a-1-0", "a-1-1", "a-1-2", "a1-0", "a1-1", "a1-2"});
        // From the middle of a batch: the whole batch comes back (clients skip what they
        // did not ask for), and the next one after it.
        auto middle = client::fetch(*kafka, "orders", PartitionId(0), Offset(4), {}, rig.deadline());
        REQUIRE(values_of(middle->records) == std::vector<std::string>{"a1-0", "a1-1", "a1-2"});
    });
}

TEST_CASE("broker: produce with acks 0 sends no response") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "quiet");
        auto produced = client::produce(*kafka, "quiet", PartitionId(0), text_batch("q", 2), 0,
                                        rig.deadline());
        REQUIRE(produced.ok());
        REQUIRE(kafka->outstanding() == 0);
        // The next response on the connection belongs to the next request. (The records
        // count as written once fsynced; acks=0 does not wait for that, so neither does this.)
        rig.sleep(milliseconds(50));
        auto latest = client::list_offset(*kafka, "quiet", PartitionId(0), -1, rig.deadline());
        REQUIRE(latest.ok());
        REQUIRE(latest->offset == Offset(2));
    });
}

TEST_CASE("broker: produce errors per partition") {
    BrokerConfig config = rig_config();
    REQUIRE(config.set("message.max.bytes", "1000").ok());
    REQUIRE(config.finish().ok());
    BrokerRig rig(config);
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "t");
        auto error_of = [&](const std::string& topic, int32_t partition,
                            std::vector<uint8_t> records, int16_t acks = -1) {
            auto produced = client::produce(*kafka, topic, PartitionId(partition), records, acks,
                                            rig.deadline());
            REQUIRE(produced.ok());
            return produced->error;
        };
        std::vector<uint8_t> good = text_batch("g", 1);
        REQUIRE(error_of("missing", 0, good) == KafkaError::unknown_topic_or_partition);
        REQUIRE(error_of("t", 1, good) == KafkaError::unknown_topic_or_partition);
        REQUIRE(error_of("bad/name", 0, good) == KafkaError::invalid_topic_exception);
        REQUIRE(error_of("t", 0, good, 2) == KafkaError::invalid_required_acks);
        std::vector<uint8_t> corrupt = good;
        corrupt.back() ^= 1;  // the CRC no longer matches
        REQUIRE(error_of("t", 0, corrupt) == KafkaError::corrupt_message);
        std::vector<uint8_t> old_magic = good;
        old_magic[16] = 1;
        REQUIRE(error_of("t", 0, old_magic) == KafkaError::unsupported_for_message_format);
        REQUIRE(error_of("t", 0, text_batch(std::string(600, 'x'), 2)) ==
                KafkaError::message_too_large);
        REQUIRE(error_of("t", 0, good) == KafkaError::none);  // nothing else went in
        auto latest = client::list_offset(*kafka, "t", PartitionId(0), -1, rig.deadline());
        REQUIRE(latest->offset == Offset(1));
    });
}

TEST_CASE("broker: fetch long-polls until a produce arrives, or max.wait.ms passes") {
    BrokerRig rig;
    rig.run([&] {
        auto setup = rig.connect();
        create(rig, *setup, "poll");
        bool produced = false;
        rig.sim.scheduler().spawn_in_group(brook::testing::FiberRunner::kGroup, "producer", [&] {
            rig.sleep(milliseconds(300));
            auto result = client::produce(*setup, "poll", PartitionId(0), text_batch("p", 1), -1,
                                          rig.deadline());
            produced = result.ok() && result->error == KafkaError::none;
        });
        auto consumer = rig.connect();
        Instant start = rig.now();
        auto fetched = client::fetch(*consumer, "poll", PartitionId(0), Offset(0),
                                     FetchOptions{.max_wait_ms = 5000}, rig.deadline());
        REQUIRE(fetched.ok());
        REQUIRE(produced);
        REQUIRE(values_of(fetched->records) == std::vector<std::string>{"p-0"});
        Duration waited = rig.now() - start;
        REQUIRE(waited >= milliseconds(300));
        REQUIRE(waited < seconds(1));  // woken by the append, not by the deadline

        start = rig.now();
        auto empty = client::fetch(*consumer, "poll", PartitionId(0), Offset(1),
                                   FetchOptions{.max_wait_ms = 200}, rig.deadline());
        REQUIRE(empty.ok());
        REQUIRE(empty->records.empty());
        REQUIRE(rig.now() - start >= milliseconds(200));

        start = rig.now();
        auto now = client::fetch(*consumer, "poll", PartitionId(0), Offset(1),
                                 FetchOptions{.max_wait_ms = 5000, .min_bytes = 0}, rig.deadline());
        REQUIRE(now.ok());
        REQUIRE(rig.now() - start < milliseconds(100));  // min_bytes 0 never waits
    });
}

TEST_CASE("broker: fetch waits for min_bytes across partitions") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "wide", 3);
        auto producer = rig.connect();
        bool producer_done = false;
        rig.sim.scheduler().spawn_in_group(brook::testing::FiberRunner::kGroup, "producer", [&] {
            for (int i = 0; i < 3; ++i) {
                rig.sleep(milliseconds(100));
                (void)client::produce(*producer, "wide", PartitionId(i), text_batch("w", 1), -1,
                                      rig.deadline());
            }
            producer_done = true;
        });
        protocol::FetchRequest request;
        request.max_wait_ms = 5000;
        std::size_t one_batch = text_batch("w", 1).size();
        request.min_bytes = static_cast<int32_t>(2 * one_batch);
        auto& topic = request.topics.emplace_back();
        topic.topic = "wide";
        for (int32_t p = 0; p < 3; ++p) topic.partitions.push_back({.partition = p, .partition_max_bytes = 1 << 20});
        Instant start = rig.now();
        auto response = kafka->call<protocol::FetchResponse>(request, 11, rig.deadline());
        REQUIRE(response.ok());
        Duration waited = rig.now() - start;
        REQUIRE(waited >= milliseconds(200));   // the second batch
        REQUIRE(waited < milliseconds(300) + milliseconds(50));
        std::size_t total = 0;
        for (const auto& p : response->responses[0].partitions) total += p.records->size();
        REQUIRE(total >= 2 * one_batch);
        // The producer fiber borrows `producer`, a local of this one: let it finish first.
        while (!producer_done) rig.sleep(milliseconds(10));
    });
}

TEST_CASE("broker: fetch limits, offset out of range, unknown partition") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "big");
        for (int i = 0; i < 4; ++i) {
            REQUIRE(client::produce(*kafka, "big", PartitionId(0), text_batch(std::string(100, 'a' + i), 5), -1,
                                    rig.deadline())->error == KafkaError::none);
        }
        std::size_t batch_bytes = text_batch(std::string(100, 'a'), 5).size();
        // A limit smaller than one batch still returns the first batch whole.
        auto small = client::fetch(*kafka, "big", PartitionId(0), Offset(0),
                                   FetchOptions{.partition_max_bytes = 10}, rig.deadline());
        REQUIRE(small->records.size() == batch_bytes);
        auto two = client::fetch(*kafka, "big", PartitionId(0), Offset(0),
                                 FetchOptions{.partition_max_bytes = static_cast<int32_t>(2 * batch_bytes + 1)},
                                 rig.deadline());
        REQUIRE(two->records.size() == 2 * batch_bytes);
        auto beyond = client::fetch(*kafka, "big", PartitionId(0), Offset(21), {}, rig.deadline());
        REQUIRE(beyond->error == KafkaError::offset_out_of_range);
        auto at_end = client::fetch(*kafka, "big", PartitionId(0), Offset(20),
                                    FetchOptions{.max_wait_ms = 10}, rig.deadline());
        REQUIRE(at_end->error == KafkaError::none);
        REQUIRE(at_end->records.empty());
        auto missing = client::fetch(*kafka, "big", PartitionId(5), Offset(0), {}, rig.deadline());
        REQUIRE(missing->error == KafkaError::unknown_topic_or_partition);
        // Every Fetch version the broker advertises.
        for (int16_t version = 4; version <= 12; ++version) {
            auto fetched = client::fetch(*kafka, "big", PartitionId(0), Offset(0),
                                         FetchOptions{.version = version}, rig.deadline());
            REQUIRE(fetched.ok());
            REQUIRE(values_of(fetched->records).size() == 20);
        }
    });
}

TEST_CASE("broker: list offsets earliest, latest, by timestamp, and in v0") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "times");
        REQUIRE(client::produce(*kafka, "times", PartitionId(0), text_batch("x", 3, 1000), -1,
                                rig.deadline())->error == KafkaError::none);
        REQUIRE(client::produce(*kafka, "times", PartitionId(0), text_batch("y", 3, 2000), -1,
                                rig.deadline())->error == KafkaError::none);
        for (int16_t version : {1, 2, 3, 4, 5, 6}) {
            auto earliest = client::list_offset(*kafka, "times", PartitionId(0), -2, rig.deadline(), version);
            REQUIRE(earliest->offset == Offset(0));
            auto latest = client::list_offset(*kafka, "times", PartitionId(0), -1, rig.deadline(), version);
            REQUIRE(latest->offset == Offset(6));
            auto by_time = client::list_offset(*kafka, "times", PartitionId(0), 2001, rig.deadline(), version);
            REQUIRE(by_time->offset == Offset(4));
            REQUIRE(by_time->timestamp == 2001);
            auto future = client::list_offset(*kafka, "times", PartitionId(0), 9999, rig.deadline(), version);
            REQUIRE(future->offset == Offset(-1));
        }
        auto v0 = client::list_offset(*kafka, "times", PartitionId(0), -1, rig.deadline(), 0);
        REQUIRE(v0->offset == Offset(6));
        auto unknown = client::list_offset(*kafka, "nope", PartitionId(0), -1, rig.deadline());
        REQUIRE(unknown->error == KafkaError::unknown_topic_or_partition);
    });
}

TEST_CASE("broker: a single node answers OffsetForLeaderEpoch v2-3 in epoch 0") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        auto versions = kafka->call<protocol::ApiVersionsResponse>(protocol::ApiVersionsRequest{},
                                                                   3, rig.deadline());
        REQUIRE(versions.ok());
        bool offered = false;
        for (const auto& key : versions->api_keys) {
            if (key.api_key != static_cast<int16_t>(protocol::ApiKey::offset_for_leader_epoch)) {
                continue;
            }
            offered = key.min_version == 2 && key.max_version == 3;
        }
        REQUIRE(offered);
        create(rig, *kafka, "epochs");
        REQUIRE(client::produce(*kafka, "epochs", PartitionId(0), text_batch("e", 4), -1,
                                rig.deadline())->error == KafkaError::none);
        for (int16_t version : {2, 3}) {
            protocol::OffsetForLeaderEpochRequest request;
            request.replica_id = -1;
            auto& topic = request.topics.emplace_back();
            topic.topic = "epochs";
            for (auto [partition, current, asked] :
                 {std::tuple{0, 0, 0}, {0, -1, 1}, {0, 1, 0}, {7, -1, 0}}) {
                auto& p = topic.partitions.emplace_back();
                p.partition = partition;
                p.current_leader_epoch = current;
                p.leader_epoch = asked;
            }
            auto response =
                kafka->call<protocol::OffsetForLeaderEpochResponse>(request, version, rig.deadline());
            REQUIRE(response.ok());
            const auto& partitions = response->topics.at(0).partitions;
            REQUIRE(partitions.size() == 4);
            REQUIRE(partitions[0].error_code == 0);
            REQUIRE(partitions[0].leader_epoch == 0);
            REQUIRE(partitions[0].end_offset == 4);
            REQUIRE(partitions[1].error_code == 0);
            REQUIRE(partitions[1].leader_epoch == -1);
            REQUIRE(partitions[1].end_offset == -1);
            REQUIRE(partitions[2].error_code == to_wire(protocol::KafkaError::unknown_leader_epoch));
            REQUIRE(partitions[3].error_code ==
                    to_wire(protocol::KafkaError::unknown_topic_or_partition));
        }
    });
}

TEST_CASE("broker: pipelined produces append in request order") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "pipe", 2);
        constexpr int kRequests = 20;
        for (int i = 0; i < kRequests; ++i) {
            // Alternate one- and two-partition requests, so writes interleave across partitions.
            protocol::ProduceRequest request;
            request.acks = -1;
            auto& topic = request.topic_data.emplace_back();
            topic.name = "pipe";
            topic.partition_data.push_back({0, text_batch(fmt::format("r{}", i), 1)});
            if (i % 2 == 0) topic.partition_data.push_back({1, text_batch(fmt::format("r{}", i), 1)});
            REQUIRE(kafka->send(request, 7).ok());
        }
        int64_t previous = -1;
        for (int i = 0; i < kRequests; ++i) {
            auto response = kafka->receive(rig.deadline());
            REQUIRE(response.ok());
            auto& produce = std::get<protocol::ProduceResponse>(*response);
            int64_t offset = produce.responses[0].partition_responses[0].base_offset;
            REQUIRE(offset == previous + 1);
            previous = offset;
        }
        auto fetched = client::fetch(*kafka, "pipe", PartitionId(0), Offset(0), {}, rig.deadline());
        std::vector<std::string> expected;
        for (int i = 0; i < kRequests; ++i) expected.push_back(fmt::format("r{}-0", i));
        REQUIRE(values_of(fetched->records) == expected);
    });
}

}  // namespace
}  // namespace brook::broker::testing

namespace brook::broker::testing {
namespace {

// A magic-0 message set with one message, as Produce v0-v2 clients send it.
std::vector<uint8_t> old_message_set() {
    std::vector<uint8_t> bytes(8, 0);                        // offset
    const std::vector<uint8_t> message = {0, 0, 0, 0,        // crc (not checked: refused first)
                                          0,                 // magic 0
                                          0,                 // attributes
                                          0xff, 0xff, 0xff, 0xff,  // null key
                                          0, 0, 0, 1, 'x'};  // value "x"
    uint32_t size = static_cast<uint32_t>(message.size());
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(size >> shift));
    bytes.insert(bytes.end(), message.begin(), message.end());
    return bytes;
}

TEST_CASE("broker: produce v0-v2 with an old message set is refused per partition") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        create(rig, *kafka, "legacy");
        for (int16_t version : {0, 1, 2}) {
            protocol::ProduceRequest request;
            request.acks = -1;
            request.timeout_ms = 1000;
            protocol::ProduceRequest::TopicProduceData topic;
            topic.name = "legacy";
            protocol::ProduceRequest::PartitionProduceData partition;
            partition.index = 0;
            partition.records = old_message_set();
            topic.partition_data.push_back(partition);
            request.topic_data.push_back(topic);
            auto response =
                kafka->call<protocol::ProduceResponse>(request, version, rig.deadline());
            INFO("version " << version);
            REQUIRE(response.ok());
            REQUIRE(response->responses.size() == 1);
            REQUIRE(response->responses[0].partition_responses[0].error_code ==
                    static_cast<int16_t>(KafkaError::unsupported_for_message_format));
        }
        // Nothing was stored, and the connection still serves modern requests.
        auto latest = client::list_offset(*kafka, "legacy", PartitionId(0), -1, rig.deadline());
        REQUIRE(latest.ok());
        REQUIRE(latest->offset == Offset(0));
    });
}

TEST_CASE("broker: find coordinator names this node for groups, none for transactions") {
    BrokerRig rig;
    rig.run([&] {
        auto kafka = rig.connect();
        for (int16_t version : {0, 1, 2}) {
            protocol::FindCoordinatorRequest request;
            request.key = "group-1";
            auto response =
                kafka->call<protocol::FindCoordinatorResponse>(request, version, rig.deadline());
            INFO("version " << version);
            REQUIRE(response.ok());
            REQUIRE(response->error_code == 0);
            REQUIRE(response->node_id == 1);
            REQUIRE(response->host == "n1");
            REQUIRE(response->port == 9092);
            if (version == 0) continue;  // v1+ can ask for a transaction coordinator
            request.key_type = 1;
            response =
                kafka->call<protocol::FindCoordinatorResponse>(request, version, rig.deadline());
            REQUIRE(response.ok());
            REQUIRE(response->error_code ==
                    static_cast<int16_t>(KafkaError::coordinator_not_available));
        }
    });
}

}  // namespace
}  // namespace brook::broker::testing
