// Known bugs that can be compiled into Brook to prove the simulator finds them (FoundationDB's
// negative tests, TigerBeetle's "the VOPR must find this").
//
//   if (planted(PlantedBug::ack_before_fsync)) return response;   // skip the wait for fsync
//
//   brook sim run --plant ack-before-fsync --scenario produce-consume-crash --seeds 1..40
//
// They exist only when CMake's BROOK_PLANTED_BUGS is ON, which only the sanitizer build
// (build-asan/, never a release binary) turns on. Without it `planted()` is `constexpr false`:
// every planted branch is dead code the compiler removes, so a release binary has no trace of
// them. With it, each bug stays off until selected at run time with plant().
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace brook {

enum class PlantedBug {
    ack_before_fsync,      // Produce answers acks=-1 before its batches are fsynced
    skip_tail_truncation,  // log recovery keeps a torn or invalid tail instead of cutting it
    fetch_past_end,        // Fetch serves records beyond the durable end (unsynced data)
    // The group coordinator forgets a committed offset across a restart: its rebuild keeps a
    // partition's first commit, not its last (group_coordinator_storage.cc).
    forget_committed_offset,
    // The metadata quorum says its appends are persisted before their sync
    // (quorum::QuorumPlantedBug::persist_before_sync, which the quorum scenarios select with it).
    persist_before_sync,
    // A new quorum leader's controller decides before it applied the log up to its own
    // LeaderChange entry (node::NodePlantedBug::activate_before_catch_up, which the cluster
    // scenario selects with it): after a restart of the whole quorum it creates a topic twice.
    activate_before_catch_up,
    // The controller elects a fenced broker as a partition's leader
    // (controller::ControllerPlantedBug::elect_fenced_leader, which the cluster scenario selects
    // with it): a partition whose only replica is fenced keeps it as leader.
    elect_fenced_leader,
};

inline constexpr PlantedBug kAllPlantedBugs[] = {
    PlantedBug::ack_before_fsync, PlantedBug::skip_tail_truncation, PlantedBug::fetch_past_end,
    PlantedBug::forget_committed_offset, PlantedBug::persist_before_sync,
    PlantedBug::activate_before_catch_up, PlantedBug::elect_fenced_leader};

// "ack-before-fsync", ...
std::string_view planted_bug_name(PlantedBug bug);
std::optional<PlantedBug> planted_bug_from_name(std::string_view name);

#ifdef BROOK_PLANTED_BUGS
inline constexpr bool kPlantedBugsBuilt = true;
// Whether `bug` was selected in this process.
bool planted(PlantedBug bug);
// Selects `bug` for the rest of this process (and the seeds it forks).
void plant(PlantedBug bug);
#else
inline constexpr bool kPlantedBugsBuilt = false;
constexpr bool planted(PlantedBug) { return false; }
#endif

}  // namespace brook
