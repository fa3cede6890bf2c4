#include "sim/sim_clock.h"

namespace brook::sim {

SimClock::SimClock(Scheduler& scheduler, WallTime wall_at_start)
    : scheduler_(scheduler), anchor_(scheduler.now()), wall_at_anchor_(wall_at_start) {}

WallTime SimClock::wall_now() const {
    int64_t elapsed = (scheduler_.now() - anchor_).count();
    __int128 drifted = static_cast<__int128>(elapsed) * (1'000'000 + drift_ppm_) / 1'000'000;
    return wall_at_anchor_ + Duration(static_cast<int64_t>(drifted));
}

void SimClock::sleep_until(Instant deadline) {
    while (now() < deadline) scheduler_.park(deadline);
}

void SimClock::set_drift_ppm(int64_t drift_ppm) {
    wall_at_anchor_ = wall_now();
    anchor_ = scheduler_.now();
    drift_ppm_ = drift_ppm;
}

void SimClock::jump(Duration delta) {
    wall_at_anchor_ = wall_now() + delta;
    anchor_ = scheduler_.now();
}

}  // namespace brook::sim
