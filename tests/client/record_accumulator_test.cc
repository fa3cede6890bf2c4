#include "core/client/record_accumulator.h"

#include <catch2/catch.hpp>

#include "sim/sim_reactor.h"

namespace brook::client {
namespace {

log::Record record_of(std::size_t value_bytes) {
    return log::Record{.key = std::nullopt, .value = log::Bytes(value_bytes, 'x')};
}

struct AccumulatorRig {
    explicit AccumulatorRig(ProducerConfig producer_config) : config(std::move(producer_config)) {}
    sim::SimReactor reactor;
    Scheduler scheduler{reactor};
    ProducerConfig config;
    RecordAccumulator accumulator{scheduler, config};
};

const TopicPartition kTp{"t", PartitionId(0)};

TEST_CASE("record accumulator: batch.size closes batches; linger decides readiness") {
    ProducerConfig config;
    config.batch_size = 100;
    config.linger = milliseconds(10);
    AccumulatorRig rig(config);
    auto& accumulator = rig.accumulator;
    Instant t0{};
    CHECK(!accumulator.append(kTp, record_of(10), 40, {}, t0));
    Instant wake = kNever;
    CHECK(accumulator.ready(t0, false, wake).empty());
    CHECK(wake == t0 + milliseconds(10));
    CHECK(accumulator.ready(t0, /*flushing=*/true, wake).size() == 1);
    CHECK(!accumulator.append(kTp, record_of(10), 40, {}, t0));
    CHECK(accumulator.append(kTp, record_of(10), 40, {}, t0));  // 120 > 100: a second batch
    CHECK(accumulator.ready(t0, false, wake) == std::vector<TopicPartition>{kTp});
    auto first = accumulator.take(kTp);
    CHECK(first->records.size() == 2);
    CHECK(accumulator.pending_records() == 3);
}

TEST_CASE(
    "record accumulator: a retried batch goes back before every later batch, and an "
    "ordered partition waits for its batch in flight") {
    ProducerConfig config;
    config.batch_size = 50;
    config.linger = Duration{};
    config.max_in_flight = 1;
    AccumulatorRig rig(config);
    auto& accumulator = rig.accumulator;
    Instant t0{};
    for (int i = 0; i < 3; ++i) accumulator.append(kTp, record_of(10), 50, {}, t0);
    Instant wake = kNever;
    auto first = accumulator.take(kTp);
    CHECK(first->sequence == 0);
    CHECK(accumulator.ready(t0, false, wake).empty());  // in flight: the partition waits
    accumulator.requeue(std::move(first), t0 + milliseconds(5));
    accumulator.landed(kTp);
    CHECK(accumulator.ready(t0, false, wake).empty());  // backing off
    CHECK(wake == t0 + milliseconds(5));
    auto again = accumulator.take(kTp);
    CHECK(again->sequence == 0);  // the retried batch, not batch 1

    // With several in flight, retries come back in sequence order whatever the order of failure.
    ProducerConfig loose = config;
    loose.max_in_flight = 5;
    AccumulatorRig second(loose);
    for (int i = 0; i < 4; ++i) second.accumulator.append(kTp, record_of(10), 50, {}, t0);
    auto b0 = second.accumulator.take(kTp);
    auto b1 = second.accumulator.take(kTp);
    second.accumulator.requeue(std::move(b1), t0);
    second.accumulator.requeue(std::move(b0), t0);
    std::vector<uint64_t> order;
    for (int i = 0; i < 4; ++i) order.push_back(second.accumulator.take(kTp)->sequence);
    CHECK(order == std::vector<uint64_t>{0, 1, 2, 3});
}

TEST_CASE("record accumulator: reports free memory and move flush's horizon") {
    ProducerConfig config;
    config.batch_size = 100;
    config.buffer_memory = 100;
    AccumulatorRig rig(config);
    auto& accumulator = rig.accumulator;
    REQUIRE(accumulator.reserve(60, kNever).ok());
    accumulator.append(
        kTp, record_of(10), 60, [](const DeliveryReport&) {}, Instant{});
    CHECK(accumulator.reserve(200, kNever).error().code() == ErrorCode::too_large);
    CHECK(accumulator.oldest_unreported() == 0);
    CHECK(accumulator.next_serial() == 1);
    auto batch = accumulator.take(kTp);
    int reported = 0;
    accumulator.report(*batch, [&](std::size_t) {
        ++reported;
        return DeliveryReport{};
    });
    CHECK(reported == 1);
    CHECK(accumulator.oldest_unreported() == 1);
    CHECK(accumulator.idle());
    REQUIRE(accumulator.reserve(100, kNever).ok());  // the 60 bytes came back
}

}  // namespace
}  // namespace brook::client
