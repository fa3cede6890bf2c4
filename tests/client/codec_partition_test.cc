#include <catch2/catch.hpp>

#include "core/client/partitioner.h"
#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

using compression::Compression;

constexpr Compression kCodecs[] = {Compression::none, Compression::gzip, Compression::snappy,
                                   Compression::lz4, Compression::zstd};

TEST_CASE("producer: keyed records go to murmur2(key) mod partitions, like the Java client") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("keyed", 6);
        Producer producer(rig.client(), rig.producer_config());
        std::vector<DeliveryReport> reports;
        for (int i = 0; i < 40; ++i) {
            std::string key = fmt::format("customer-{}", i % 10);
            REQUIRE(producer
                        .send({.topic = "keyed", .key = bytes_of(key), .value = bytes_of("v")},
                              [&](const DeliveryReport& report) { reports.push_back(report); })
                        .ok());
        }
        REQUIRE(producer.flush(rig.deadline()).ok());
        producer.close();
        // Reports arrive per partition batch, not in send order: match them up by the stored key.
        std::map<std::string, std::set<PartitionId>> partitions_of_key;
        std::set<PartitionId> used;
        std::vector<TopicPartition> all;
        for (int p = 0; p < 6; ++p) all.push_back({"keyed", PartitionId(p)});
        for (const ConsumerRecord& record : rig.read_all(all)) {
            std::string key = text_of(record.key);
            partitions_of_key[key].insert(record.partition);
            CHECK(record.partition == partition_for_key(*record.key, 6));
            used.insert(record.partition);
        }
        CHECK(partitions_of_key.size() == 10);
        for (const auto& [key, partitions] : partitions_of_key) CHECK(partitions.size() == 1);
        CHECK(used.size() > 1);
        CHECK(reports.size() == 40);
    });
}

TEST_CASE("producer and consumer: every compression codec, both ways") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("packed", 5);
        for (Compression codec : kCodecs) {
            std::string name(compression::compression_name(codec));
            INFO(name);
            PartitionId partition(static_cast<int32_t>(codec));
            // Brook's producer compresses...
            ProducerConfig config = rig.producer_config();
            REQUIRE(config.set("compression.type", name).ok());
            CHECK(config.compression == codec);
            config.linger = milliseconds(50);
            Producer producer(rig.client(), config);
            for (int i = 0; i < 20; ++i) {
                ProducerRecord record{.topic = "packed", .partition = partition};
                record.key = bytes_of(fmt::format("k{}", i));
                record.value =
                    bytes_of(fmt::format("{} value {} {}", name, i, std::string(50, 'z')));
                record.headers = {{"h", bytes_of("v")}, {"null", std::nullopt}};
                REQUIRE(producer.send(std::move(record)).ok());
            }
            REQUIRE(producer.flush(rig.deadline()).ok());
            producer.close();
            // ...the broker stores the codec's batches as they came...
            auto kafka = rig.connect();
            auto fetched =
                client::fetch(*kafka, "packed", partition, Offset(0), {}, rig.deadline());
            REQUIRE(fetched.ok());
            auto batches = log::parse_record_set(fetched->records);
            REQUIRE(batches.ok());
            for (const auto& batch : *batches)
                CHECK(batch.compression() == static_cast<int>(codec));
            // ...and a batch compressed elsewhere (the log's own builder, sent raw) joins them.
            log::RecordBatchBuilder builder(1'800'000'000'000);
            builder.set_compression(codec);
            builder.add({.key = std::nullopt,
                         .value = bytes_of("raw"),
                         .headers = {},
                         .timestamp_ms = 1'800'000'000'000});
            auto raw =
                client::produce(*kafka, "packed", partition, builder.build(), -1, rig.deadline());
            REQUIRE(raw.ok());
            REQUIRE(raw->error == KafkaError::none);
            kafka->close();
            // Brook's consumer decompresses both.
            auto records = rig.read_all({{"packed", partition}});
            REQUIRE(records.size() == 21);
            for (int i = 0; i < 20; ++i) {
                CHECK(records[i].offset == Offset(i));
                CHECK(text_of(records[i].key) == fmt::format("k{}", i));
                CHECK(text_of(records[i].value) ==
                      fmt::format("{} value {} {}", name, i, std::string(50, 'z')));
                CHECK(records[i].headers ==
                      std::vector<Header>{{"h", bytes_of("v")}, {"null", std::nullopt}});
            }
            CHECK(text_of(records[20].value) == "raw");
        }
    });
}

}  // namespace
}  // namespace brook::client::testing
