#include <catch2/catch.hpp>

#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

const TopicPartition kP0{"events", PartitionId(0)};

// Produces values "<tag>-<i>" with timestamps base + i to one partition. May suspend.
void produce(ClientRig& rig, const TopicPartition& tp, int count, const std::string& tag,
             int64_t base_timestamp_ms = 1'800'000'000'000) {
    Producer producer(rig.client(), rig.producer_config());
    int delivered = 0;
    for (int i = 0; i < count; ++i) {
        ProducerRecord record{.topic = tp.topic, .partition = tp.partition};
        record.value = bytes_of(fmt::format("{}-{}", tag, i));
        record.timestamp_ms = base_timestamp_ms + i;
        REQUIRE(producer
                    .send(std::move(record),
                          [&](const DeliveryReport& report) {
                              REQUIRE(report.ok());
                              ++delivered;
                          })
                    .ok());
    }
    REQUIRE(producer.flush(rig.deadline()).ok());
    REQUIRE(delivered == count);
    producer.close();
}

std::vector<std::string> values(const std::vector<ConsumerRecord>& records) {
    std::vector<std::string> out;
    for (const auto& record : records) out.push_back(text_of(record.value));
    return out;
}

// Polls until `count` records came or the time is up. May suspend.
std::vector<ConsumerRecord> poll_n(ClientRig& rig, Consumer& consumer, std::size_t count) {
    std::vector<ConsumerRecord> all;
    Instant limit = rig.deadline(seconds(20));
    while (all.size() < count && rig.now() < limit) {
        auto polled = consumer.poll(rig.deadline(milliseconds(500)));
        INFO((polled.ok() ? "" : polled.error().describe()));
        REQUIRE(polled.ok());
        all.insert(all.end(), polled->begin(), polled->end());
    }
    return all;
}

TEST_CASE("consumer: seek, seek_to_beginning, seek_to_end and seek_to_timestamp") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("events", 1);
        produce(rig, kP0, 10, "v");
        Consumer consumer(rig.client(), rig.consumer_config());
        consumer.assign({kP0});
        REQUIRE(consumer.seek(kP0, Offset(7)).ok());
        auto got = poll_n(rig, consumer, 3);
        CHECK(values(got) == std::vector<std::string>{"v-7", "v-8", "v-9"});
        CHECK(got[0].offset == Offset(7));
        CHECK(got[0].timestamp_ms == 1'800'000'000'007);

        REQUIRE(consumer.seek_to_beginning({kP0}).ok());
        CHECK(consumer.position(kP0, rig.deadline()).value() == Offset(0));
        REQUIRE(consumer.seek_to_end({kP0}).ok());
        CHECK(consumer.position(kP0, rig.deadline()).value() == Offset(10));

        REQUIRE(consumer.seek_to_timestamp({kP0}, 1'800'000'000'004, rig.deadline()).ok());
        CHECK(consumer.position(kP0, rig.deadline()).value() == Offset(4));
        got = poll_n(rig, consumer, 6);
        CHECK(got.front().offset == Offset(4));
        REQUIRE(consumer.seek_to_timestamp({kP0}, 1'900'000'000'000, rig.deadline()).ok());
        CHECK(consumer.position(kP0, rig.deadline()).value() == Offset(10));

        CHECK(consumer.seek({"other", PartitionId(0)}, Offset(0)).error().code() ==
              ErrorCode::invalid_argument);
        consumer.close();
    });
}

