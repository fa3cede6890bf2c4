// UNSAFE recovery of a metadata quorum that lost a majority of its voters for good (disks gone,
// machines gone): rewrites one surviving node's `quorum-state` so that the survivors, restarted
// with controller.quorum.voters naming only them, form a new quorum. `brook cluster
// unsafe-reset-quorum` runs it on each survivor while its node is stopped.
//
//   TRY_ASSIGN(QuorumReset reset, unsafe_reset_quorum(disk, logger, {.self = NodeId(1),
//               .cluster_id = "fMCL8kv1SWm87L_Md-I2hg", .voters = {NodeId(1)}}));
//   print(reset.before.state.epoch, reset.after.state.epoch, reset.log_end_offset);
//
// Why it is unsafe: Raft promises that a committed entry survives because every majority holds
// it. Once a majority is gone, the survivors' logs are all that is left: an entry the lost
// majority committed that no survivor received (offsets at and after the survivors' log end) is
// lost, and an entry a survivor holds that was never committed becomes committed when the new
// quorum's leader commits its first entry. If a lost voter comes back with its old
// configuration it can form a second quorum of its own; it must be wiped instead.
//
// What it writes: the epoch one above the file's with no vote and no leader (a vote cast in the
// old epoch is not reused by the new voter set; Raft's next election goes above it), and the
// new voters as the file's currentVoters. Kafka's QuorumState refuses to start when the
// configured voters differ from the file's, and says to wipe the file: this is that wipe, done
// without losing the epoch. The metadata log is left as it is (recovery may cut a torn tail,
// as any start would); its end offset and last epoch are reported.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/io/disk.h"
#include "core/quorum/quorum_state_file.h"

namespace brook::quorum {

struct QuorumResetRequest {
    raft::NodeId self = raft::kNoNode;  // this node's node.id
    std::string cluster_id;             // its meta.properties cluster.id
    std::vector<raft::NodeId> voters;   // the new voter set: distinct, with self
};

// Where a node keeps its metadata log and, in it, its quorum-state file, on the Disk the reset
// is given (rooted where the node roots its own): Kafka's layout, as core/node's
// QuorumMemberOptions::metadata_directory.
inline constexpr std::string_view kResetLogDirectory = "__cluster_metadata-0";
inline constexpr std::string_view kResetStatePath = "__cluster_metadata-0/quorum-state";

struct QuorumReset {
    QuorumStateFile before;
    QuorumStateFile after;                   // as written, durably
    Offset log_end_offset = Offset(0);       // this node's metadata log end
    LeaderEpoch last_log_epoch = LeaderEpoch(0);  // the epoch of the entry before it (0: none)
};

// invalid_argument for a voter set without self or with a repeat; not_found when the node has
// no quorum-state (it never took part: nothing to reset); corruption for a file that does not
// parse or names another cluster. The file is unchanged on any error. May suspend.
Result<QuorumReset> unsafe_reset_quorum(Disk& disk, Logger logger, QuorumResetRequest request);

}  // namespace brook::quorum
