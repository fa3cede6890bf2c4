// Raft's messages as Kafka's KRaft RPCs: pure translation between `raft::Message` values and
// frames (request or response header + body) of Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch
// and FetchSnapshot for the one metadata partition `__cluster_metadata`-0, plus DescribeQuorum's
// answer. docs/design/quorum.md ("The wire") has the field map, versions and error codes.
//
//   std::vector<uint8_t> frame = encode_request_frame(message, /*correlation_id=*/7, "raft-1");
//   connection.write(frame);                                   // with its int32 size prefix
//   ...
//   TRY_ASSIGN(InboundRequest in, decode_request_frame(frame_without_size, /*self=*/NodeId(2)));
//
// Decoding reads untrusted bytes: every malformation is an Error, never an assertion. Encoding
// asserts only on values no RaftNode produces (a request body passed as a response and so on).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/protocol/api_key.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"
#include "core/quorum/quorum_status.h"
#include "core/raft/raft_messages.h"

namespace brook::quorum {

// The metadata partition every KRaft RPC names: by name, and by Kafka's fixed topic id
// (Uuid.METADATA_TOPIC_ID, AAAAAAAAAAAAAAAAAAAAAQ) where Fetch v13+ names topics by id.
inline constexpr std::string_view kMetadataTopic = "__cluster_metadata";

// The quorum's own RPCs. The controller listener serves them besides the controller's APIs.
inline constexpr std::array<protocol::ApiKey, 6> kQuorumApis = {
    protocol::ApiKey::vote,
    protocol::ApiKey::begin_quorum_epoch,
    protocol::ApiKey::end_quorum_epoch,
    protocol::ApiKey::fetch,
    protocol::ApiKey::fetch_snapshot,
    protocol::ApiKey::describe_quorum};
bool is_quorum_api(protocol::ApiKey api_key);

// The version Brook sends of each quorum API: the highest the generated codec has (Fetch 17,
// the others 1; DescribeQuorum 2).
int16_t wire_version(protocol::ApiKey api_key);

// The versions Brook accepts from a peer. Fetch below 13 names topics by name and is refused,
// like any Kafka controller since 3.x never sends it.
bool accepts_version(protocol::ApiKey api_key, int16_t version);
// The same as a range, for ApiVersions on the controller listener: {min, max} of a quorum API.
struct VersionRange {
    int16_t min_version;
    int16_t max_version;
};
VersionRange accepted_versions(protocol::ApiKey api_key);

// The api key of a raft message body (Vote for both VoteRequest and VoteResponse, and so on).
protocol::ApiKey api_key_of(const raft::MessageBody& body);

// A request with its int32 size prefix, at wire_version(), ready to write.
// message.body must be a request.
std::vector<uint8_t> encode_request_frame(const raft::Message& message, int32_t correlation_id,
                                          const std::string& client_id);

// A request frame as read off a connection (without its size prefix).
struct InboundRequest {
    protocol::RequestHeader header;
    // from = the body's candidate, leader or replica id; to = self; correlation_id = the
    // header's.
    raft::Message message;
};

// Decodes the header and a quorum request body (not DescribeQuorum: see below). Errors on an
// API that is not a Raft request, an unaccepted version, a malformed body, a topic or partition
// other than `__cluster_metadata`-0, or records that are not valid batches.
Result<InboundRequest> decode_request_frame(std::span<const uint8_t> frame, raft::NodeId self);

// A response with its size prefix, in the version its request came in (accepts_version()).
// message.body must be a response.
std::vector<uint8_t> encode_response_frame(const raft::Message& message, int32_t correlation_id,
                                           int16_t version);

// Any other API's response with its size prefix, framed at `version` (valid for its API): what
// the channel's request handler answers (the controller's APIs on the controller listener).
std::vector<uint8_t> encode_other_response_frame(const protocol::AnyResponse& response,
                                                 int32_t correlation_id, int16_t version);

// The correlation id of a response frame (without size prefix), to find its request.
Result<int32_t> peek_response_correlation_id(std::span<const uint8_t> frame);

// Decodes a response frame to a request of `api_key` sent at `version`. from and to are given
// (the peer and self); correlation_id is left for the caller to set.
Result<raft::Message> decode_response_frame(std::span<const uint8_t> frame,
                                            protocol::ApiKey api_key, int16_t version,
                                            raft::NodeId from, raft::NodeId to);

// DescribeQuorum, which the channel answers itself from the driver's QuorumStatus.
Result<void> check_describe_quorum_request(std::span<const uint8_t> body, int16_t version);
std::vector<uint8_t> encode_describe_quorum_response_frame(const QuorumStatus& status,
                                                           int32_t correlation_id,
                                                           int16_t version);
// The other side, for tools and tests: a DescribeQuorum request frame and its answer.
std::vector<uint8_t> encode_describe_quorum_request_frame(int32_t correlation_id,
                                                          const std::string& client_id);
Result<QuorumStatus> decode_describe_quorum_response_frame(std::span<const uint8_t> frame,
                                                           int16_t version);

}  // namespace brook::quorum