TEST_CASE("consumer: auto.offset.reset earliest, latest and none") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("events", 1);
        produce(rig, kP0, 5, "v");
        ConsumerConfig config = rig.consumer_config();
        config.auto_offset_reset = OffsetReset::latest;
        Consumer latest(rig.client(), config);
        latest.assign({kP0});
        CHECK(latest.position(kP0, rig.deadline()).value() == Offset(5));
        // Out of range: a seek past the end resets to the policy.
        REQUIRE(latest.seek(kP0, Offset(100)).ok());
        auto polled = latest.poll(rig.deadline(seconds(1)));
        REQUIRE(polled.ok());
        CHECK(latest.position(kP0, rig.deadline()).value() == Offset(5));
        latest.close();

        config.auto_offset_reset = OffsetReset::earliest;
        Consumer earliest(rig.client(), config);
        earliest.assign({kP0});
        REQUIRE(earliest.seek(kP0, Offset(100)).ok());
        auto got = poll_n(rig, earliest, 5);
        CHECK(values(got) == std::vector<std::string>{"v-0", "v-1", "v-2", "v-3", "v-4"});
        earliest.close();

        config.auto_offset_reset = OffsetReset::none;
        Consumer none(rig.client(), config);
        none.assign({kP0});
        CHECK(none.position(kP0, rig.deadline()).error().code() == ErrorCode::out_of_range);
        REQUIRE(none.seek(kP0, Offset(100)).ok());
        auto failed = none.poll(rig.deadline(seconds(1)));
        REQUIRE(!failed.ok());
        CHECK(failed.error().code() == ErrorCode::out_of_range);
        CHECK(failed.error().context().find("OFFSET_OUT_OF_RANGE") != std::string::npos);
        CHECK(failed.error().context().find("events-0") != std::string::npos);
        none.close();
    });
}

TEST_CASE("consumer: a record inside a fetched batch below the position is skipped") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("events", 1);
        // One batch of 10 (a long linger keeps them together).
        ProducerConfig config = rig.producer_config();
        config.linger = seconds(1);
        Producer producer(rig.client(), config);
        for (int i = 0; i < 10; ++i) {
            REQUIRE(producer
                        .send({.topic = "events",
                               .partition = PartitionId(0),
                               .value = bytes_of(fmt::format("v-{}", i))})
                        .ok());
        }
        REQUIRE(producer.flush(rig.deadline()).ok());
        producer.close();
        Consumer consumer(rig.client(), rig.consumer_config());
        consumer.assign({kP0});
        REQUIRE(consumer.seek(kP0, Offset(6)).ok());
        auto got = poll_n(rig, consumer, 4);
        CHECK(values(got) == std::vector<std::string>{"v-6", "v-7", "v-8", "v-9"});
        consumer.close();
    });
}

// A man in the middle on host "proxy" that flips one bit of the first `marker` in each response
// frame from the broker: the batch still frames, but its CRC no longer matches.
void run_corrupting_proxy(Environment& env, const std::string& marker) {
    auto listener = env.network.listen(Address{"proxy", 9092});
    ASSERT(listener.ok());
    while (auto accepted = (*listener)->accept()) {
        std::shared_ptr<Connection> down = std::move(accepted).value();
        auto connected = env.network.connect(broker::testing::kBrokerAddress);
        if (!connected) continue;
        std::shared_ptr<Connection> up = std::move(connected).value();
        env.scheduler.spawn("proxy-up", [down, up] {
            uint8_t buffer[4096];
            while (auto n = down->read(buffer)) {
                if (!up->write(std::span(buffer, *n))) break;
            }
            up->close();
        });
        env.scheduler.spawn("proxy-down", [down, up, marker] {
            while (true) {
                uint8_t size_bytes[4];
                if (!up->read_exact(size_bytes)) break;
                uint32_t size = (uint32_t(size_bytes[0]) << 24) | (uint32_t(size_bytes[1]) << 16) |
                                (uint32_t(size_bytes[2]) << 8) | size_bytes[3];
                std::vector<uint8_t> frame(size);
                if (!up->read_exact(frame)) break;
                auto at = std::search(frame.begin(), frame.end(), marker.begin(), marker.end());
                if (at != frame.end()) *at ^= 0x01;
                if (!down->write(size_bytes) || !down->write(frame)) break;
            }
            down->close();
        });
    }
}

