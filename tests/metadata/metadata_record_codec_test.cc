#include "core/metadata/metadata_record_codec.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include "tests/metadata/metadata_generators.h"

namespace brook::metadata {
namespace {

using Bytes = std::vector<uint8_t>;

Uuid counting_uuid() {
    Uuid id{};
    for (uint8_t i = 0; i < 16; ++i) id[i] = i;
    return id;
}

Bytes with_uuid(Bytes head, Bytes tail) {
    Uuid id = counting_uuid();
    head.insert(head.end(), id.begin(), id.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

TEST_CASE("metadata record codec: Kafka's framing and flexible bodies, byte for byte") {
    // frame version 1, type 2, version 0, compact string "foo", the uuid, no tagged fields
    Bytes topic = with_uuid({0x01, 0x02, 0x00, 0x04, 'f', 'o', 'o'}, {0x00});
    REQUIRE(encode_record(TopicRecord{"foo", counting_uuid()}) == topic);
    REQUIRE(*decode_record(topic) == MetadataRecord(TopicRecord{"foo", counting_uuid()}));

    // PartitionChangeRecord: partition 3, the uuid, one tagged field: tag 1 (Leader), 4 bytes.
    PartitionChangeRecord change{PartitionId(3), counting_uuid()};
    change.leader = NodeId(7);
    Bytes change_bytes = with_uuid({0x01, 0x05, 0x00, 0, 0, 0, 3}, {0x01, 0x01, 0x04, 0, 0, 0, 7});
    REQUIRE(encode_record(change) == change_bytes);
    REQUIRE(*decode_record(change_bytes) == MetadataRecord(change));

    // BrokerRegistrationChangeRecord v1: broker 2, epoch 9, tag 0 (Fenced) = 1.
    BrokerRegistrationChangeRecord fenced{NodeId(2), BrokerEpoch(9), FencingChange::fenced};
    REQUIRE(encode_record(fenced) ==
            Bytes{0x01, 0x11, 0x01, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9, 0x01, 0x00, 0x01, 0x01});
}

TEST_CASE("metadata record codec: every record type round-trips") {
    for (const rc::Gen<MetadataRecord>& generator : testing::record_generators()) {
        REQUIRE(rc::check("round trip", [&] {
            MetadataRecord record = *generator;
            auto decoded = decode_record(encode_record(record));
            RC_ASSERT(decoded.ok());
            RC_ASSERT(*decoded == record);
        }));
    }
}

TEST_CASE("metadata record codec: reads older versions and skips tags it does not model") {
    // RegisterBrokerRecord v0 (no InControlledShutdown): broker 1, the uuid, epoch 5, no
    // endpoints, no features, null rack, fenced.
    Bytes v0 = with_uuid({0x01, 0x00, 0x00, 0, 0, 0, 1},
                         {0, 0, 0, 0, 0, 0, 0, 5, 0x01, 0x01, 0x00, 0x01, 0x00});
    auto record = decode_record(v0);
    REQUIRE(record.ok());
    auto& broker = std::get<RegisterBrokerRecord>(*record);
    REQUIRE(broker.broker_epoch == BrokerEpoch(5));
    REQUIRE(broker.fenced);
    REQUIRE_FALSE(broker.in_controlled_shutdown);
    // A PartitionChangeRecord with LeaderRecoveryState (tag 5) only.
    Bytes recovery = with_uuid({0x01, 0x05, 0x00, 0, 0, 0, 0}, {0x01, 0x05, 0x01, 0x01});
    REQUIRE(decode_record(recovery).ok());
    // PartitionChangeRecord v2 (as Kafka 3.7+ writes): Leader 4 and an empty ELR (tag 6).
    Bytes v2_change =
        with_uuid({0x01, 0x05, 0x02, 0, 0, 0, 0}, {0x02, 0x01, 0x04, 0, 0, 0, 4, 0x06, 0x01, 0x01});
    auto change = decode_record(v2_change);
    REQUIRE(change.ok());
    REQUIRE(std::get<PartitionChangeRecord>(*change).leader == NodeId(4));
    // PartitionRecord v1: Directories (one uuid for its one replica) after PartitionEpoch.
    Bytes v1_partition = with_uuid(
        {0x01, 0x03, 0x01, 0, 0, 0, 0},
        {0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 1, 0x01, 0x01, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x02});
    Uuid directory = counting_uuid();
    v1_partition.insert(v1_partition.end(), directory.begin(), directory.end());
    v1_partition.push_back(0x00);
    auto partition = decode_record(v1_partition);
    REQUIRE(partition.ok());
    REQUIRE(std::get<PartitionRecord>(*partition).leader_epoch == LeaderEpoch(2));
    REQUIRE(std::get<PartitionRecord>(*partition).partition_epoch == PartitionEpoch(3));
}

TEST_CASE("metadata record codec: malformed bytes are corruption, never a crash") {
    Bytes topic = encode_record(TopicRecord{"foo", counting_uuid()});
    for (std::size_t cut = 0; cut < topic.size(); ++cut) {
        auto truncated = decode_record(std::span(topic).first(cut));
        REQUIRE_FALSE(truncated.ok());
        REQUIRE(truncated.error().code() == ErrorCode::corruption);
    }
    Bytes trailing = topic;
    trailing.push_back(0);
    REQUIRE_FALSE(decode_record(trailing).ok());
    Bytes frame_zero = topic;
    frame_zero[0] = 0;  // KRaft's 2.8 preview framing, which Kafka refuses too
    REQUIRE_FALSE(decode_record(frame_zero).ok());
    REQUIRE_FALSE(decode_record(Bytes{0x01, 0x06, 0x00, 0x00}).ok());  // type 6: ACLs, unknown here
    REQUIRE_FALSE(decode_record(Bytes{0x01, 0x02, 0x01}).ok());        // TopicRecord v1
    // A PartitionRecord with a reassignment in progress (AddingReplicas [4]).
    Bytes adding = with_uuid({0x01, 0x03, 0x00, 0, 0, 0, 0},
                             {0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 1, 0x01, 0x02, 0, 0,   0,
                              4,    0, 0, 0, 1, 0,    0, 0, 0, 0, 0,    0,    0, 0x00});
    auto reassigning = decode_record(adding);
    REQUIRE_FALSE(reassigning.ok());
    REQUIRE(reassigning.error().code() == ErrorCode::corruption);
}

}  // namespace
}  // namespace brook::metadata
