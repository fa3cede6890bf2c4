// The "log-faults" scenario: one node runs a PartitionLog (core/log/) with concurrent writers
// (group commit) and readers while the node crashes and restarts and its disk tears writes,
// loses unsynced ones, flips bits, fails writes and syncs with EIO, and runs out of space.
// Which faults, how often and how hard are drawn per seed (swarm testing).
//
// The checker (what a pass means):
//   - every batch a reader is served is valid and byte-identical to the batch a writer
//     produced, with the offset it was assigned; offsets in a fetch are dense;
//   - every acknowledged batch is still there at the end, byte-identical, at its offset;
//   - DETECTED LOSS, not a violation: with bit flips enabled, (a) a read may fail with
//     corruption, and (b) an acknowledged batch may be missing or replaced at or after an
//     offset where recovery reported cutting a complete-but-invalid batch
//     (RecoveryReport::corruption_at). A bit flip in fsynced data destroys it; the log's duty
//     is to notice, never to serve it. Without bit flips, both are violations.
//   - acknowledged batches below the log start (retention) are exempt.
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario log_scenario();

}  // namespace brook::scenarios
