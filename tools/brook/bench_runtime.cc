// `brook bench runtime`: what a fiber switch costs and how fast the simulator runs, each next to
// a baseline measured in the same run (machines are noisy; ratios are what carry over).
#include <boost/context/fiber.hpp>
#include <fmt/format.h>

#include <chrono>

#include "core/runtime/scheduler.h"
#include "scenarios/scenario.h"
#include "sim/sim_reactor.h"
#include "tools/brook/bench_runtime.h"
#include "tools/brook/stopwatch.h"

namespace brook::tools {
namespace {

// Baseline: two bare Boost.Context fibers resuming each other, no scheduler at all.
double raw_switch_ns(uint64_t switches) {
    namespace context = boost::context;
    uint64_t count = 0;
    context::fiber other([&](context::fiber&& back) {
        while (count < switches) {
            ++count;
            back = std::move(back).resume();
        }
        return std::move(back);
    });
    auto start = Stopwatch::now();
    while (other) {
        other = std::move(other).resume();
        ++count;
    }
    return seconds_since(start) * 1e9 / static_cast<double>(count);
}

// Brook: two fibers yielding to each other through the scheduler's ready queue.
double scheduler_switch_ns(uint64_t yields_per_fiber) {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    for (int i = 0; i < 2; ++i) {
        scheduler.spawn("yielder", [&] {
            for (uint64_t n = 0; n < yields_per_fiber; ++n) scheduler.yield();
        });
    }
    auto start = Stopwatch::now();
    scheduler.run();
    return seconds_since(start) * 1e9 / static_cast<double>(scheduler.switch_count());
}

// Brook: park with a deadline and be woken by the timer heap (a sleep), the common case.
double timer_wakeup_ns(uint64_t sleeps) {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    scheduler.spawn("sleeper", [&] {
        for (uint64_t n = 0; n < sleeps; ++n) scheduler.park(scheduler.now() + microseconds(10));
    });
    auto start = Stopwatch::now();
    scheduler.run();
    return seconds_since(start) * 1e9 / static_cast<double>(sleeps);
}

}  // namespace

int bench_runtime(uint64_t seeds) {
    constexpr uint64_t kSwitches = 4'000'000;
    fmt::print("## Fibers (one core)\n\n");
    fmt::print("| what | ns |\n| --- | --- |\n");
    fmt::print("| raw Boost.Context switch (baseline) | {:.1f} |\n", raw_switch_ns(kSwitches));
    fmt::print("| scheduler yield, per switch | {:.1f} |\n", scheduler_switch_ns(kSwitches / 2));
    fmt::print("| park with deadline, woken by the timer heap | {:.1f} |\n",
               timer_wakeup_ns(kSwitches / 4));

    const scenarios::Scenario* scenario = scenarios::find_scenario("counter");
    uint64_t events = 0;
    Duration simulated{};
    auto start = Stopwatch::now();
    for (uint64_t seed = 1; seed <= seeds; ++seed) {
        scenarios::Outcome outcome = scenario->run(scenarios::RunOptions{.seed = seed});
        events += outcome.events;
        simulated += outcome.simulated;
    }
    double wall = seconds_since(start);
    double simulated_seconds = static_cast<double>(simulated.count()) / 1e9;
    fmt::print("\n## Simulator: scenario `counter` (3 nodes, 1-3 clients, faults), one core\n\n");
    fmt::print("| what | value |\n| --- | --- |\n");
    fmt::print("| seeds | {} in {:.2f} s wall |\n", seeds, wall);
    fmt::print("| seeds per minute, one core | {:.0f} |\n", static_cast<double>(seeds) / wall * 60);
    fmt::print("| events per seed | {:.0f} |\n",
               static_cast<double>(events) / static_cast<double>(seeds));
    fmt::print("| events per second | {:.0f} |\n", static_cast<double>(events) / wall);
    fmt::print("| simulated seconds per wall second (real time = 1) | {:.0f} |\n",
               simulated_seconds / wall);
    return 0;
}

}  // namespace brook::tools
