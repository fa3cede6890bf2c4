#include "core/protocol/consumer_protocol.h"

#include <algorithm>

#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"

namespace brook::protocol {
namespace {

// The classic encoding: int16-length strings, int32-length bytes and int32-count arrays.
constexpr bool kCompact = false;
constexpr std::size_t kStringBytesMin = 2;
constexpr std::size_t kPartitionBytes = 4;
constexpr std::size_t kTopicPartitionsBytesMin = kStringBytesMin + 4;

void write_topic_partitions(ByteWriter& writer, const TopicPartitions& topics) {
    writer.write_array_count(topics.size(), kCompact);
    for (const auto& [topic, partitions] : topics) {
        writer.write_string(topic, kCompact);
        writer.write_array_count(partitions.size(), kCompact);
        for (PartitionId partition : partitions) writer.write_int32(partition.value());
    }
}

// A topic listed twice (Kafka's schemas key the array by topic, but bytes are bytes) has its
// partitions joined in order.
Result<TopicPartitions> read_topic_partitions(ByteReader& reader) {
    TopicPartitions topics;
    TRY_ASSIGN(int32_t count, reader.read_array_count(kCompact, kTopicPartitionsBytesMin));
    for (int32_t i = 0; i < count; ++i) {
        TRY_ASSIGN(std::string topic, reader.read_string(kCompact));
        TRY_ASSIGN(int32_t partition_count, reader.read_array_count(kCompact, kPartitionBytes));
        std::vector<PartitionId>& partitions = topics[topic];
        for (int32_t p = 0; p < partition_count; ++p) {
            TRY_ASSIGN(int32_t partition, reader.read_int32());
            partitions.push_back(PartitionId(partition));
        }
    }
    return topics;
}

// The version to read the bytes as (a newer one is read as `known_max`), and whether bytes may
// follow the fields Brook knows.
struct ReadVersion {
    int16_t version = 0;
    bool trailing_allowed = false;
};

Result<ReadVersion> read_version(ByteReader& reader, int16_t known_max) {
    int16_t version = 0;
    BROOK_READ_FIELD(version, reader.read_int16(), "version");
    if (version < 0) return reader.corruption("negative version");
    if (version > known_max) return ReadVersion{known_max, true};
    return ReadVersion{version, false};
}

Result<void> finish(const ByteReader& reader, ReadVersion version) {
    if (version.trailing_allowed) return {};
    return reader.expect_end();
}

}  // namespace

std::vector<uint8_t> encode_subscription(const Subscription& subscription, int16_t version) {
    ASSERT(version >= 0 && version <= kSubscriptionVersionMax, "subscription version {}", version);
    ByteWriter writer;
    writer.write_int16(version);
    writer.write_array_count(subscription.topics.size(), kCompact);
    for (const std::string& topic : subscription.topics) writer.write_string(topic, kCompact);
    writer.write_nullable_bytes(subscription.user_data, kCompact);
    if (version >= 1) write_topic_partitions(writer, subscription.owned_partitions);
    if (version >= 2) writer.write_int32(subscription.generation_id);
    if (version >= 3) writer.write_nullable_string(subscription.rack_id, kCompact);
    return writer.bytes();
}

Result<Subscription> decode_subscription(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    TRY_ASSIGN(ReadVersion version, read_version(reader, kSubscriptionVersionMax));
    Subscription subscription;
    TRY_ASSIGN(int32_t topic_count, reader.read_array_count(kCompact, kStringBytesMin));
    for (int32_t i = 0; i < topic_count; ++i) {
        std::string topic;
        BROOK_READ_FIELD(topic, reader.read_string(kCompact), "topics");
        subscription.topics.push_back(std::move(topic));
    }
    BROOK_READ_FIELD(subscription.user_data, reader.read_nullable_bytes(kCompact), "user_data");
    if (version.version >= 1) {
        BROOK_READ_FIELD(subscription.owned_partitions, read_topic_partitions(reader),
                         "owned_partitions");
    }
    if (version.version >= 2) {
        BROOK_READ_FIELD(subscription.generation_id, reader.read_int32(), "generation_id");
    }
    if (version.version >= 3) {
        BROOK_READ_FIELD(subscription.rack_id, reader.read_nullable_string(kCompact), "rack_id");
    }
    TRY(finish(reader, version));
    return subscription;
}

std::vector<uint8_t> encode_assignment(const Assignment& assignment, int16_t version) {
    ASSERT(version >= 0 && version <= kAssignmentVersionMax, "assignment version {}", version);
    ByteWriter writer;
    writer.write_int16(version);
    write_topic_partitions(writer, assignment.partitions);
    writer.write_nullable_bytes(assignment.user_data, kCompact);
    return writer.bytes();
}

Result<Assignment> decode_assignment(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    TRY_ASSIGN(ReadVersion version, read_version(reader, kAssignmentVersionMax));
    Assignment assignment;
    BROOK_READ_FIELD(assignment.partitions, read_topic_partitions(reader), "partitions");
    BROOK_READ_FIELD(assignment.user_data, reader.read_nullable_bytes(kCompact), "user_data");
    TRY(finish(reader, version));
    return assignment;
}

}  // namespace brook::protocol
