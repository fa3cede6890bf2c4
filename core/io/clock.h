// The clock seam: monotonic time, wall time and sleeping, for one node.
//
//   Instant deadline = clock.now() + seconds(10);
//   clock.sleep_for(milliseconds(5));                   // parks this fiber, others run
//   int64_t timestamp_ms = wall_ms(clock.wall_now());   // for record timestamps
//
// Production: os/system_clock.h (CLOCK_MONOTONIC / CLOCK_REALTIME). Simulation:
// sim/sim_clock.h, where monotonic time is the simulator's virtual time and the wall clock of
// each node has its own offset, drift and jumps.
#pragma once

#include "core/base/time.h"

namespace brook {

class Clock {
public:
    virtual ~Clock() = default;

    // Monotonic time; never goes backward. Only differences and deadlines mean anything.
    virtual Instant now() const = 0;

    // What this node believes the date is. May jump backward or forward at any time: use it
    // for timestamps that leave the node and for retention, never for timeouts.
    virtual WallTime wall_now() const = 0;

    // Parks the calling fiber until now() >= deadline. Returns at once for a past deadline.
    // May suspend.
    virtual void sleep_until(Instant deadline) = 0;

    // May suspend.
    void sleep_for(Duration duration) { sleep_until(now() + duration); }
};

}  // namespace brook
