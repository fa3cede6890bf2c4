#include "sim/sim_clock.h"

#include <catch2/catch.hpp>

#include "sim/sim_reactor.h"

namespace brook::sim {
namespace {

TEST_CASE("sim clock: wall time follows virtual time, drifts and jumps; monotonic never does") {
    SimReactor reactor;
    Scheduler scheduler(reactor);
    WallTime start = WallTime(hours(1000));
    SimClock clock(scheduler, start);
    std::vector<Instant> monotonic;
    scheduler.spawn("observer", [&] {
        REQUIRE(clock.wall_now() == start);
        clock.sleep_for(seconds(10));
        REQUIRE(clock.wall_now() == start + seconds(10));
        clock.set_drift_ppm(1000);  // 1 ms fast per second
        clock.sleep_for(seconds(10));
        REQUIRE(clock.wall_now() == start + seconds(20) + milliseconds(10));
        monotonic.push_back(clock.now());
        clock.jump(-hours(2));  // an NTP step backward
        REQUIRE(clock.wall_now() == start + seconds(20) + milliseconds(10) - hours(2));
        monotonic.push_back(clock.now());
        clock.sleep_for(seconds(1));
        monotonic.push_back(clock.now());
        REQUIRE(clock.wall_now() ==
                start + seconds(21) + milliseconds(10) + milliseconds(1) - hours(2));
    });
    scheduler.run();
    REQUIRE(monotonic.size() == 3);
    REQUIRE(monotonic[0] == monotonic[1]);  // a wall jump does not move monotonic time
    REQUIRE(monotonic[2] == monotonic[1] + seconds(1));
}

TEST_CASE("sim clock: sleep_until never returns early") {
    SimReactor reactor;
    Scheduler scheduler(reactor);
    SimClock clock(scheduler, WallTime(hours(1)));
    Instant deadline = scheduler.now() + milliseconds(1500);
    scheduler.spawn("sleeper", [&] {
        clock.sleep_until(deadline);
        REQUIRE(clock.now() >= deadline);
    });
    scheduler.spawn("waker", [&] {
        // Spurious wakes of the sleeper must not end its sleep.
        for (int i = 0; i < 3; ++i) {
            clock.sleep_for(milliseconds(100));
            scheduler.wake(1);
        }
    });
    scheduler.run();
}

}  // namespace
}  // namespace brook::sim
