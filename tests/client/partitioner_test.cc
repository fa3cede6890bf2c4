#include "core/client/partitioner.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

namespace brook::client {
namespace {

std::span<const uint8_t> bytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST_CASE("partitioner: murmur2 matches Kafka's UtilsTest vectors") {
    // Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
    // testMurmur2.
    REQUIRE(murmur2(bytes("21")) == -973932308);
    REQUIRE(murmur2(bytes("foobar")) == -790332482);
    REQUIRE(murmur2(bytes("a-little-bit-long-string")) == -985981536);
    REQUIRE(murmur2(bytes("a-little-bit-longer-string")) == -1486304829);
    REQUIRE(murmur2(bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
    REQUIRE(murmur2(bytes("abc")) == 479470107);
}

TEST_CASE("partitioner: murmur2 matches librdkafka's java_murmur2_results") {
    // librdkafka, src/rdmurmur2.c, unittest_murmur2(): the keys cover every tail length (0-3)
    // and unaligned starts; the expected values are Java's results.
    const std::string_view unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs";
    struct Vector {
        std::string_view key;
        uint32_t hash;
    };
    const Vector vectors[] = {
        {"kafka", 0xd067cf64},
        {"giberish123456789", 0x8f552b0c},
        {"1234", 0x9fc97b14},
        {"234", 0xe7c009ca},
        {"34", 0x873930da},
        {"4", 0x5a4b5ca1},
        {unaligned, 0x78424f1c},
        {unaligned.substr(1), 0x4a62b377},
        {unaligned.substr(2), 0xe0e4e09e},
        {unaligned.substr(3), 0x62b8b43f},
        {"", 0x106e08d9},
    };
    for (const Vector& vector : vectors) {
        INFO(vector.key);
        REQUIRE(murmur2(bytes(vector.key)) == static_cast<int32_t>(vector.hash));
    }
}

TEST_CASE("partitioner: partition is toPositive(murmur2) modulo the count") {
    // "kafka" hashes to 0xd067cf64; with the sign bit cleared: 0x5067cf64 = 1348980580.
    REQUIRE(partition_for_key(bytes("kafka"), 1000) == PartitionId(1348980580 % 1000));
    REQUIRE(partition_for_key(bytes("kafka"), 1) == PartitionId(0));
    rc::prop("in range and stable", [](const std::vector<uint8_t>& key, uint16_t count) {
        int32_t partitions = count % 500 + 1;
        PartitionId partition = partition_for_key(key, partitions);
        RC_ASSERT(partition.value() >= 0);
        RC_ASSERT(partition.value() < partitions);
        RC_ASSERT(partition_for_key(key, partitions) == partition);
    });
}

}  // namespace
}  // namespace brook::client
