#include "core/quorum/quorum_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "core/base/check.h"
#include "core/log/record_batch.h"
#include "core/log/record_batch_builder.h"
#include "core/protocol/api_schema.h"
#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"
#include "core/protocol/error_code.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/response_header.h"

namespace brook::quorum {

using protocol::ApiKey;
using protocol::ByteReader;
using protocol::ByteWriter;
using protocol::KafkaError;
using raft::LeaderEpoch;
using raft::NodeId;
using raft::Offset;

namespace {

// Uuid.METADATA_TOPIC_ID: fifteen zero bytes and a one.
constexpr protocol::Uuid kMetadataTopicId = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

// Vote v2 (KIP-996) adds PreVote, but the schemas Brook generates from stop at v1. Brook carries
// the flag as a tagged field of the body's top-level section instead, which any v1 reader
// skips. The tag is far above Kafka's (which count up from 0) so a future Kafka field cannot
// collide with it. Only Brook peers understand it: docs/design/quorum.md says what that costs.
constexpr uint32_t kPreVoteTag = 0x4252;

// LeaderChange's control record key: version 0, type 2 (Kafka's ControlRecordType).
constexpr int16_t kControlKeyVersion = 0;
constexpr int16_t kLeaderChangeControlType = 2;

Error corrupt(std::string what) { return Error(ErrorCode::corruption, std::move(what)); }

template <typename... Functions>
struct Overloaded : Functions... {
    using Functions::operator()...;
};
template <typename... Functions>
Overloaded(Functions...) -> Overloaded<Functions...>;

// ---- error codes ----

KafkaError to_kafka(raft::RaftError error) {
    switch (error) {
        case raft::RaftError::none: return KafkaError::none;
        case raft::RaftError::fenced_leader_epoch: return KafkaError::fenced_leader_epoch;
        case raft::RaftError::not_leader_or_follower: return KafkaError::not_leader_or_follower;
        case raft::RaftError::inconsistent_voter_set: return KafkaError::inconsistent_voter_set;
        case raft::RaftError::inconsistent_cluster_id: return KafkaError::inconsistent_cluster_id;
        case raft::RaftError::snapshot_not_found: return KafkaError::snapshot_not_found;
        case raft::RaftError::position_out_of_range: return KafkaError::position_out_of_range;
    }
    UNREACHABLE("RaftError {}", static_cast<int>(error));
}

Result<raft::RaftError> from_wire(int16_t code) {
    for (raft::RaftError error :
         {raft::RaftError::none, raft::RaftError::fenced_leader_epoch,
          raft::RaftError::not_leader_or_follower, raft::RaftError::inconsistent_voter_set,
          raft::RaftError::inconsistent_cluster_id, raft::RaftError::snapshot_not_found,
          raft::RaftError::position_out_of_range}) {
        if (protocol::to_wire(to_kafka(error)) == code) return error;
    }
    return corrupt(fmt::format("error code {} is not a quorum error", code));
}

// ---- framing ----

// The frame of an encoded header + body (after a 4-byte placeholder): with Brook's PreVote tag
// in place of the body's empty top-level tagged section if asked, and the size prefix set.
std::vector<uint8_t> finish_frame(ByteWriter& writer, bool pre_vote) {
    std::vector<uint8_t> frame = writer.release();
    if (pre_vote) {
        ASSERT(frame.back() == 0, "a Vote body ends with an empty tagged section");
        frame.pop_back();
        ByteWriter tags;
        tags.write_unsigned_varint(1);
        tags.write_tagged_field(kPreVoteTag, [](ByteWriter& payload) { payload.write_bool(true); });
        frame.insert(frame.end(), tags.bytes().begin(), tags.bytes().end());
    }
    ByteWriter size;
    size.write_int32(static_cast<int32_t>(frame.size() - 4));
    std::copy(size.bytes().begin(), size.bytes().end(), frame.begin());
    return frame;
}

std::vector<uint8_t> request_frame(const protocol::AnyRequest& body, int32_t correlation_id,
                                   const std::string& client_id, bool pre_vote) {
    ApiKey api_key = protocol::api_key_of(body);
    int16_t version = wire_version(api_key);
    protocol::RequestHeader header;
    header.api_key = api_key;
    header.api_version = version;
    header.correlation_id = correlation_id;
    header.client_id = client_id;
    ByteWriter writer;
    writer.write_int32(0);
    header.encode(writer, protocol::request_header_version(api_key, version));
    protocol::encode_request(body, version, writer);
    return finish_frame(writer, pre_vote);
}

std::vector<uint8_t> response_frame(const protocol::AnyResponse& body, int32_t correlation_id,
                                    int16_t version, bool pre_vote) {
    ApiKey api_key = protocol::api_key_of(body);
    ByteWriter writer;
    writer.write_int32(0);
    protocol::ResponseHeader{correlation_id}.encode(
        writer, protocol::response_header_version(api_key, version));
    protocol::encode_response(body, version, writer);
    return finish_frame(writer, pre_vote);
}

// Whether a decoded Vote body carried Brook's PreVote tag. `known` is the body re-encoded
// without tagged fields (and without node endpoints for a response): the known fields encode
// to the same bytes, so the original's top-level tagged section starts where known's last
// byte (its empty section) is.
Result<bool> read_pre_vote_tag(std::span<const uint8_t> body, const std::vector<uint8_t>& known) {
    if (known.empty() || known.size() > body.size()) return corrupt("Vote body shorter than its fields");
    ByteReader reader(body.subspan(known.size() - 1));
    TRY_ASSIGN(uint32_t count, reader.read_unsigned_varint());
    bool pre_vote = false;
    for (uint32_t i = 0; i < count; ++i) {
        TRY_ASSIGN(protocol::TaggedField field, reader.read_tagged_field());
        if (field.tag != kPreVoteTag) continue;
        TRY_ASSIGN(pre_vote, field.payload.read_bool());
        TRY(field.payload.expect_end());
    }
    TRY(reader.expect_end());
    return pre_vote;
}

// ---- the one partition ----

// Every KRaft body nests Topics[].Partitions[]; Brook's carry exactly `__cluster_metadata`-0.
template <typename Topic, typename NameOf, typename PartitionsOf, typename IndexOf>
auto only_partition(const std::vector<Topic>& topics, NameOf name_of, PartitionsOf partitions_of,
                    IndexOf index_of, std::string_view what)
    -> Result<const std::remove_reference_t<decltype(partitions_of(topics.front()).front())>*> {
    if (topics.size() != 1) return corrupt(fmt::format("{} names {} topics", what, topics.size()));
    if (!name_of(topics.front())) return corrupt(fmt::format("{} names another topic", what));
    const auto& partitions = partitions_of(topics.front());
    if (partitions.size() != 1 || index_of(partitions.front()) != 0) {
        return corrupt(fmt::format("{} is not for partition 0 alone", what));
    }
    return &partitions.front();
}

template <typename Topic>
auto by_name(const std::vector<Topic>& topics, std::string_view what) {
    return only_partition(
        topics, [](const Topic& t) { return t.topic_name == kMetadataTopic; },
        [](const Topic& t) -> const auto& { return t.partitions; },
        [](const auto& p) { return p.partition_index; }, what);
}

template <typename Topic>
Topic metadata_topic(typename decltype(Topic::partitions)::value_type partition) {
    Topic topic;
    topic.topic_name = std::string(kMetadataTopic);
    topic.partitions.push_back(std::move(partition));
    return topic;
}

// ---- Fetch's records: one batch per entry ----

std::vector<uint8_t> entry_batch(const raft::Entry& entry) {
    log::RecordBatchBuilder builder(0);
    log::Record record;
    record.value = log::Bytes(entry.data.begin(), entry.data.end());
    if (entry.kind == raft::EntryKind::leader_change) {
        ByteWriter key;
        key.write_int16(kControlKeyVersion);
        key.write_int16(kLeaderChangeControlType);
        record.key = key.bytes();
        builder.set_control();
    }
    builder.add(std::move(record));
    std::vector<uint8_t> batch = builder.build();
    log::set_base_offset(batch, entry.offset);
    log::set_partition_leader_epoch(batch, entry.epoch);
    return batch;
}

std::vector<uint8_t> entries_to_records(const std::vector<raft::Entry>& entries) {
    std::vector<uint8_t> records;
    for (const raft::Entry& entry : entries) {
        std::vector<uint8_t> batch = entry_batch(entry);
        records.insert(records.end(), batch.begin(), batch.end());
    }
    return records;
}

Result<std::vector<raft::Entry>> records_to_entries(std::span<const uint8_t> records) {
    std::vector<raft::Entry> entries;
    if (records.empty()) return entries;
    TRY_ASSIGN(std::vector<log::RecordBatchView> batches, log::parse_record_set(records));
    for (const log::RecordBatchView& batch : batches) {
        TRY_ASSIGN(std::vector<log::Record> decoded, log::decode_records(batch));
        if (decoded.size() != 1) {
            return corrupt(fmt::format("a metadata batch of {} records", decoded.size()));
        }
        if (batch.base_offset() < Offset(0) || batch.partition_leader_epoch() < LeaderEpoch(0)) {
            return corrupt("a metadata batch with a negative offset or epoch");
        }
        if (!entries.empty() && batch.base_offset().value() - 1 != entries.back().offset.value()) {
            return corrupt("metadata batches are not dense");
        }
        log::Record& record = decoded.front();
        raft::Entry entry{batch.base_offset(), batch.partition_leader_epoch(),
                          raft::EntryKind::data, {}};
        if (record.value) entry.data.assign(record.value->begin(), record.value->end());
        if (batch.attributes() & log::kControlBit) {
            if (!record.key || record.key->size() != 4) return corrupt("a control record key");
            ByteReader key(*record.key);
            TRY_ASSIGN(int16_t key_version, key.read_int16());
            TRY_ASSIGN(int16_t type, key.read_int16());
            if (key_version != kControlKeyVersion || type != kLeaderChangeControlType) {
                return corrupt(fmt::format("control record v{} type {}", key_version, type));
            }
            entry.kind = raft::EntryKind::leader_change;
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

// ---- bodies: raft -> Kafka ----

protocol::AnyRequest to_kafka_request(const raft::Message& message) {
    std::optional<std::string> cluster_id = message.cluster_id;
    return std::visit(
        Overloaded{
            [&](const raft::VoteRequest& r) -> protocol::AnyRequest {
                protocol::VoteRequest out;
                out.cluster_id = cluster_id;
                out.voter_id = message.to.value();
                out.topics.push_back(metadata_topic<protocol::VoteRequest::TopicData>(
                    {.partition_index = 0,
                     .candidate_epoch = r.candidate_epoch.value(),
                     .candidate_id = r.candidate_id.value(),
                     .last_offset_epoch = r.last_offset_epoch.value(),
                     .last_offset = r.last_offset.value()}));
                return out;
            },
            [&](const raft::BeginQuorumEpochRequest& r) -> protocol::AnyRequest {
                protocol::BeginQuorumEpochRequest out;
                out.cluster_id = cluster_id;
                out.voter_id = message.to.value();
                out.topics.push_back(metadata_topic<protocol::BeginQuorumEpochRequest::TopicData>(
                    {.partition_index = 0,
                     .leader_id = r.leader_id.value(),
                     .leader_epoch = r.leader_epoch.value()}));
                return out;
            },
            [&](const raft::EndQuorumEpochRequest& r) -> protocol::AnyRequest {
                protocol::EndQuorumEpochRequest out;
                out.cluster_id = cluster_id;
                protocol::EndQuorumEpochRequest::PartitionData partition;
                partition.leader_id = r.leader_id.value();
                partition.leader_epoch = r.leader_epoch.value();
                for (NodeId successor : r.preferred_successors) {
                    partition.preferred_candidates.push_back({.candidate_id = successor.value()});
                }
                out.topics.push_back(
                    metadata_topic<protocol::EndQuorumEpochRequest::TopicData>(std::move(partition)));
                return out;
            },
            [&](const raft::FetchRequest& r) -> protocol::AnyRequest {
                protocol::FetchRequest out;
                out.cluster_id = cluster_id;
                out.replica_state.replica_id = r.replica_id.value();
                protocol::FetchRequest::FetchTopic topic;
                topic.topic_id = kMetadataTopicId;
                protocol::FetchRequest::FetchPartition partition;
                partition.partition = 0;
                partition.current_leader_epoch = r.current_leader_epoch.value();
                partition.fetch_offset = r.fetch_offset.value();
                partition.last_fetched_epoch = r.last_fetched_epoch.value();
                partition.partition_max_bytes = out.max_bytes;
                topic.partitions.push_back(partition);
                out.topics.push_back(std::move(topic));
                return out;
            },
            [&](const raft::FetchSnapshotRequest& r) -> protocol::AnyRequest {
                protocol::FetchSnapshotRequest out;
                out.cluster_id = cluster_id;
                out.replica_id = r.replica_id.value();
                protocol::FetchSnapshotRequest::TopicSnapshot topic;
                topic.name = std::string(kMetadataTopic);
                protocol::FetchSnapshotRequest::PartitionSnapshot partition;
                partition.partition = 0;
                partition.current_leader_epoch = r.current_leader_epoch.value();
                partition.snapshot_id = {r.snapshot_id.end_offset.value(),
                                         r.snapshot_id.epoch.value()};
                partition.position = r.position;
                topic.partitions.push_back(partition);
                out.topics.push_back(std::move(topic));
                return out;
            },
            [&](const auto& other) -> protocol::AnyRequest {
                UNREACHABLE("{} is not a request", raft::describe(message));
            },
        },
        message.body);
}

protocol::AnyResponse to_kafka_response(const raft::Message& message) {
    return std::visit(
        Overloaded{
            [&](const raft::VoteResponse& r) -> protocol::AnyResponse {
                protocol::VoteResponse out;
                out.topics.push_back(metadata_topic<protocol::VoteResponse::TopicData>(
                    {.partition_index = 0,
                     .error_code = protocol::to_wire(to_kafka(r.error)),
                     .leader_id = r.leader_id.value(),
                     .leader_epoch = r.leader_epoch.value(),
                     .vote_granted = r.vote_granted}));
                return out;
            },
            [&](const raft::BeginQuorumEpochResponse& r) -> protocol::AnyResponse {
                protocol::BeginQuorumEpochResponse out;
                out.topics.push_back(metadata_topic<protocol::BeginQuorumEpochResponse::TopicData>(
                    {.partition_index = 0,
                     .error_code = protocol::to_wire(to_kafka(r.error)),
                     .leader_id = r.leader_id.value(),
                     .leader_epoch = r.leader_epoch.value()}));
                return out;
            },
            [&](const raft::EndQuorumEpochResponse& r) -> protocol::AnyResponse {
                protocol::EndQuorumEpochResponse out;
                out.topics.push_back(metadata_topic<protocol::EndQuorumEpochResponse::TopicData>(
                    {.partition_index = 0,
                     .error_code = protocol::to_wire(to_kafka(r.error)),
                     .leader_id = r.leader_id.value(),
                     .leader_epoch = r.leader_epoch.value()}));
                return out;
            },
            [&](const raft::FetchResponse& r) -> protocol::AnyResponse {
                protocol::FetchResponse out;
                protocol::FetchResponse::FetchableTopicResponse topic;
                topic.topic_id = kMetadataTopicId;
                protocol::FetchResponse::PartitionData partition;
                partition.partition_index = 0;
                partition.error_code = protocol::to_wire(to_kafka(r.error));
                partition.high_watermark = r.high_watermark.value();
                partition.log_start_offset = r.log_start_offset.value();
                partition.current_leader = {r.leader_id.value(), r.leader_epoch.value()};
                if (r.diverging_epoch) {
                    partition.diverging_epoch = {r.diverging_epoch->epoch.value(),
                                                 r.diverging_epoch->end_offset.value()};
                }
                if (r.snapshot_id) {
                    partition.snapshot_id = {r.snapshot_id->end_offset.value(),
                                             r.snapshot_id->epoch.value()};
                }
                partition.records = entries_to_records(r.records);
                topic.partitions.push_back(std::move(partition));
                out.responses.push_back(std::move(topic));
                return out;
            },
            [&](const raft::FetchSnapshotResponse& r) -> protocol::AnyResponse {
                protocol::FetchSnapshotResponse out;
                protocol::FetchSnapshotResponse::TopicSnapshot topic;
                topic.name = std::string(kMetadataTopic);
                protocol::FetchSnapshotResponse::PartitionSnapshot partition;
                partition.index = 0;
                partition.error_code = protocol::to_wire(to_kafka(r.error));
                partition.snapshot_id = {r.snapshot_id.end_offset.value(),
                                         r.snapshot_id.epoch.value()};
                partition.current_leader = {r.leader_id.value(), r.leader_epoch.value()};
                partition.size = r.size;
                partition.position = r.position;
                partition.unaligned_records = std::vector<uint8_t>(r.bytes.begin(), r.bytes.end());
                topic.partitions.push_back(std::move(partition));
                out.topics.push_back(std::move(topic));
                return out;
            },
            [&](const auto& other) -> protocol::AnyResponse {
                UNREACHABLE("{} is not a response", raft::describe(message));
            },
        },
        message.body);
}

// ---- bodies: Kafka -> raft ----

Result<raft::Message> from_kafka_request(const protocol::AnyRequest& request,
                                         std::span<const uint8_t> body, int16_t version) {
    raft::Message message;
    auto cluster = [](const std::optional<std::string>& id) { return id.value_or(""); };
    if (auto* r = std::get_if<protocol::VoteRequest>(&request)) {
        TRY_ASSIGN(auto* p, by_name(r->topics, "Vote"));
        protocol::VoteRequest known = *r;
        ByteWriter writer;
        known.encode(writer, version);
        TRY_ASSIGN(bool pre_vote, read_pre_vote_tag(body, writer.bytes()));
        message.from = NodeId(p->candidate_id);
        message.cluster_id = cluster(r->cluster_id);
        message.body = raft::VoteRequest{LeaderEpoch(p->candidate_epoch), NodeId(p->candidate_id),
                                         LeaderEpoch(p->last_offset_epoch),
                                         Offset(p->last_offset), pre_vote};
    } else if (auto* r = std::get_if<protocol::BeginQuorumEpochRequest>(&request)) {
        TRY_ASSIGN(auto* p, by_name(r->topics, "BeginQuorumEpoch"));
        message.from = NodeId(p->leader_id);
        message.cluster_id = cluster(r->cluster_id);
        message.body =
            raft::BeginQuorumEpochRequest{NodeId(p->leader_id), LeaderEpoch(p->leader_epoch)};
    } else if (auto* r = std::get_if<protocol::EndQuorumEpochRequest>(&request)) {
        TRY_ASSIGN(auto* p, by_name(r->topics, "EndQuorumEpoch"));
        raft::EndQuorumEpochRequest end{NodeId(p->leader_id), LeaderEpoch(p->leader_epoch), {}};
        for (int32_t id : p->preferred_successors) end.preferred_successors.push_back(NodeId(id));
        for (const auto& candidate : p->preferred_candidates) {
            end.preferred_successors.push_back(NodeId(candidate.candidate_id));
        }
        message.from = end.leader_id;
        message.cluster_id = cluster(r->cluster_id);
        message.body = std::move(end);
    } else if (auto* r = std::get_if<protocol::FetchRequest>(&request)) {
        TRY_ASSIGN(auto* p,
                   only_partition(
                       r->topics,
                       [](const protocol::FetchRequest::FetchTopic& t) {
                           return t.topic_id == kMetadataTopicId;
                       },
                       [](const protocol::FetchRequest::FetchTopic& t) -> const auto& {
                           return t.partitions;
                       },
                       [](const auto& p) { return p.partition; }, "Fetch"));
        NodeId replica(version >= 15 ? r->replica_state.replica_id : r->replica_id);
        message.from = replica;
        message.cluster_id = cluster(r->cluster_id);
        message.body = raft::FetchRequest{replica, LeaderEpoch(p->current_leader_epoch),
                                          Offset(p->fetch_offset),
                                          LeaderEpoch(p->last_fetched_epoch)};
    } else if (auto* r = std::get_if<protocol::FetchSnapshotRequest>(&request)) {
        TRY_ASSIGN(auto* p,
                   only_partition(
                       r->topics,
                       [](const protocol::FetchSnapshotRequest::TopicSnapshot& t) {
                           return t.name == kMetadataTopic;
                       },
                       [](const protocol::FetchSnapshotRequest::TopicSnapshot& t) -> const auto& {
                           return t.partitions;
                       },
                       [](const auto& p) { return p.partition; }, "FetchSnapshot"));
        message.from = NodeId(r->replica_id);
        message.cluster_id = cluster(r->cluster_id);
        message.body = raft::FetchSnapshotRequest{
            NodeId(r->replica_id), LeaderEpoch(p->current_leader_epoch),
            raft::SnapshotId{Offset(p->snapshot_id.end_offset), LeaderEpoch(p->snapshot_id.epoch)},
            p->position};
    } else {
        return Error(ErrorCode::unsupported, "not a Raft request");
    }
    return message;
}

Result<raft::MessageBody> from_kafka_response(const protocol::AnyResponse& response,
                                              std::span<const uint8_t> body, int16_t version) {
    if (auto* r = std::get_if<protocol::VoteResponse>(&response)) {
        TRY(from_wire(r->error_code));  // a top-level error means no partition data
        if (r->error_code != 0) return corrupt("Vote answered with a top-level error");
        TRY_ASSIGN(auto* p, by_name(r->topics, "Vote"));
        protocol::VoteResponse known = *r;
        known.node_endpoints.clear();
        ByteWriter writer;
        known.encode(writer, version);
        TRY_ASSIGN(bool pre_vote, read_pre_vote_tag(body, writer.bytes()));
        TRY_ASSIGN(raft::RaftError error, from_wire(p->error_code));
        return raft::MessageBody(raft::VoteResponse{error, NodeId(p->leader_id), LeaderEpoch(p->leader_epoch),
                                  p->vote_granted, pre_vote});
    }
    if (auto* r = std::get_if<protocol::BeginQuorumEpochResponse>(&response)) {
        if (r->error_code != 0) return corrupt("BeginQuorumEpoch answered with a top-level error");
        TRY_ASSIGN(auto* p, by_name(r->topics, "BeginQuorumEpoch"));
        TRY_ASSIGN(raft::RaftError error, from_wire(p->error_code));
        return raft::MessageBody(raft::BeginQuorumEpochResponse{error, NodeId(p->leader_id),
                                                                LeaderEpoch(p->leader_epoch)});
    }
    if (auto* r = std::get_if<protocol::EndQuorumEpochResponse>(&response)) {
        if (r->error_code != 0) return corrupt("EndQuorumEpoch answered with a top-level error");
        TRY_ASSIGN(auto* p, by_name(r->topics, "EndQuorumEpoch"));
        TRY_ASSIGN(raft::RaftError error, from_wire(p->error_code));
        return raft::MessageBody(raft::EndQuorumEpochResponse{error, NodeId(p->leader_id),
                                                              LeaderEpoch(p->leader_epoch)});
    }
    if (auto* r = std::get_if<protocol::FetchResponse>(&response)) {
        if (r->error_code != 0) return corrupt("Fetch answered with a top-level error");
        TRY_ASSIGN(auto* p,
                   only_partition(
                       r->responses,
                       [](const protocol::FetchResponse::FetchableTopicResponse& t) {
                           return t.topic_id == kMetadataTopicId;
                       },
                       [](const protocol::FetchResponse::FetchableTopicResponse& t)
                           -> const auto& { return t.partitions; },
                       [](const auto& p) { return p.partition_index; }, "Fetch"));
        raft::FetchResponse out;
        TRY_ASSIGN(out.error, from_wire(p->error_code));
        out.leader_id = NodeId(p->current_leader.leader_id);
        out.leader_epoch = LeaderEpoch(p->current_leader.leader_epoch);
        out.high_watermark = Offset(p->high_watermark);
        out.log_start_offset = Offset(p->log_start_offset);
        // Kafka's defaults (-1, -1) mean absent.
        if (p->diverging_epoch.epoch >= 0 && p->diverging_epoch.end_offset >= 0) {
            out.diverging_epoch = raft::DivergingEpoch{LeaderEpoch(p->diverging_epoch.epoch),
                                                       Offset(p->diverging_epoch.end_offset)};
        }
        if (p->snapshot_id.epoch >= 0 && p->snapshot_id.end_offset >= 0) {
            out.snapshot_id = raft::SnapshotId{Offset(p->snapshot_id.end_offset),
                                               LeaderEpoch(p->snapshot_id.epoch)};
        }
        if (p->records) {
            TRY_ASSIGN(out.records, records_to_entries(*p->records));
        }
        int present = (out.diverging_epoch ? 1 : 0) + (out.snapshot_id ? 1 : 0) +
                      (out.records.empty() ? 0 : 1);
        if (present > 1) return corrupt("Fetch answer with more than one of divergence, snapshot, records");
        return raft::MessageBody(std::move(out));
    }
    if (auto* r = std::get_if<protocol::FetchSnapshotResponse>(&response)) {
        if (r->error_code != 0) return corrupt("FetchSnapshot answered with a top-level error");
        TRY_ASSIGN(auto* p,
                   only_partition(
                       r->topics,
                       [](const protocol::FetchSnapshotResponse::TopicSnapshot& t) {
                           return t.name == kMetadataTopic;
                       },
                       [](const protocol::FetchSnapshotResponse::TopicSnapshot& t)
                           -> const auto& { return t.partitions; },
                       [](const auto& p) { return p.index; }, "FetchSnapshot"));
        raft::FetchSnapshotResponse out;
        TRY_ASSIGN(out.error, from_wire(p->error_code));
        out.leader_id = NodeId(p->current_leader.leader_id);
        out.leader_epoch = LeaderEpoch(p->current_leader.leader_epoch);
        out.snapshot_id = {Offset(p->snapshot_id.end_offset), LeaderEpoch(p->snapshot_id.epoch)};
        out.size = p->size;
        out.position = p->position;
        if (p->unaligned_records) out.bytes.assign(p->unaligned_records->begin(),
                                                   p->unaligned_records->end());
        return raft::MessageBody(std::move(out));
    }
    return Error(ErrorCode::unsupported, "not a Raft response");
}

bool is_pre_vote(const raft::MessageBody& body) {
    if (auto* r = std::get_if<raft::VoteRequest>(&body)) return r->pre_vote;
    if (auto* r = std::get_if<raft::VoteResponse>(&body)) return r->pre_vote;
    return false;
}

}  // namespace

int16_t wire_version(ApiKey api_key) {
    switch (api_key) {
        case ApiKey::vote:
        case ApiKey::begin_quorum_epoch:
        case ApiKey::end_quorum_epoch:
        case ApiKey::fetch_snapshot: return 1;
        case ApiKey::fetch: return 17;
        case ApiKey::describe_quorum: return 2;
        default: UNREACHABLE("{} is not a quorum API", protocol::api_key_name(api_key));
    }
}

VersionRange accepted_versions(ApiKey api_key) {
    switch (api_key) {
        case ApiKey::vote:
        case ApiKey::begin_quorum_epoch:
        case ApiKey::end_quorum_epoch:
        case ApiKey::fetch_snapshot: return {0, 1};
        case ApiKey::fetch: return {13, 17};
        case ApiKey::describe_quorum: return {0, 2};
        default: UNREACHABLE("{} is not a quorum API", protocol::api_key_name(api_key));
    }
}

bool is_quorum_api(ApiKey api_key) {
    return std::find(kQuorumApis.begin(), kQuorumApis.end(), api_key) != kQuorumApis.end();
}

bool accepts_version(ApiKey api_key, int16_t version) {
    if (!is_quorum_api(api_key)) return false;
    VersionRange range = accepted_versions(api_key);
    return version >= range.min_version && version <= range.max_version;
}

ApiKey api_key_of(const raft::MessageBody& body) {
    return std::visit(
        Overloaded{
            [](const raft::VoteRequest&) { return ApiKey::vote; },
            [](const raft::VoteResponse&) { return ApiKey::vote; },
            [](const raft::BeginQuorumEpochRequest&) { return ApiKey::begin_quorum_epoch; },
            [](const raft::BeginQuorumEpochResponse&) { return ApiKey::begin_quorum_epoch; },
            [](const raft::EndQuorumEpochRequest&) { return ApiKey::end_quorum_epoch; },
            [](const raft::EndQuorumEpochResponse&) { return ApiKey::end_quorum_epoch; },
            [](const raft::FetchRequest&) { return ApiKey::fetch; },
            [](const raft::FetchResponse&) { return ApiKey::fetch; },
            [](const raft::FetchSnapshotRequest&) { return ApiKey::fetch_snapshot; },
            [](const raft::FetchSnapshotResponse&) { return ApiKey::fetch_snapshot; },
        },
        body);
}

std::vector<uint8_t> encode_request_frame(const raft::Message& message, int32_t correlation_id,
                                          const std::string& client_id) {
    ASSERT(raft::is_request(message.body), "{} is not a request", raft::describe(message));
    return request_frame(to_kafka_request(message), correlation_id, client_id,
                         is_pre_vote(message.body));
}

Result<InboundRequest> decode_request_frame(std::span<const uint8_t> frame, NodeId self) {
    ByteReader reader(frame);
    TRY_ASSIGN(protocol::RequestHeader header, protocol::decode_request_header(reader));
    std::string what = fmt::format("{} v{}", protocol::api_key_name(header.api_key),
                                   header.api_version);
    if (header.api_key == ApiKey::describe_quorum || !accepts_version(header.api_key,
                                                                      header.api_version)) {
        return Error(ErrorCode::unsupported, fmt::format("{} is not a Raft request", what));
    }
    std::span<const uint8_t> body = frame.subspan(reader.position());
    TRY_ASSIGN(protocol::AnyRequest request,
               protocol::decode_request(header.api_key, header.api_version, body));
    Result<raft::Message> message = from_kafka_request(request, body, header.api_version);
    if (!message) return message.error().wrap(what);
    message->to = self;
    message->correlation_id = static_cast<uint32_t>(header.correlation_id);
    return InboundRequest{std::move(header), std::move(*message)};
}

std::vector<uint8_t> encode_response_frame(const raft::Message& message, int32_t correlation_id,
                                           int16_t version) {
    ASSERT(!raft::is_request(message.body), "{} is not a response", raft::describe(message));
    ASSERT(accepts_version(api_key_of(message.body), version), "version {}", version);
    return response_frame(to_kafka_response(message), correlation_id, version,
                          is_pre_vote(message.body));
}

std::vector<uint8_t> encode_other_response_frame(const protocol::AnyResponse& response,
                                                 int32_t correlation_id, int16_t version) {
    return response_frame(response, correlation_id, version, false);
}

Result<int32_t> peek_response_correlation_id(std::span<const uint8_t> frame) {
    ByteReader reader(frame);
    return reader.read_int32();
}

Result<raft::Message> decode_response_frame(std::span<const uint8_t> frame, ApiKey api_key,
                                            int16_t version, NodeId from, NodeId to) {
    ByteReader reader(frame);
    protocol::ResponseHeader header;
    TRY(header.decode(reader, protocol::response_header_version(api_key, version)));
    std::span<const uint8_t> body = frame.subspan(reader.position());
    TRY_ASSIGN(protocol::AnyResponse response, protocol::decode_response(api_key, version, body));
    Result<raft::MessageBody> decoded = from_kafka_response(response, body, version);
    if (!decoded) {
        return decoded.error().wrap(
            fmt::format("{} v{} answer", protocol::api_key_name(api_key), version));
    }
    return raft::Message{from, to, 0, "", std::move(*decoded)};
}

Result<void> check_describe_quorum_request(std::span<const uint8_t> body, int16_t version) {
    TRY_ASSIGN(protocol::AnyRequest request,
               protocol::decode_request(ApiKey::describe_quorum, version, body));
    const auto& describe = std::get<protocol::DescribeQuorumRequest>(request);
    TRY(by_name(describe.topics, "DescribeQuorum"));
    return {};
}

namespace {

std::vector<protocol::DescribeQuorumResponse::ReplicaState> replica_states(
    const std::vector<ReplicaStatus>& replicas, int16_t version) {
    std::vector<protocol::DescribeQuorumResponse::ReplicaState> out;
    for (const ReplicaStatus& replica : replicas) {
        protocol::DescribeQuorumResponse::ReplicaState state;
        state.replica_id = replica.id.value();
        state.log_end_offset = replica.log_end_offset.value();
        if (version >= 1) {
            state.last_fetch_timestamp = replica.last_fetch_ms;
            state.last_caught_up_timestamp = replica.last_caught_up_ms;
        }
        out.push_back(state);
    }
    return out;
}

std::vector<ReplicaStatus> replica_statuses(
    const std::vector<protocol::DescribeQuorumResponse::ReplicaState>& states) {
    std::vector<ReplicaStatus> out;
    for (const auto& state : states) {
        out.push_back({NodeId(state.replica_id), Offset(state.log_end_offset),
                       state.last_fetch_timestamp, state.last_caught_up_timestamp});
    }
    return out;
}

}  // namespace

std::vector<uint8_t> encode_describe_quorum_response_frame(const QuorumStatus& status,
                                                           int32_t correlation_id,
                                                           int16_t version) {
    ASSERT(accepts_version(ApiKey::describe_quorum, version), "version {}", version);
    protocol::DescribeQuorumResponse out;
    protocol::DescribeQuorumResponse::PartitionData partition;
    if (version >= 2) {  // null: no error (the field's default is "", which v0-1 cannot carry)
        out.error_message.reset();
        partition.error_message.reset();
    }
    partition.partition_index = 0;
    partition.leader_id = status.leader_id.value();
    partition.leader_epoch = status.leader_epoch.value();
    partition.high_watermark = status.high_watermark.value();
    partition.current_voters = replica_states(status.voters, version);
    partition.observers = replica_states(status.observers, version);
    out.topics.push_back(
        metadata_topic<protocol::DescribeQuorumResponse::TopicData>(std::move(partition)));
    return response_frame(out, correlation_id, version, false);
}

std::vector<uint8_t> encode_describe_quorum_request_frame(int32_t correlation_id,
                                                          const std::string& client_id) {
    protocol::DescribeQuorumRequest request;
    request.topics.push_back(
        metadata_topic<protocol::DescribeQuorumRequest::TopicData>({.partition_index = 0}));
    return request_frame(request, correlation_id, client_id, false);
}

Result<QuorumStatus> decode_describe_quorum_response_frame(std::span<const uint8_t> frame,
                                                           int16_t version) {
    ByteReader reader(frame);
    protocol::ResponseHeader header;
    TRY(header.decode(reader, protocol::response_header_version(ApiKey::describe_quorum, version)));
    TRY_ASSIGN(protocol::AnyResponse response,
               protocol::decode_response(ApiKey::describe_quorum, version,
                                         frame.subspan(reader.position())));
    const auto& describe = std::get<protocol::DescribeQuorumResponse>(response);
    if (describe.error_code != 0) {
        return corrupt(fmt::format("DescribeQuorum error {}", describe.error_code));
    }
    TRY_ASSIGN(auto* p, by_name(describe.topics, "DescribeQuorum"));
    if (p->error_code != 0) return corrupt(fmt::format("DescribeQuorum error {}", p->error_code));
    return QuorumStatus{NodeId(p->leader_id), LeaderEpoch(p->leader_epoch),
                        Offset(p->high_watermark), replica_statuses(p->current_voters),
                        replica_statuses(p->observers)};
}

}  // namespace brook::quorum
