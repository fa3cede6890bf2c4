// What the scheduler waits on when no fiber is ready: a source of time and of outside events.
//
// Production: os/epoll_reactor.h blocks in epoll_wait and wakes the fibers whose sockets became
// ready. Simulation: sim/sim_reactor.h has no outside world at all (every simulated event is a
// scheduler timer), so waiting means jumping virtual time forward to the deadline.
#pragma once

#include "core/base/time.h"

namespace brook {

class Reactor {
public:
    virtual ~Reactor() = default;

    // The scheduler's monotonic time.
    virtual Instant now() const = 0;

    // Blocks until outside events may have made fibers ready, or until now() >= deadline.
    // Returns false when nothing can ever happen before the deadline (only the simulator knows
    // that: with no timers left and no outside world, the run is idle).
    virtual bool wait_until(Instant deadline) = 0;
};

}  // namespace brook
