#include "core/group/offsets_records.h"

#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"

namespace brook::group {

using protocol::ByteReader;
using protocol::ByteWriter;

namespace {

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kGroupValueVersion = 3;
constexpr bool kClassic = false;  // non-flexible encodings: int16 strings, int32 bytes

Result<CommittedOffset> read_offset_value(ByteReader& reader, int16_t version) {
    CommittedOffset value;
    TRY_ASSIGN(int64_t offset, reader.read_int64());
    value.offset = Offset(offset);
    if (version >= 3) {
        TRY_ASSIGN(value.leader_epoch, reader.read_int32());
    }
    TRY_ASSIGN(value.metadata, reader.read_string(kClassic));
    TRY_ASSIGN(value.commit_timestamp_ms, reader.read_int64());
    if (version == 1) {
        TRY(reader.read_int64());  // expire timestamp, no longer used
    }
    return value;
}

Result<StoredMember> read_member(ByteReader& reader, int16_t version) {
    StoredMember member;
    TRY_ASSIGN(member.member_id, reader.read_string(kClassic));
    if (version >= 3) {
        TRY_ASSIGN(member.group_instance_id, reader.read_nullable_string(kClassic));
    }
    TRY_ASSIGN(member.client_id, reader.read_string(kClassic));
    TRY_ASSIGN(member.client_host, reader.read_string(kClassic));
    if (version >= 1) {
        TRY_ASSIGN(member.rebalance_timeout_ms, reader.read_int32());
    }
    TRY_ASSIGN(member.session_timeout_ms, reader.read_int32());
    if (version == 0) member.rebalance_timeout_ms = member.session_timeout_ms;
    TRY_ASSIGN(member.subscription, reader.read_bytes(kClassic));
    TRY_ASSIGN(member.assignment, reader.read_bytes(kClassic));
    return member;
}

}  // namespace

Bytes encode_offset_key(const OffsetKey& key) {
    ByteWriter writer;
    writer.write_int16(kOffsetKeyVersion);
    writer.write_string(key.group, kClassic);
    writer.write_string(key.topic, kClassic);
    writer.write_int32(key.partition.value());
    return writer.release();
}

Bytes encode_group_key(const GroupKey& key) {
    ByteWriter writer;
    writer.write_int16(kGroupKeyVersion);
    writer.write_string(key.group, kClassic);
    return writer.release();
}

Bytes encode_offset_value(const CommittedOffset& value) {
    ByteWriter writer;
    writer.write_int16(kOffsetValueVersion);
    writer.write_int64(value.offset.value());
    writer.write_int32(value.leader_epoch);
    writer.write_string(value.metadata, kClassic);
    writer.write_int64(value.commit_timestamp_ms);
    return writer.release();
}

Bytes encode_group_value(const GroupMetadata& value) {
    ByteWriter writer;
    writer.write_int16(kGroupValueVersion);
    writer.write_string(value.protocol_type, kClassic);
    writer.write_int32(value.generation);
    writer.write_nullable_string(value.protocol_name, kClassic);
    writer.write_nullable_string(value.leader, kClassic);
    writer.write_int64(value.state_timestamp_ms);
    writer.write_array_count(value.members.size(), kClassic);
    for (const StoredMember& member : value.members) {
        writer.write_string(member.member_id, kClassic);
        writer.write_nullable_string(member.group_instance_id, kClassic);
        writer.write_string(member.client_id, kClassic);
        writer.write_string(member.client_host, kClassic);
        writer.write_int32(member.rebalance_timeout_ms);
        writer.write_int32(member.session_timeout_ms);
        writer.write_bytes(member.subscription, kClassic);
        writer.write_bytes(member.assignment, kClassic);
    }
    return writer.release();
}

Result<OffsetsRecordKey> decode_key(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    TRY_ASSIGN(int16_t version, reader.read_int16());
    if (version == 0 || version == 1) {
        OffsetKey key;
        TRY_ASSIGN(key.group, reader.read_string(kClassic));
        TRY_ASSIGN(key.topic, reader.read_string(kClassic));
        TRY_ASSIGN(int32_t partition, reader.read_int32());
        key.partition = PartitionId(partition);
        return OffsetsRecordKey(std::move(key));
    }
    if (version == 2) {
        GroupKey key;
        TRY_ASSIGN(key.group, reader.read_string(kClassic));
        return OffsetsRecordKey(std::move(key));
    }
    return Error(ErrorCode::corruption, fmt::format("offsets record key version {}", version));
}

Result<CommittedOffset> decode_offset_value(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    TRY_ASSIGN(int16_t version, reader.read_int16());
    if (version < 0 || version > kOffsetValueVersion) {
        return Error(ErrorCode::corruption, fmt::format("offset value version {}", version));
    }
    return read_offset_value(reader, version);
}

Result<GroupMetadata> decode_group_value(std::span<const uint8_t> bytes) {
    ByteReader reader(bytes);
    TRY_ASSIGN(int16_t version, reader.read_int16());
    if (version < 0 || version > kGroupValueVersion) {
        return Error(ErrorCode::corruption, fmt::format("group value version {}", version));
    }
    GroupMetadata value;
    TRY_ASSIGN(value.protocol_type, reader.read_string(kClassic));
    TRY_ASSIGN(value.generation, reader.read_int32());
    TRY_ASSIGN(value.protocol_name, reader.read_nullable_string(kClassic));
    TRY_ASSIGN(value.leader, reader.read_nullable_string(kClassic));
    if (version >= 2) {
        TRY_ASSIGN(value.state_timestamp_ms, reader.read_int64());
    }
    // A member takes at least its five strings' lengths and two byte arrays' lengths.
    TRY_ASSIGN(int32_t count, reader.read_array_count(kClassic, 16));
    for (int32_t i = 0; i < count; ++i) {
        TRY_ASSIGN(StoredMember member, read_member(reader, version));
        value.members.push_back(std::move(member));
    }
    return value;
}

PartitionId offsets_partition_for(std::string_view group, int32_t partition_count) {
    // String.hashCode: h = 31 * h + c over UTF-16 code units, in 32-bit two's complement.
    uint32_t hash = 0;
    auto mix = [&](uint32_t unit) { hash = 31 * hash + unit; };
    for (std::size_t i = 0; i < group.size();) {
        auto byte = static_cast<uint8_t>(group[i]);
        uint32_t code = byte;
        std::size_t length = 1;
        if (byte >= 0xF0) {
            length = 4;
            code = byte & 0x07;
        } else if (byte >= 0xE0) {
            length = 3;
            code = byte & 0x0F;
        } else if (byte >= 0xC0) {
            length = 2;
            code = byte & 0x1F;
        }
        if (i + length > group.size()) {  // truncated UTF-8: the byte as it is
            length = 1;
            code = byte;
        }
        for (std::size_t k = 1; k < length; ++k) {
            code = (code << 6) | (static_cast<uint8_t>(group[i + k]) & 0x3F);
        }
        if (code >= 0x10000) {  // a surrogate pair in UTF-16
            code -= 0x10000;
            mix(0xD800 + (code >> 10));
            mix(0xDC00 + (code & 0x3FF));
        } else {
            mix(code);
        }
        i += length;
    }
    return PartitionId(
        static_cast<int32_t>((hash & 0x7fffffffU) % static_cast<uint32_t>(partition_count)));
}

}  // namespace brook::group
