// A snapshot of the metadata state in `__cluster_metadata-0`: its file name (Kafka's
// `<end offset>-<epoch>.checkpoint`, both zero-padded) and its bytes (a CRC over the id and the
// owner's opaque state, so a damaged snapshot is never loaded).
//
//   std::string name = snapshot_file_name(SnapshotId{Offset(120), LeaderEpoch(3)});
//   // "00000000000000000120-0000000003.checkpoint"
//   std::optional<raft::SnapshotId> id = parse_snapshot_file_name(name);
//   Result<raft::Snapshot> snapshot = decode_snapshot_file(bytes);
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/raft/raft_types.h"

namespace brook::quorum {

std::string snapshot_file_name(raft::SnapshotId id);
// nullopt for any other name (the log's segments, a temporary file of an unfinished write).
std::optional<raft::SnapshotId> parse_snapshot_file_name(std::string_view name);

// u32 CRC-32C of the rest, i64 end offset, i32 epoch, the state (big-endian).
std::vector<uint8_t> encode_snapshot_file(const raft::Snapshot& snapshot);
// corruption when the bytes are short or fail the CRC. Any bytes are accepted.
Result<raft::Snapshot> decode_snapshot_file(std::span<const uint8_t> bytes);

}  // namespace brook::quorum
