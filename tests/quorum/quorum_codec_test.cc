#include "core/quorum/quorum_codec.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/log/record_batch.h"
#include "core/log/record_batch_builder.h"
#include "core/protocol/byte_writer.h"
#include "core/protocol/error_code.h"

namespace brook::quorum {
namespace {

using protocol::ApiKey;
using raft::Entry;
using raft::LeaderEpoch;
using raft::Message;
using raft::NodeId;
using raft::Offset;
using raft::RaftError;

rc::Gen<NodeId> node_id() {
    return rc::gen::map(rc::gen::inRange<int32_t>(-1, 100), [](int32_t id) { return NodeId(id); });
}
rc::Gen<LeaderEpoch> epoch() {
    return rc::gen::map(rc::gen::inRange<int32_t>(0, 1'000'000),
                        [](int32_t e) { return LeaderEpoch(e); });
}
rc::Gen<Offset> offset() {
    return rc::gen::map(rc::gen::inRange<int64_t>(0, int64_t(1) << 50),
                        [](int64_t o) { return Offset(o); });
}
rc::Gen<RaftError> raft_error() {
    return rc::gen::element(RaftError::none, RaftError::fenced_leader_epoch,
                            RaftError::not_leader_or_follower, RaftError::inconsistent_voter_set,
                            RaftError::inconsistent_cluster_id, RaftError::snapshot_not_found,
                            RaftError::position_out_of_range);
}
rc::Gen<std::string> bytes_string() {
    return rc::gen::container<std::string>(rc::gen::arbitrary<char>());
}

// A request of any kind whose sender id (from) matches the body's, as on the wire.
Message arbitrary_request() {
    Message m;
    m.to = *node_id();
    m.cluster_id = *bytes_string();
    switch (*rc::gen::inRange(0, 5)) {
        case 0:
            m.body = raft::VoteRequest{*epoch(), *node_id(), *epoch(), *offset(),
                                       *rc::gen::arbitrary<bool>()};
            m.from = std::get<raft::VoteRequest>(m.body).candidate_id;
            break;
        case 1:
            m.body = raft::BeginQuorumEpochRequest{*node_id(), *epoch()};
            m.from = std::get<raft::BeginQuorumEpochRequest>(m.body).leader_id;
            break;
        case 2:
            m.body = raft::EndQuorumEpochRequest{*node_id(), *epoch(),
                                                 *rc::gen::container<std::vector<NodeId>>(node_id())};
            m.from = std::get<raft::EndQuorumEpochRequest>(m.body).leader_id;
            break;
        case 3:
            m.body = raft::FetchRequest{*node_id(), *epoch(), *offset(), *epoch()};
            m.from = std::get<raft::FetchRequest>(m.body).replica_id;
            break;
        default:
            m.body = raft::FetchSnapshotRequest{*node_id(), *epoch(),
                                                raft::SnapshotId{*offset(), *epoch()},
                                                *rc::gen::inRange<int64_t>(0, 1 << 30)};
            m.from = std::get<raft::FetchSnapshotRequest>(m.body).replica_id;
            break;
    }
    return m;
}

std::vector<Entry> arbitrary_entries() {
    std::vector<Entry> entries;
    Offset next = *offset();
    LeaderEpoch at = *epoch();
    int count = *rc::gen::inRange(1, 6);
    for (int i = 0; i < count; ++i) {
        at = at + *rc::gen::inRange(0, 2);
        entries.push_back(Entry{next, at,
                                *rc::gen::element(raft::EntryKind::data,
                                                  raft::EntryKind::leader_change),
                                *bytes_string()});
        next = next + 1;
    }
    return entries;
}

Message arbitrary_response() {
    Message m;
    m.from = *node_id();
    m.to = *node_id();
    switch (*rc::gen::inRange(0, 5)) {
        case 0:
            m.body = raft::VoteResponse{*raft_error(), *node_id(), *epoch(),
                                        *rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>()};
            break;
        case 1: m.body = raft::BeginQuorumEpochResponse{*raft_error(), *node_id(), *epoch()}; break;
        case 2: m.body = raft::EndQuorumEpochResponse{*raft_error(), *node_id(), *epoch()}; break;
        case 3: {
            raft::FetchResponse r;
            r.error = *raft_error();
            r.leader_id = *node_id();
            r.leader_epoch = *epoch();
            r.high_watermark = Offset(*rc::gen::inRange<int64_t>(-1, 1 << 30));
            r.log_start_offset = Offset(*rc::gen::inRange<int64_t>(-1, 1 << 30));
            switch (*rc::gen::inRange(0, 4)) {
                case 0: r.diverging_epoch = raft::DivergingEpoch{*epoch(), *offset()}; break;
                case 1: r.snapshot_id = raft::SnapshotId{*offset(), *epoch()}; break;
                case 2: r.records = arbitrary_entries(); break;
                default: break;
            }
            m.body = std::move(r);
            break;
        }
        default:
            m.body = raft::FetchSnapshotResponse{*raft_error(),
                                                 *node_id(),
                                                 *epoch(),
                                                 raft::SnapshotId{*offset(), *epoch()},
                                                 *rc::gen::inRange<int64_t>(0, 1 << 30),
                                                 *rc::gen::inRange<int64_t>(0, 1 << 30),
                                                 *bytes_string()};
            break;
    }
    return m;
}

std::span<const uint8_t> without_size(const std::vector<uint8_t>& frame) {
    return std::span<const uint8_t>(frame).subspan(4);
}

// The frame decodes to the same message: every field the encoding carries is compared by
// encoding the decoded message again (encoding carries every body field), the rest directly.
void check_request_round_trip(const Message& m, int32_t correlation_id) {
    std::vector<uint8_t> frame = encode_request_frame(m, correlation_id, "raft-1");
    Result<InboundRequest> in = decode_request_frame(without_size(frame), m.to);
    RC_ASSERT(in.ok());
    RC_ASSERT(in->header.correlation_id == correlation_id);
    RC_ASSERT(in->header.client_id == std::optional<std::string>("raft-1"));
    RC_ASSERT(in->message.from == m.from);
    RC_ASSERT(in->message.to == m.to);
    RC_ASSERT(in->message.cluster_id == m.cluster_id);
    Message expected = m;
    expected.correlation_id = static_cast<uint32_t>(correlation_id);
    RC_ASSERT(raft::describe(in->message) == raft::describe(expected));
    RC_ASSERT(encode_request_frame(in->message, correlation_id, "raft-1") == frame);
}

void check_response_round_trip(const Message& m, int32_t correlation_id) {
    ApiKey api_key = api_key_of(m.body);
    int16_t version = wire_version(api_key);
    std::vector<uint8_t> frame = encode_response_frame(m, correlation_id, version);
    RC_ASSERT(*peek_response_correlation_id(without_size(frame)) == correlation_id);
    Result<Message> back = decode_response_frame(without_size(frame), api_key, version, m.from, m.to);
    RC_ASSERT(back.ok());
    RC_ASSERT(raft::describe(*back) == raft::describe(m));
    RC_ASSERT(encode_response_frame(*back, correlation_id, version) == frame);
    if (auto* fetch = std::get_if<raft::FetchResponse>(&m.body)) {
        RC_ASSERT(std::get<raft::FetchResponse>(back->body).records == fetch->records);
    }
}

TEST_CASE("quorum codec: every request kind round-trips through a Kafka frame", "[quorum]") {
    rc::prop("request", [] { check_request_round_trip(arbitrary_request(), *rc::gen::arbitrary<int32_t>()); });
}

TEST_CASE("quorum codec: every response kind round-trips through a Kafka frame", "[quorum]") {
    rc::prop("response",
             [] { check_response_round_trip(arbitrary_response(), *rc::gen::arbitrary<int32_t>()); });
}

TEST_CASE("quorum codec: a response in every accepted version decodes", "[quorum]") {
    rc::prop("older versions", [] {
        Message m = arbitrary_response();
        ApiKey api_key = api_key_of(m.body);
        int16_t low = api_key == ApiKey::fetch ? 13 : 0;
        int16_t version = *rc::gen::inRange<int16_t>(low, wire_version(api_key) + 1);
        std::vector<uint8_t> frame = encode_response_frame(m, 5, version);
        Result<Message> back = decode_response_frame(without_size(frame), api_key, version, m.from, m.to);
        RC_ASSERT(back.ok());
        RC_ASSERT(raft::describe(*back) == raft::describe(m));
    });
}

TEST_CASE("quorum codec: the wire carries Kafka's error codes", "[quorum]") {
    struct Case {
        RaftError error;
        int16_t code;
    };
    for (Case c : {Case{RaftError::fenced_leader_epoch, 74}, Case{RaftError::not_leader_or_follower, 6},
                   Case{RaftError::inconsistent_voter_set, 94},
                   Case{RaftError::inconsistent_cluster_id, 104},
                   Case{RaftError::snapshot_not_found, 98}, Case{RaftError::position_out_of_range, 99}}) {
        Message m{NodeId(1), NodeId(2), 0, "", raft::BeginQuorumEpochResponse{c.error, NodeId(1), LeaderEpoch(3)}};
        std::vector<uint8_t> frame = encode_response_frame(m, 9, 1);
        // Header v1 (correlation id + empty tags), error_code, topics...: the partition's error
        // code follows the topic name and partition index.
        std::vector<uint8_t> code_bytes = {static_cast<uint8_t>(c.code >> 8),
                                           static_cast<uint8_t>(c.code & 0xff)};
        std::string name(kMetadataTopic);
        std::size_t at = 4 + 4 + 1 + 2 + 1 + 1 + name.size() + 1 + 4;
        REQUIRE(frame.size() > at + 2);
        CHECK(std::vector<uint8_t>(frame.begin() + at, frame.begin() + at + 2) == code_bytes);
    }
}

TEST_CASE("quorum codec: a pre-vote is told apart from a vote", "[quorum]") {
    raft::VoteRequest vote{LeaderEpoch(4), NodeId(1), LeaderEpoch(3), Offset(10), false};
    raft::VoteRequest pre = vote;
    pre.pre_vote = true;
    Message a{NodeId(1), NodeId(2), 0, "c", vote};
    Message b{NodeId(1), NodeId(2), 0, "c", pre};
    auto decoded = [](const Message& m) {
        std::vector<uint8_t> frame = encode_request_frame(m, 1, "raft-1");
        return std::get<raft::VoteRequest>(decode_request_frame(without_size(frame), NodeId(2))->message.body);
    };
    CHECK_FALSE(decoded(a).pre_vote);
    CHECK(decoded(b).pre_vote);
    // Only the pre-vote carries the tag (count, 3-byte tag, size, bool instead of an empty
    // section): a plain Vote stays Kafka's v1.
    CHECK(encode_request_frame(b, 1, "raft-1").size() ==
          encode_request_frame(a, 1, "raft-1").size() + 5);
}

TEST_CASE("quorum codec: the LeaderChange entry travels as a control batch", "[quorum]") {
    raft::FetchResponse fetch;
    fetch.leader_id = NodeId(1);
    fetch.leader_epoch = LeaderEpoch(5);
    fetch.records = {Entry{Offset(7), LeaderEpoch(5), raft::EntryKind::leader_change, "lc"},
                     Entry{Offset(8), LeaderEpoch(5), raft::EntryKind::data, "d"}};
    Message m{NodeId(1), NodeId(2), 0, "", fetch};
    std::vector<uint8_t> frame = encode_response_frame(m, 1, 17);
    Result<Message> back = decode_response_frame(without_size(frame), ApiKey::fetch, 17, NodeId(1), NodeId(2));
    REQUIRE(back.ok());
    CHECK(std::get<raft::FetchResponse>(back->body).records == fetch.records);
}

TEST_CASE("quorum codec: bad frames are errors, not crashes", "[quorum]") {
    Message vote{NodeId(1), NodeId(2), 0, "c",
                 raft::VoteRequest{LeaderEpoch(4), NodeId(1), LeaderEpoch(3), Offset(10), false}};
    std::vector<uint8_t> frame = encode_request_frame(vote, 1, "raft-1");
    SECTION("every truncation") {
        for (std::size_t n = 4; n < frame.size(); ++n) {
            CHECK_FALSE(decode_request_frame(std::span<const uint8_t>(frame).subspan(4, n - 4), NodeId(2)).ok());
        }
    }
    SECTION("an API that is not Raft's") {
        std::vector<uint8_t> describe = encode_describe_quorum_request_frame(1, "tool");
        CHECK(decode_request_frame(without_size(describe), NodeId(2)).error().code() ==
              ErrorCode::unsupported);
    }
    SECTION("another partition") {
        Message fetch{NodeId(3), NodeId(1), 0, "c", raft::FetchRequest{NodeId(3), LeaderEpoch(1), Offset(0), LeaderEpoch(0)}};
        std::vector<uint8_t> bytes = encode_request_frame(fetch, 1, "raft-3");
        // The partition index (int32 0) follows the 16-byte topic id; make it 1.
        std::vector<uint8_t> topic_id(15, 0);
        topic_id.push_back(1);
        auto at = std::search(bytes.begin(), bytes.end(), topic_id.begin(), topic_id.end());
        REQUIRE(at != bytes.end());
        at[16 + 1 + 3] = 1;  // after the compact array count of partitions
        CHECK_FALSE(decode_request_frame(without_size(bytes), NodeId(1)).ok());
    }
    SECTION("a response's records that are not batches") {
        raft::FetchResponse response;
        response.records = {Entry{Offset(0), LeaderEpoch(1), raft::EntryKind::data, "x"}};
        std::vector<uint8_t> bytes =
            encode_response_frame(Message{NodeId(1), NodeId(2), 0, "", response}, 1, 17);
        log::Record record;
        record.value = log::Bytes{'x'};
        log::Bytes batch = log::RecordBatchBuilder(0).add(record).build();
        log::set_partition_leader_epoch(batch, LeaderEpoch(1));
        auto at = std::search(bytes.begin(), bytes.end(), batch.begin(), batch.end());
        REQUIRE(at != bytes.end());
        at[log::kBatchHeaderBytes] ^= 0xff;  // the first record's bytes: the CRC fails
        CHECK_FALSE(decode_response_frame(without_size(bytes), ApiKey::fetch, 17, NodeId(1), NodeId(2)).ok());
    }
}

TEST_CASE("quorum codec: DescribeQuorum carries the status", "[quorum]") {
    QuorumStatus status{NodeId(1), LeaderEpoch(4), Offset(30),
                        {{NodeId(1), Offset(31), -1, 1000}, {NodeId(2), Offset(30), 990, 995}},
                        {{NodeId(7), Offset(12), 980, -1}}};
    std::vector<uint8_t> request = encode_describe_quorum_request_frame(3, "tool");
    for (int16_t version = 0; version <= 2; ++version) {
        std::vector<uint8_t> frame = encode_describe_quorum_response_frame(status, 3, version);
        Result<QuorumStatus> back = decode_describe_quorum_response_frame(without_size(frame), version);
        REQUIRE(back.ok());
        CHECK(back->leader_id == status.leader_id);
        CHECK(back->high_watermark == status.high_watermark);
        REQUIRE(back->voters.size() == 2);
        CHECK(back->voters[1].log_end_offset == Offset(30));
        CHECK(back->observers.front().id == NodeId(7));
        if (version >= 1) CHECK(back->voters[1].last_fetch_ms == 990);
    }
}

}  // namespace
}  // namespace brook::quorum
