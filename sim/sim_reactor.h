// The simulator's reactor: virtual time and nothing else. Every simulated event (a network
// delivery, a disk completion, a crash) is a scheduler timer, so when no fiber is ready the only
// thing to do is to jump time forward to the next timer. Nothing ever happens "outside".
#pragma once

#include "core/base/check.h"
#include "core/runtime/reactor.h"

namespace brook::sim {

class SimReactor final : public Reactor {
public:
    Instant now() const override { return now_; }

    bool wait_until(Instant deadline) override {
        if (deadline == kNever) return false;  // no timers left: the run is idle for ever
        ASSERT(deadline >= now_, "virtual time cannot go backward");
        now_ = deadline;
        return true;
    }

private:
    // Virtual time starts at an arbitrary nonzero point so that code cannot confuse
    // "time zero" with "no time".
    Instant now_ = Instant(seconds(1));
};

}  // namespace brook::sim
