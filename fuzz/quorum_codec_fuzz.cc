// Fuzzes the metadata quorum's decoders with untrusted bytes: the KRaft request and response
// frames (core/quorum/quorum_codec.h) and the quorum-state file (quorum_state_file.h). The first
// byte picks the decoder. Whatever decodes must re-encode and decode to the same value; anything
// else must be an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/base/check.h"
#include "core/quorum/quorum_codec.h"
#include "core/quorum/quorum_state_file.h"

using namespace brook;
using namespace brook::quorum;
using protocol::ApiKey;

namespace {

constexpr ApiKey kRaftApis[] = {ApiKey::vote, ApiKey::begin_quorum_epoch,
                                ApiKey::end_quorum_epoch, ApiKey::fetch, ApiKey::fetch_snapshot};

void fuzz_request(std::span<const uint8_t> frame) {
    Result<InboundRequest> in = decode_request_frame(frame, raft::NodeId(1));
    if (!in) return;
    std::vector<uint8_t> again =
        encode_request_frame(in->message, in->header.correlation_id, "fuzz");
    Result<InboundRequest> back =
        decode_request_frame(std::span<const uint8_t>(again).subspan(4), raft::NodeId(1));
    ASSERT(back.ok(), "{}", back.error().describe());
    ASSERT(raft::describe(back->message) == raft::describe(in->message), "{} became {}",
           raft::describe(in->message), raft::describe(back->message));
}

void fuzz_response(uint8_t selector, std::span<const uint8_t> frame) {
    ApiKey api_key = kRaftApis[selector % 5];
    int16_t version = wire_version(api_key) - static_cast<int16_t>((selector / 5) % 2);
    Result<raft::Message> message =
        decode_response_frame(frame, api_key, version, raft::NodeId(2), raft::NodeId(1));
    if (!message) return;
    std::vector<uint8_t> again = encode_response_frame(*message, 7, version);
    Result<raft::Message> back = decode_response_frame(std::span<const uint8_t>(again).subspan(4),
                                                       api_key, version, raft::NodeId(2),
                                                       raft::NodeId(1));
    ASSERT(back.ok(), "{}", back.error().describe());
    ASSERT(raft::describe(*back) == raft::describe(*message), "{} became {}",
           raft::describe(*message), raft::describe(*back));
}

void fuzz_state_file(std::span<const uint8_t> bytes) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    Result<QuorumStateFile> file = parse_quorum_state(text);
    if (!file) {
        ASSERT(file.error().code() == ErrorCode::corruption, "{}", file.error().describe());
        return;
    }
    Result<QuorumStateFile> back = parse_quorum_state(format_quorum_state(*file));
    ASSERT(back.ok() && *back == *file, "the quorum-state changed in a round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::span<const uint8_t> rest(data + 1, size - 1);
    uint8_t selector = data[0];
    if (selector < 0x40) {
        fuzz_request(rest);
    } else if (selector < 0x80) {
        fuzz_response(selector, rest);
    } else if (selector < 0xc0) {
        fuzz_state_file(rest);
    } else {
        auto describe = decode_describe_quorum_response_frame(rest, selector % 3);
        (void)describe;
    }
    return 0;
}
