#include "core/metadata/metadata_record_codec.h"

#include <fmt/format.h>

#include <limits>
#include <utility>

#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"

namespace brook::metadata {
namespace {

using protocol::ByteReader;
using protocol::ByteWriter;

constexpr bool kCompact = true;  // every metadata record version is flexible
constexpr std::size_t kNodeIdBytes = 4;
// The least bytes of an endpoint (two empty strings, port, protocol, tags) and of a feature (an
// empty name, two levels, tags): hostile array counts are checked against them.
constexpr std::size_t kEndpointBytesMin = 1 + 1 + 2 + 2 + 1;
constexpr std::size_t kFeatureBytesMin = 1 + 2 + 2 + 1;

// The versions each type is read at (Kafka's validVersions whose layout Brook knows) and the one
// it is written at. RegisterBrokerRecord v1 and BrokerRegistrationChangeRecord v1 carry
// InControlledShutdown; their later versions, and those of the partition records, add only
// fields Brook skips (log directories, eligible leader replicas).
struct VersionRange {
    int16_t written;
    int16_t read_max;
};

constexpr VersionRange version_range(int16_t type) {
    switch (type) {
        case 0:
            return {1, 3};  // RegisterBrokerRecord
        case 3:
            return {0, 2};  // PartitionRecord: v1 adds Directories, v2 tagged ELR fields
        case 5:
            return {0, 2};  // PartitionChangeRecord: v1 and v2 add tagged fields only
        case 17:
            return {1, 2};  // BrokerRegistrationChangeRecord
        default:
            return {0, 0};
    }
}

// ---- writing ----

void write_node_ids(ByteWriter& writer, const std::vector<NodeId>& ids) {
    writer.write_array_count(ids.size(), kCompact);
    for (NodeId id : ids) writer.write_int32(id.value());
}

void write_no_tags(ByteWriter& writer) { writer.write_unsigned_varint(0); }

void write_body(ByteWriter& writer, const RegisterBrokerRecord& record) {
    writer.write_int32(record.broker_id.value());
    writer.write_uuid(record.incarnation_id);
    writer.write_int64(record.broker_epoch.value());
    writer.write_array_count(record.endpoints.size(), kCompact);
    for (const BrokerEndpoint& endpoint : record.endpoints) {
        writer.write_string(endpoint.name, kCompact);
        writer.write_string(endpoint.host, kCompact);
        writer.write_uint16(endpoint.port);
        writer.write_int16(endpoint.security_protocol);
        write_no_tags(writer);
    }
    writer.write_array_count(record.features.size(), kCompact);
    for (const BrokerFeature& feature : record.features) {
        writer.write_string(feature.name, kCompact);
        writer.write_int16(feature.min_supported_version);
        writer.write_int16(feature.max_supported_version);
        write_no_tags(writer);
    }
    writer.write_nullable_string(record.rack, kCompact);
    writer.write_bool(record.fenced);
    writer.write_bool(record.in_controlled_shutdown);
    write_no_tags(writer);
}

// The records of a broker id and an epoch: Unregister, Fence, Unfence.
void write_broker_and_epoch(ByteWriter& writer, NodeId broker, BrokerEpoch epoch) {
    writer.write_int32(broker.value());
    writer.write_int64(epoch.value());
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const UnregisterBrokerRecord& record) {
    write_broker_and_epoch(writer, record.broker_id, record.broker_epoch);
}

void write_body(ByteWriter& writer, const TopicRecord& record) {
    writer.write_string(record.name, kCompact);
    writer.write_uuid(record.topic_id);
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const PartitionRecord& record) {
    writer.write_int32(record.partition_id.value());
    writer.write_uuid(record.topic_id);
    write_node_ids(writer, record.replicas);
    write_node_ids(writer, record.isr);
    write_node_ids(writer, {});  // RemovingReplicas: Brook never reassigns
    write_node_ids(writer, {});  // AddingReplicas
    writer.write_int32(record.leader.value());
    writer.write_int32(record.leader_epoch.value());
    writer.write_int32(record.partition_epoch.value());
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const ConfigRecord& record) {
    writer.write_int8(static_cast<int8_t>(record.resource_type));
    writer.write_string(record.resource_name, kCompact);
    writer.write_string(record.name, kCompact);
    writer.write_nullable_string(record.value, kCompact);
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const PartitionChangeRecord& record) {
    writer.write_int32(record.partition_id.value());
    writer.write_uuid(record.topic_id);
    // Tagged fields are written only when they differ from their defaults, in tag order.
    uint32_t count = (record.isr ? 1 : 0) + (record.leader != kLeaderUnchanged ? 1 : 0) +
                     (record.replicas ? 1 : 0);
    writer.write_unsigned_varint(count);
    if (record.isr) {
        writer.write_tagged_field(0,
                                  [&](ByteWriter& field) { write_node_ids(field, *record.isr); });
    }
    if (record.leader != kLeaderUnchanged) {
        writer.write_tagged_field(
            1, [&](ByteWriter& field) { field.write_int32(record.leader.value()); });
    }
    if (record.replicas) {
        writer.write_tagged_field(
            2, [&](ByteWriter& field) { write_node_ids(field, *record.replicas); });
    }
}

void write_body(ByteWriter& writer, const FenceBrokerRecord& record) {
    write_broker_and_epoch(writer, record.id, record.epoch);
}

void write_body(ByteWriter& writer, const UnfenceBrokerRecord& record) {
    write_broker_and_epoch(writer, record.id, record.epoch);
}

void write_body(ByteWriter& writer, const RemoveTopicRecord& record) {
    writer.write_uuid(record.topic_id);
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const FeatureLevelRecord& record) {
    writer.write_string(record.name, kCompact);
    writer.write_int16(record.feature_level);
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const ProducerIdsRecord& record) {
    writer.write_int32(record.broker_id.value());
    writer.write_int64(record.broker_epoch.value());
    writer.write_int64(record.next_producer_id.value());
    write_no_tags(writer);
}

void write_body(ByteWriter& writer, const BrokerRegistrationChangeRecord& record) {
    writer.write_int32(record.broker_id.value());
    writer.write_int64(record.broker_epoch.value());
    uint32_t count = (record.fenced != FencingChange::none ? 1 : 0) +
                     (record.in_controlled_shutdown != ShutdownChange::none ? 1 : 0);
    writer.write_unsigned_varint(count);
    if (record.fenced != FencingChange::none) {
        writer.write_tagged_field(
            0, [&](ByteWriter& field) { field.write_int8(static_cast<int8_t>(record.fenced)); });
    }
    if (record.in_controlled_shutdown != ShutdownChange::none) {
        writer.write_tagged_field(1, [&](ByteWriter& field) {
            field.write_int8(static_cast<int8_t>(record.in_controlled_shutdown));
        });
    }
}

void write_body(ByteWriter& writer, const NoOpRecord&) { write_no_tags(writer); }

// ---- reading ----

Result<std::vector<NodeId>> read_node_ids(ByteReader& reader) {
    TRY_ASSIGN(int32_t count, reader.read_array_count(kCompact, kNodeIdBytes));
    std::vector<NodeId> ids;
    ids.reserve(static_cast<std::size_t>(count));
    for (int32_t i = 0; i < count; ++i) {
        TRY_ASSIGN(int32_t id, reader.read_int32());
        ids.push_back(NodeId(id));
    }
    return ids;
}

// A replica list Brook does not model (RemovingReplicas, AddingReplicas): null or empty, since a
// reassignment in progress is state Brook would silently drop.
Result<void> read_no_reassignment(ByteReader& reader) {
    TRY_ASSIGN(int32_t count, reader.read_nullable_array_count(kCompact, kNodeIdBytes));
    if (count > 0) return reader.corruption("a replica reassignment, which Brook does not support");
    return {};
}

// A tagged-field section: `on_tag(tag, payload)` reads the tags it knows, returning false for
// the others, which are skipped. A known tag's payload must be read to its end.
template <typename OnTag>
Result<void> read_tags(ByteReader& reader, OnTag&& on_tag) {
    TRY_ASSIGN(uint32_t count, reader.read_unsigned_varint());
    for (uint32_t i = 0; i < count; ++i) {
        TRY_ASSIGN(protocol::TaggedField field, reader.read_tagged_field());
        TRY_ASSIGN(bool known, on_tag(field.tag, field.payload));
        if (known) TRY(field.payload.expect_end());
    }
    return {};
}

Result<void> read_no_known_tags(ByteReader& reader) { return reader.skip_tagged_fields(); }

Result<int8_t> read_tristate(ByteReader& reader, int8_t low, int8_t high) {
    TRY_ASSIGN(int8_t value, reader.read_int8());
    if (value < low || value > high) return reader.corruption(fmt::format("value {}", value));
    return value;
}

Result<MetadataRecord> read_register_broker(ByteReader& reader, int16_t version) {
    RegisterBrokerRecord record;
    TRY_ASSIGN(int32_t broker_id, reader.read_int32());
    record.broker_id = NodeId(broker_id);
    if (version >= 2) TRY(reader.read_bool());  // IsMigratingZkBroker
    BROOK_READ_FIELD(record.incarnation_id, reader.read_uuid(), "IncarnationId");
    TRY_ASSIGN(int64_t epoch, reader.read_int64());
    record.broker_epoch = BrokerEpoch(epoch);
    TRY_ASSIGN(int32_t endpoints, reader.read_array_count(kCompact, kEndpointBytesMin));
    for (int32_t i = 0; i < endpoints; ++i) {
        BrokerEndpoint& endpoint = record.endpoints.emplace_back();
        BROOK_READ_FIELD(endpoint.name, reader.read_string(kCompact), "EndPoints.Name");
        BROOK_READ_FIELD(endpoint.host, reader.read_string(kCompact), "EndPoints.Host");
        BROOK_READ_FIELD(endpoint.port, reader.read_uint16(), "EndPoints.Port");
        BROOK_READ_FIELD(endpoint.security_protocol, reader.read_int16(), "EndPoints.Protocol");
        TRY(read_no_known_tags(reader));
    }
    TRY_ASSIGN(int32_t features, reader.read_array_count(kCompact, kFeatureBytesMin));
    for (int32_t i = 0; i < features; ++i) {
        BrokerFeature& feature = record.features.emplace_back();
        BROOK_READ_FIELD(feature.name, reader.read_string(kCompact), "Features.Name");
        BROOK_READ_FIELD(feature.min_supported_version, reader.read_int16(), "Features.Min");
        BROOK_READ_FIELD(feature.max_supported_version, reader.read_int16(), "Features.Max");
        TRY(read_no_known_tags(reader));
    }
    BROOK_READ_FIELD(record.rack, reader.read_nullable_string(kCompact), "Rack");
    BROOK_READ_FIELD(record.fenced, reader.read_bool(), "Fenced");
    if (version >= 1) {
        BROOK_READ_FIELD(record.in_controlled_shutdown, reader.read_bool(), "InControlledShutdown");
    }
    TRY(read_no_known_tags(reader));  // v3's LogDirs (tag 0)
    return MetadataRecord(std::move(record));
}

Result<MetadataRecord> read_partition(ByteReader& reader, int16_t version) {
    PartitionRecord record;
    TRY_ASSIGN(int32_t partition, reader.read_int32());
    record.partition_id = PartitionId(partition);
    BROOK_READ_FIELD(record.topic_id, reader.read_uuid(), "TopicId");
    BROOK_READ_FIELD(record.replicas, read_node_ids(reader), "Replicas");
    BROOK_READ_FIELD(record.isr, read_node_ids(reader), "Isr");
    BROOK_TRY_FIELD(read_no_reassignment(reader), "RemovingReplicas");
    BROOK_TRY_FIELD(read_no_reassignment(reader), "AddingReplicas");
    TRY_ASSIGN(int32_t leader, reader.read_int32());
    TRY_ASSIGN(int32_t leader_epoch, reader.read_int32());
    TRY_ASSIGN(int32_t partition_epoch, reader.read_int32());
    record.leader = NodeId(leader);
    record.leader_epoch = LeaderEpoch(leader_epoch);
    record.partition_epoch = PartitionEpoch(partition_epoch);
    if (version >= 1) {  // Directories: one uuid per replica
        TRY_ASSIGN(int32_t directories, reader.read_array_count(kCompact, sizeof(Uuid)));
        TRY(reader.skip(static_cast<std::size_t>(directories) * sizeof(Uuid)));
    }
    TRY(read_no_known_tags(reader));  // LeaderRecoveryState (tag 0), v2's ELR (tags 1, 2)
    return MetadataRecord(std::move(record));
}

Result<MetadataRecord> read_partition_change(ByteReader& reader) {
    PartitionChangeRecord record;
    TRY_ASSIGN(int32_t partition, reader.read_int32());
    record.partition_id = PartitionId(partition);
    BROOK_READ_FIELD(record.topic_id, reader.read_uuid(), "TopicId");
    TRY(read_tags(reader, [&](uint32_t tag, ByteReader& field) -> Result<bool> {
        switch (tag) {
            case 0:
                BROOK_READ_FIELD(record.isr, read_node_ids(field), "Isr");
                return true;
            case 1: {
                TRY_ASSIGN(int32_t leader, field.read_int32());
                record.leader = NodeId(leader);
                return true;
            }
            case 2:
                BROOK_READ_FIELD(record.replicas, read_node_ids(field), "Replicas");
                return true;
            case 3:  // RemovingReplicas
            case 4:  // AddingReplicas
                TRY(read_no_reassignment(field));
                return true;
            default:
                return false;  // LeaderRecoveryState and later tags
        }
    }));
    return MetadataRecord(std::move(record));
}

Result<MetadataRecord> read_config(ByteReader& reader) {
    ConfigRecord record;
    TRY_ASSIGN(int8_t type, reader.read_int8());
    record.resource_type = static_cast<ConfigResourceType>(type);
    BROOK_READ_FIELD(record.resource_name, reader.read_string(kCompact), "ResourceName");
    BROOK_READ_FIELD(record.name, reader.read_string(kCompact), "Name");
    BROOK_READ_FIELD(record.value, reader.read_nullable_string(kCompact), "Value");
    TRY(read_no_known_tags(reader));
    return MetadataRecord(std::move(record));
}

// The records of a broker id and an epoch: Unregister, Fence, Unfence.
template <typename Record>
Result<MetadataRecord> read_broker_and_epoch(ByteReader& reader) {
    TRY_ASSIGN(int32_t id, reader.read_int32());
    TRY_ASSIGN(int64_t epoch, reader.read_int64());
    TRY(read_no_known_tags(reader));
    return MetadataRecord(Record{NodeId(id), BrokerEpoch(epoch)});
}

Result<MetadataRecord> read_registration_change(ByteReader& reader) {
    BrokerRegistrationChangeRecord record;
    TRY_ASSIGN(int32_t id, reader.read_int32());
    TRY_ASSIGN(int64_t epoch, reader.read_int64());
    record.broker_id = NodeId(id);
    record.broker_epoch = BrokerEpoch(epoch);
    TRY(read_tags(reader, [&](uint32_t tag, ByteReader& field) -> Result<bool> {
        if (tag == 0) {
            TRY_ASSIGN(int8_t fenced, read_tristate(field, -1, 1));
            record.fenced = static_cast<FencingChange>(fenced);
            return true;
        }
        if (tag == 1) {
            TRY_ASSIGN(int8_t shutdown, read_tristate(field, 0, 1));
            record.in_controlled_shutdown = static_cast<ShutdownChange>(shutdown);
            return true;
        }
        return false;  // LogDirs (tag 2)
    }));
    return MetadataRecord(std::move(record));
}

Result<MetadataRecord> read_body(ByteReader& reader, int16_t type, int16_t version) {
    switch (type) {
        case 0:
            return read_register_broker(reader, version);
        case 1:
            return read_broker_and_epoch<UnregisterBrokerRecord>(reader);
        case 2: {
            TopicRecord record;
            BROOK_READ_FIELD(record.name, reader.read_string(kCompact), "Name");
            BROOK_READ_FIELD(record.topic_id, reader.read_uuid(), "TopicId");
            TRY(read_no_known_tags(reader));
            return MetadataRecord(std::move(record));
        }
        case 3:
            return read_partition(reader, version);
        case 4:
            return read_config(reader);
        case 5:
            return read_partition_change(reader);
        case 7:
            return read_broker_and_epoch<FenceBrokerRecord>(reader);
        case 8:
            return read_broker_and_epoch<UnfenceBrokerRecord>(reader);
        case 9: {
            RemoveTopicRecord record;
            BROOK_READ_FIELD(record.topic_id, reader.read_uuid(), "TopicId");
            TRY(read_no_known_tags(reader));
            return MetadataRecord(record);
        }
        case 12: {
            FeatureLevelRecord record;
            BROOK_READ_FIELD(record.name, reader.read_string(kCompact), "Name");
            BROOK_READ_FIELD(record.feature_level, reader.read_int16(), "FeatureLevel");
            TRY(read_no_known_tags(reader));
            return MetadataRecord(std::move(record));
        }
        case 15: {
            TRY_ASSIGN(int32_t id, reader.read_int32());
            TRY_ASSIGN(int64_t epoch, reader.read_int64());
            TRY_ASSIGN(int64_t next, reader.read_int64());
            TRY(read_no_known_tags(reader));
            return MetadataRecord(
                ProducerIdsRecord{NodeId(id), BrokerEpoch(epoch), ProducerId(next)});
        }
        case 17:
            return read_registration_change(reader);
        case 20: {
            TRY(read_no_known_tags(reader));
            return MetadataRecord(NoOpRecord{});
        }
        default:
            return reader.corruption(fmt::format("unknown metadata record type {}", type));
    }
}

// Kafka reads the frame's varints as shorts and refuses larger values.
Result<int16_t> read_short_varint(ByteReader& reader, const char* what) {
    TRY_ASSIGN(uint32_t value, reader.read_unsigned_varint());
    if (value > static_cast<uint32_t>(std::numeric_limits<int16_t>::max())) {
        return reader.corruption(fmt::format("{} {} too large", what, value));
    }
    return static_cast<int16_t>(value);
}

}  // namespace

int16_t record_version(const MetadataRecord& record) {
    return version_range(record_type(record)).written;
}

std::vector<uint8_t> encode_record(const MetadataRecord& record) {
    ByteWriter writer;
    int16_t type = record_type(record);
    writer.write_unsigned_varint(kRecordFrameVersion);
    writer.write_unsigned_varint(static_cast<uint32_t>(type));
    writer.write_unsigned_varint(static_cast<uint32_t>(version_range(type).written));
    std::visit([&](const auto& body) { write_body(writer, body); }, record);
    return writer.release();
}

Result<MetadataRecord> decode_record(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    TRY_ASSIGN(int16_t frame_version, read_short_varint(reader, "frame version"));
    if (frame_version != static_cast<int16_t>(kRecordFrameVersion)) {
        return reader.corruption(fmt::format("metadata record frame version {}", frame_version));
    }
    TRY_ASSIGN(int16_t type, read_short_varint(reader, "record type"));
    TRY_ASSIGN(int16_t version, read_short_varint(reader, "record version"));
    if (version > version_range(type).read_max) {
        return reader.corruption(fmt::format("record type {} version {}", type, version));
    }
    auto record = read_body(reader, type, version);
    if (!record)
        return std::move(record).error().wrap(fmt::format("metadata record type {}", type));
    TRY(reader.expect_end());
    return record;
}

std::vector<uint8_t> encode_record_list(const std::vector<MetadataRecord>& records) {
    ByteWriter writer;
    for (const MetadataRecord& record : records) {
        std::vector<uint8_t> bytes = encode_record(record);
        writer.write_unsigned_varint(static_cast<uint32_t>(bytes.size()));
        writer.write_raw(bytes);
    }
    return writer.release();
}

Result<std::vector<MetadataRecord>> decode_record_list(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    std::vector<MetadataRecord> records;
    while (!reader.empty()) {
        TRY_ASSIGN(uint32_t size, reader.read_unsigned_varint());
        TRY_ASSIGN(std::span<const uint8_t> record_bytes, reader.read_span(size));
        auto record = decode_record(record_bytes);
        if (!record) return std::move(record).error().wrap(fmt::format("record {}", records.size()));
        records.push_back(std::move(record).value());
    }
    return records;
}

}  // namespace brook::metadata
