// The production clock: CLOCK_MONOTONIC (through the scheduler's reactor) for deadlines,
// CLOCK_REALTIME for record timestamps, and sleeping by parking the calling fiber.
//
//   SystemClock clock(scheduler);
//   clock.sleep_for(milliseconds(5));          // other fibers run meanwhile
//   int64_t timestamp_ms = wall_ms(clock.wall_now());
//
// With an EpollReactor underneath, a sleep ends when the reactor's wait returns at or after the
// deadline (epoll_pwait2 is exact; the epoll_wait fallback rounds up to whole milliseconds).
#pragma once

#include "core/io/clock.h"
#include "core/runtime/scheduler.h"

namespace brook {

class SystemClock final : public Clock {
public:
    explicit SystemClock(Scheduler& scheduler) : scheduler_(scheduler) {}

    // The scheduler's time, so that clock deadlines and scheduler timers agree exactly.
    Instant now() const override { return scheduler_.now(); }

    WallTime wall_now() const override;

    // Parks the calling fiber; an early wake (Scheduler::wake) parks it again. May suspend.
    void sleep_until(Instant deadline) override;

private:
    Scheduler& scheduler_;
};

}  // namespace brook
