#include "core/runtime/scheduler.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/runtime/wait_queue.h"
#include "sim/sim_reactor.h"

namespace brook {
namespace {

TEST_CASE("scheduler: fibers interleave at suspension points, first in first out") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    std::vector<std::string> events;
    for (std::string name : {"a", "b"}) {
        scheduler.spawn(name, [&, name] {
            for (int i = 0; i < 3; ++i) {
                events.push_back(name + std::to_string(i));
                scheduler.yield();
            }
        });
    }
    REQUIRE(scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE(events == std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "b2"});
    REQUIRE(scheduler.fiber_count() == 0);
}

TEST_CASE("scheduler: park times out at its deadline in virtual time") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    Instant start = scheduler.now();
    bool woken = true;
    Instant ended;
    scheduler.spawn("sleeper", [&] {
        woken = scheduler.park(start + milliseconds(250));
        ended = scheduler.now();
    });
    scheduler.run();
    REQUIRE_FALSE(woken);
    REQUIRE(ended == start + milliseconds(250));
}

TEST_CASE("scheduler: wait queue wakes waiters in order and reports timeouts") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    WaitQueue queue(scheduler);
    std::vector<std::string> events;
    for (std::string name : {"first", "second"}) {
        scheduler.spawn(name, [&, name] {
            bool notified = queue.wait(scheduler.now() + seconds(1));
            events.push_back(name + (notified ? ":notified" : ":timeout"));
        });
    }
    scheduler.spawn("notifier", [&] { queue.notify_one(); });
    scheduler.run();
    REQUIRE(events == std::vector<std::string>{"first:notified", "second:timeout"});
}

TEST_CASE("scheduler: callback timers fire in deadline order and can be cancelled") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    std::vector<int> fired;
    Instant start = scheduler.now();
    scheduler.call_at(start + milliseconds(30), [&] { fired.push_back(30); });
    TimerId cancelled = scheduler.call_at(start + milliseconds(20), [&] { fired.push_back(20); });
    scheduler.call_at(start + milliseconds(10), [&] { fired.push_back(10); });
    scheduler.call_at(start + milliseconds(10), [&] { fired.push_back(11); });
    scheduler.cancel(cancelled);
    scheduler.run();
    REQUIRE(fired == std::vector<int>{10, 11, 30});
}

TEST_CASE("scheduler: killing a group unwinds its fibers and cancels its timers") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    WaitQueue queue(scheduler);
    int destructors = 0;
    bool timer_fired = false;
    bool survivor_done = false;
    struct CountOnDestroy {
        int& counter;
        ~CountOnDestroy() { ++counter; }
    };
    scheduler.spawn_in_group(7, "victim", [&] {
        CountOnDestroy guard{destructors};
        scheduler.call_at(scheduler.now() + seconds(5), [&] { timer_fired = true; });
        scheduler.spawn("child", [&] {  // inherits group 7
            CountOnDestroy child_guard{destructors};
            scheduler.park(kNever);
        });
        queue.wait();
    });
    scheduler.spawn_in_group(8, "survivor", [&] {
        scheduler.park(scheduler.now() + seconds(10));
        survivor_done = true;
    });
    scheduler.run_until(scheduler.now() + seconds(1));
    REQUIRE(scheduler.fiber_count() == 3);
    scheduler.kill_group(7);
    REQUIRE(destructors == 2);
    REQUIRE(queue.empty());
    scheduler.run();
    REQUIRE_FALSE(timer_fired);
    REQUIRE(survivor_done);
}

TEST_CASE("scheduler: a new group is one nobody uses, and killing it cancels only its timers") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    FiberGroup first = scheduler.new_group();
    FiberGroup second = scheduler.new_group();
    REQUIRE(first != second);
    REQUIRE(first != kSystemGroup);
    REQUIRE(second != kSystemGroup);
    std::vector<int> fired;
    Instant start = scheduler.now();
    scheduler.call_at_in_group(first, start + milliseconds(10), [&] { fired.push_back(1); });
    scheduler.call_at_in_group(second, start + milliseconds(20), [&] { fired.push_back(2); });
    scheduler.call_at_in_group(first, start + milliseconds(30), [&] { fired.push_back(3); });
    scheduler.call_at(start + milliseconds(40), [&] { fired.push_back(4); });
    scheduler.kill_group(first);
    scheduler.run();
    REQUIRE(fired == std::vector<int>{2, 4});
}

TEST_CASE("scheduler: cancelling a timer that already fired, or twice, changes nothing") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    std::vector<int> fired;
    Instant start = scheduler.now();
    TimerId early = scheduler.call_at(start + milliseconds(10), [&] { fired.push_back(10); });
    TimerId late = scheduler.call_at(start + milliseconds(30), [&] { fired.push_back(30); });
    scheduler.call_at(start + milliseconds(20), [&] {
        fired.push_back(20);
        scheduler.cancel(early);  // fired already
        scheduler.cancel(late);
        scheduler.cancel(late);
    });
    scheduler.call_at(start + milliseconds(40), [&] { fired.push_back(40); });
    scheduler.run();
    REQUIRE(fired == std::vector<int>{10, 20, 40});
}

TEST_CASE("scheduler: destroying the scheduler unwinds parked fibers") {
    sim::SimReactor reactor;
    int unwound = 0;
    {
        Scheduler scheduler(reactor);
        struct CountOnDestroy {
            int& counter;
            ~CountOnDestroy() { ++counter; }
        };
        for (int i = 0; i < 3; ++i) {
            scheduler.spawn("parked", [&] {
                CountOnDestroy guard{unwound};
                scheduler.park(kNever);
            });
        }
        scheduler.run_until(scheduler.now());
        bool ran = false;
        scheduler.spawn("never-started", [&] { ran = true; });
        REQUIRE(scheduler.fiber_count() == 4);
        REQUIRE_FALSE(ran);
    }
    REQUIRE(unwound == 3);
}

}  // namespace
}  // namespace brook
