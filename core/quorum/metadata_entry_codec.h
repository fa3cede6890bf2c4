// The bytes of one metadata-log entry in a segment file of `__cluster_metadata-0`: a frame with
// a length and a CRC, so that recovery tells a complete entry from a torn tail.
//
//   std::vector<uint8_t> frame = encode_metadata_entry(entry);
//   DecodedEntry decoded = decode_metadata_entry(bytes);   // problem: incomplete, corrupt
//
// Frame (big-endian): u32 body length, u32 CRC-32C of the body, body = i64 offset, i32 epoch,
// u8 kind, the entry's data. docs/design/quorum.md says why this is not a Kafka record batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/quorum/quorum_limits.h"
#include "core/raft/raft_types.h"

namespace brook::quorum {

inline constexpr std::size_t kEntryFrameHeaderBytes = 8;  // length + CRC
inline constexpr std::size_t kEntryBodyFixedBytes = 13;   // offset + epoch + kind
// Bounds a frame's length field before anything is allocated for it, and so a metadata entry,
// which may hold a whole controller command's records.
inline constexpr std::size_t kEntryBodyMaxBytes = 16u << 20;
// The most RaftOptions::fetch_max_bytes may be (ASSERTed by QuorumNode::open): a FetchResponse's
// first entry, the entries after it and their batch headers then fit in a quorum frame.
inline constexpr std::size_t kFetchDataBytesMax = kEntryBodyMaxBytes / 2;
static_assert(static_cast<int64_t>(kEntryBodyMaxBytes + kFetchDataBytesMax + (1u << 20)) <=
              kQuorumFrameBytesMax);

enum class EntryProblem : uint8_t {
    none,
    incomplete,  // the bytes end inside the frame: a torn tail
    corrupt,     // a complete frame whose length, CRC or fields do not validate
};

struct DecodedEntry {
    EntryProblem problem = EntryProblem::none;
    raft::Entry entry;     // when problem is none
    std::size_t size = 0;  // bytes of the whole frame, when problem is none
};

std::vector<uint8_t> encode_metadata_entry(const raft::Entry& entry);

// Decodes the frame at the start of `bytes`. Any bytes are accepted.
DecodedEntry decode_metadata_entry(std::span<const uint8_t> bytes);

}  // namespace brook::quorum