TEST_CASE("consumer: a batch whose CRC does not match is an error, never data") {
    broker::BrokerConfig broker_config;
    REQUIRE(broker_config.set("listeners", "PLAINTEXT://n1:9092").ok());
    REQUIRE(broker_config.set("advertised.listeners", "PLAINTEXT://proxy:9092").ok());
    REQUIRE(broker_config.finish().ok());
    ClientRig rig(broker_config);
    rig.sim.add_process("proxy", [](Environment& env) { run_corrupting_proxy(env, "SECRET"); });
    rig.run([&] {
        ClusterConfig cluster = rig.cluster_config();
        cluster.bootstrap_servers = {Address{"proxy", 9092}};
        {
            Admin admin(rig.client(), cluster);
            REQUIRE(admin.create_topics({{"events", 1}}, rig.deadline()).ok());
            admin.close();
        }
        ProducerConfig producer_config = rig.producer_config();
        producer_config.cluster = cluster;
        Producer producer(rig.client(), producer_config);
        REQUIRE(
            producer
                .send({.topic = "events", .partition = PartitionId(0), .value = bytes_of("plain")})
                .ok());
        REQUIRE(producer.flush(rig.deadline()).ok());
        REQUIRE(
            producer
                .send({.topic = "events", .partition = PartitionId(0), .value = bytes_of("SECRET")})
                .ok());
        REQUIRE(producer.flush(rig.deadline()).ok());
        producer.close();

        ConsumerConfig consumer_config = rig.consumer_config();
        consumer_config.cluster = cluster;
        Consumer consumer(rig.client(), consumer_config);
        consumer.assign({kP0});
        // The first batch is whole; the second arrives corrupted: the consumer returns the good
        // record, then fails, and never returns the damaged one.
        std::vector<ConsumerRecord> good;
        std::optional<Error> failure;
        Instant limit = rig.deadline(seconds(10));
        while (!failure && rig.now() < limit) {
            auto polled = consumer.poll(rig.deadline(milliseconds(500)));
            if (!polled) {
                failure = polled.error();
            } else {
                good.insert(good.end(), polled->begin(), polled->end());
            }
        }
        REQUIRE(failure.has_value());
        CHECK(failure->code() == ErrorCode::corruption);
        INFO(failure->describe());
        CHECK(failure->context().find("events-0") != std::string::npos);
        for (const auto& record : good) CHECK(text_of(record.value) == "plain");
        consumer.close();
    });
}

TEST_CASE("consumer: commit and committed, standalone in a group") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("events", 2);
        ConsumerConfig config = rig.consumer_config();
        Consumer no_group(rig.client(), config);
        CHECK(no_group.commit({{kP0, Offset(1)}}, rig.deadline()).error().code() ==
              ErrorCode::invalid_argument);
        no_group.close();
        config.group_id = "billing";
        Consumer consumer(rig.client(), config);
        TopicPartition p1{"events", PartitionId(1)};
        consumer.assign({kP0, p1});
        auto committed = consumer.commit({{kP0, Offset(3)}}, rig.deadline());
        INFO((committed.ok() ? "" : committed.error().describe()));
        REQUIRE(committed.ok());
        auto read = consumer.committed({kP0, p1}, rig.deadline());
        REQUIRE(read.ok());
        CHECK(read->at(kP0) == std::optional<Offset>(Offset(3)));
        CHECK(read->at(p1) == std::nullopt);
        // A fresh consumer in the group starts at the committed offset.
        Consumer second(rig.client(), config);
        second.assign({kP0});
        CHECK(second.position(kP0, rig.deadline()).value() == Offset(3));
        second.close();
        consumer.close();
    });
}

TEST_CASE("consumer: a vanished broker is asked again with backoff, and reading resumes") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("events", 1);
        produce(rig, kP0, 3, "a");
        Consumer consumer(rig.client(), rig.consumer_config());
        consumer.assign({kP0});
        REQUIRE(values(poll_n(rig, consumer, 3)) == std::vector<std::string>{"a-0", "a-1", "a-2"});
        rig.sim.crash("n1");
        std::size_t connects_before = rig.count_in_trace("net.connect");
        Instant until = rig.deadline(seconds(10));
        while (rig.now() < until) {
            auto polled = consumer.poll(rig.deadline(milliseconds(500)));
            REQUIRE(polled.ok());  // an unreachable broker is not the caller's error
            REQUIRE(polled->empty());
        }
        // Reconnects back off to reconnect.backoff.max.ms (1 s) and metadata retries to
        // retry.backoff.max.ms (1 s): some tens of attempts in 10 s, not a tight loop.
        std::size_t connects = rig.count_in_trace("net.connect") - connects_before;
        INFO(connects << " connection attempts in 10 s");
        REQUIRE(connects >= 5);
        REQUIRE(connects <= 40);
        rig.sim.restart("n1");
        rig.wait_until_serving();
        produce(rig, kP0, 2, "b");
        REQUIRE(values(poll_n(rig, consumer, 2)) == std::vector<std::string>{"b-0", "b-1"});
        consumer.close();
    });
}

}  // namespace
}  // namespace brook::client::testing
