#include <catch2/catch.hpp>

#include "core/client/consumer.h"
#include "core/client/producer.h"

namespace brook::client {
namespace {

TEST_CASE("client config: Kafka option names set the producer's fields") {
    ProducerConfig config;
    REQUIRE(config.set("bootstrap.servers", "a:9092,b:9093").ok());
    CHECK(config.cluster.bootstrap_servers == std::vector<Address>{{"a", 9092}, {"b", 9093}});
    REQUIRE(config.set("acks", "all").ok());
    CHECK(config.acks == -1);
    REQUIRE(config.set("acks", "0").ok());
    CHECK(config.acks == 0);
    REQUIRE(config.set("linger.ms", "25").ok());
    CHECK(config.linger == milliseconds(25));
    REQUIRE(config.set("max.in.flight.requests.per.connection", "1").ok());
    CHECK(config.max_in_flight == 1);
    REQUIRE(config.set("request.timeout.ms", "1500").ok());
    CHECK(config.cluster.request_timeout == milliseconds(1500));
    REQUIRE(
        config.set("partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner")
            .ok());
    CHECK(config.partitioner == Partitioner::round_robin);
    CHECK(config.validate().ok());

    CHECK(config.set("acks", "2").error().code() == ErrorCode::invalid_argument);
    CHECK(config.set("linger.ms", "-1").error().code() == ErrorCode::invalid_argument);
    CHECK(config.set("batch.size", "12x").error().code() == ErrorCode::invalid_argument);
    CHECK(config.set("bootstrap.servers", "nohost").error().code() == ErrorCode::invalid_argument);
    auto unknown = config.set("lingre.ms", "5");
    CHECK(unknown.error().context().find("lingre.ms") != std::string::npos);

    REQUIRE(config.set("delivery.timeout.ms", "100").ok());
    CHECK(!config.validate().ok());  // below linger.ms + request.timeout.ms
}

TEST_CASE("client config: Kafka option names set the consumer's fields") {
    ConsumerConfig config;
    REQUIRE(config.set("group.id", "billing").ok());
    CHECK(config.group_id == "billing");
    REQUIRE(config.set("auto.offset.reset", "earliest").ok());
    CHECK(config.auto_offset_reset == OffsetReset::earliest);
    REQUIRE(config.set("auto.offset.reset", "none").ok());
    CHECK(config.auto_offset_reset == OffsetReset::none);
    REQUIRE(config.set("fetch.max.wait.ms", "50").ok());
    CHECK(config.fetch_max_wait == milliseconds(50));
    REQUIRE(config.set("max.partition.fetch.bytes", "4096").ok());
    CHECK(config.max_partition_fetch_bytes == 4096);
    CHECK(config.set("auto.offset.reset", "smallest").error().code() ==
          ErrorCode::invalid_argument);
    CHECK(config.set("acks", "1").error().code() == ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace brook::client
