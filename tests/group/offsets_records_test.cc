#include "core/group/offsets_records.h"

#include <catch2/catch.hpp>

namespace brook::group {
namespace {

TEST_CASE("offsets records: keys and values round-trip in Kafka's layouts", "[group]") {
    OffsetKey key{"app", "orders", PartitionId(3)};
    Bytes encoded = encode_offset_key(key);
    // version 1, then "app" and "orders" as int16-length strings, then the partition.
    REQUIRE(encoded ==
            Bytes{0, 1, 0, 3, 'a', 'p', 'p', 0, 6, 'o', 'r', 'd', 'e', 'r', 's', 0, 0, 0, 3});
    auto decoded = decode_key(encoded);
    REQUIRE(decoded.ok());
    REQUIRE(std::get<OffsetKey>(*decoded) == key);

    auto group_key = decode_key(encode_group_key({"app"}));
    REQUIRE(group_key.ok());
    REQUIRE(std::get<GroupKey>(*group_key).group == "app");

    CommittedOffset offset{Offset(42), 7, "meta", 1'800'000'000'000};
    auto value = decode_offset_value(encode_offset_value(offset));
    REQUIRE(value.ok());
    REQUIRE(*value == offset);

    GroupMetadata metadata{
        "consumer",
        5,
        "range",
        "m-1",
        1'800'000'000'000,
        {StoredMember{"m-1", "i-1", "c", "/127.0.0.1", 30000, 10000, Bytes{1, 2}, Bytes{3}}}};
    auto group = decode_group_value(encode_group_value(metadata));
    REQUIRE(group.ok());
    REQUIRE(*group == metadata);
}

TEST_CASE("offsets records: Kafka's older value versions and damage", "[group]") {
    // OffsetCommitValue v1: offset, metadata, commit timestamp, expire timestamp.
    Bytes v1{0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 6};
    auto value = decode_offset_value(v1);
    REQUIRE(value.ok());
    REQUIRE(value->offset == Offset(9));
    REQUIRE(value->leader_epoch == -1);
    REQUIRE(value->commit_timestamp_ms == 5);
    REQUIRE(decode_key(Bytes{0, 9, 0, 0}).error().code() == ErrorCode::corruption);
    REQUIRE(!decode_offset_value(Bytes{0, 3, 0}).ok());
    Bytes truncated = encode_group_value(GroupMetadata{"consumer", 1, {}, {}, 0, {}});
    truncated.pop_back();
    REQUIRE(!decode_group_value(truncated).ok());
}

TEST_CASE("offsets records: groups map to partitions as in Kafka (Java's String.hashCode)",
          "[group]") {
    REQUIRE(offsets_partition_for("hello", 50) == PartitionId(22));  // hash 99162322
    REQUIRE(offsets_partition_for("app", 50) == PartitionId(1));
    // Integer.MIN_VALUE: Kafka's abs masks the sign bit rather than negating.
    REQUIRE(offsets_partition_for("polygenelubricants", 50) == PartitionId(0));
    // Non-ASCII: UTF-16 code units, a surrogate pair for the emoji.
    REQUIRE(offsets_partition_for("gr\xc3\xbcppe-\xf0\x9f\x98\x80", 50) == PartitionId(34));
}

}  // namespace
}  // namespace brook::group
