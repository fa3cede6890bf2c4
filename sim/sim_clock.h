// One simulated node's clock.
//
// Monotonic time is the simulator's virtual time, shared by all nodes (only differences mean
// anything, so a common origin hides nothing). The wall clock is each node's own: it starts at
// an offset from true time, runs fast or slow by a drift in parts per million, and can jump
// either way (an NTP step, an operator's mistake), as real wall clocks do.
//
//   SimClock clock(scheduler, WallTime(hours(480000)));
//   clock.set_drift_ppm(200);            // 200 us fast per second
//   clock.jump(-minutes(5));             // the wall clock steps back five minutes
#pragma once

#include "core/io/clock.h"
#include "core/runtime/scheduler.h"

namespace brook::sim {

class SimClock final : public Clock {
public:
    SimClock(Scheduler& scheduler, WallTime wall_at_start);

    Instant now() const override { return scheduler_.now(); }
    WallTime wall_now() const override;
    // May suspend.
    void sleep_until(Instant deadline) override;

    // Changes the rate from now on; the wall time reached so far is kept.
    void set_drift_ppm(int64_t drift_ppm);
    int64_t drift_ppm() const { return drift_ppm_; }
    // Steps the wall clock by `delta` (negative: backward).
    void jump(Duration delta);

private:
    Scheduler& scheduler_;
    Instant anchor_;          // virtual time of the last rebase
    WallTime wall_at_anchor_;
    int64_t drift_ppm_ = 0;
};

}  // namespace brook::sim
