#include "core/base/planted_bug.h"

#include <cstdint>

namespace brook {

std::string_view planted_bug_name(PlantedBug bug) {
    switch (bug) {
        case PlantedBug::ack_before_fsync:
            return "ack-before-fsync";
        case PlantedBug::skip_tail_truncation:
            return "skip-tail-truncation";
        case PlantedBug::fetch_past_end:
            return "fetch-past-end";
        case PlantedBug::forget_committed_offset:
            return "forget-committed-offset";
        case PlantedBug::persist_before_sync:
            return "persist-before-sync";
        case PlantedBug::activate_before_catch_up:
            return "activate-before-catch-up";
        case PlantedBug::elect_fenced_leader:
            return "elect-fenced-leader";
    }
    return "?";
}

std::optional<PlantedBug> planted_bug_from_name(std::string_view name) {
    for (PlantedBug bug : kAllPlantedBugs) {
        if (planted_bug_name(bug) == name) return bug;
    }
    return std::nullopt;
}

#ifdef BROOK_PLANTED_BUGS
namespace {
// Process-wide like BUGGIFY's switches: chosen once before a run (before `brook sim run` forks
// its seeds) and only read afterwards, so every seed of a run sees the same selection.
uint32_t selected = 0;
uint32_t bit(PlantedBug bug) { return uint32_t{1} << static_cast<uint32_t>(bug); }
}  // namespace

bool planted(PlantedBug bug) { return (selected & bit(bug)) != 0; }
void plant(PlantedBug bug) { selected |= bit(bug); }
#endif

}  // namespace brook
