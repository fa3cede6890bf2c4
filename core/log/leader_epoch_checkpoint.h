// The file `leader-epoch-checkpoint` in a partition directory: the leader-epoch cache as Kafka
// writes it, in text: the version (0), the entry count, then one "<epoch> <start offset>" line
// per entry, each line ending in '\n'.
//
//   0
//   2
//   0 0
//   3 40
//
//   TRY(write_leader_epoch_checkpoint(disk, "orders-0", cache.entries()));    // May suspend.
//   Result<std::optional<std::vector<EpochEntry>>> read = read_leader_epoch_checkpoint(...);
//
// It is only a cache of what the batch headers say (research E5): PartitionLog trusts it only
// below the recovery point, checks each entry against the batch it names, and rebuilds it from
// the batch headers when it is missing, unparsable or disagrees (docs/design/log.md).
// Written with replace_file_durably, so a crash leaves the old or the new file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/io/disk.h"
#include "core/log/leader_epoch_cache.h"

namespace brook::log {

inline constexpr std::string_view kLeaderEpochCheckpointName = "leader-epoch-checkpoint";
// One entry per leader change that wrote data: far more than a partition sees.
inline constexpr std::size_t kLeaderEpochEntriesMax = 100'000;
// Two numbers of up to 20 characters, a space and a newline per entry, plus the header.
inline constexpr std::size_t kLeaderEpochCheckpointBytesMax = 64 + kLeaderEpochEntriesMax * 42;

std::string encode_leader_epoch_checkpoint(const std::vector<EpochEntry>& entries);
// Strict: exactly the format above (no other whitespace, no signs, no leading zeros beyond a
// lone 0), the count matching the lines, and the entries well ordered
// (LeaderEpochCache::well_ordered). corruption otherwise.
Result<std::vector<EpochEntry>> parse_leader_epoch_checkpoint(std::string_view text);

// May suspend.
Result<void> write_leader_epoch_checkpoint(Disk& disk, std::string_view directory,
                                           const std::vector<EpochEntry>& entries);
// nullopt when the file does not exist; corruption when it does not parse. May suspend.
Result<std::optional<std::vector<EpochEntry>>> read_leader_epoch_checkpoint(
    Disk& disk, std::string_view directory);

}  // namespace brook::log
