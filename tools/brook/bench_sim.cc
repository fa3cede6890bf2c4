// `brook bench sim`: how fast each scenario runs on one core: seeds per minute, simulated
// seconds per wall second, and the events per seed (the trace's count: every send, delivery,
// disk operation, fault and log line), mean and max. Seeds run in this process, one after the
// other, so the figures are per core; `brook sim run --jobs N` scales them by about N. Rates are
// given per wall second and per CPU second of this process: on a shared machine the second is
// the one that carries over.
#include "tools/brook/bench_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "scenarios/scenario.h"
#include "tools/brook/stopwatch.h"

namespace brook::tools {
namespace {

void bench_one(const scenarios::Scenario& scenario, uint64_t seeds) {
    uint64_t events = 0, events_max = 0, failed = 0;
    Duration simulated{};
    auto start = Stopwatch::now();
    std::clock_t cpu_start = std::clock();
    for (uint64_t seed = 1; seed <= seeds; ++seed) {
        scenarios::Outcome outcome = scenario.run(scenarios::RunOptions{.seed = seed});
        events += outcome.events;
        events_max = std::max(events_max, outcome.events);
        simulated += outcome.simulated;
        if (outcome.verdict != scenarios::Verdict::passed) ++failed;
    }
    double wall = seconds_since(start);
    double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    double simulated_seconds = static_cast<double>(simulated.count()) / 1e9;
    fmt::print("| {} | {} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {} | {} |\n",
               scenario.name, seeds, static_cast<double>(seeds) / wall * 60,
               static_cast<double>(seeds) / cpu * 60, simulated_seconds / wall,
               simulated_seconds / cpu, static_cast<double>(events) / static_cast<double>(seeds),
               events_max, failed);
    std::fflush(stdout);
}

}  // namespace

int bench_sim(const std::string& scenario, uint64_t seeds) {
    if (seeds == 0) {
        fmt::print(stderr, "brook bench sim: --seeds must be at least 1\n");
        return 2;
    }
    fmt::print(
        "| scenario | seeds | seeds per minute (wall) | seeds per CPU minute | simulated s "
        "per wall s | simulated s per CPU s | events per seed (mean) | events per seed "
        "(max) | failed |\n");
    fmt::print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    if (!scenario.empty()) {
        const scenarios::Scenario* found = scenarios::find_scenario(scenario);
        if (found == nullptr) {
            fmt::print(stderr, "brook bench sim: no scenario named '{}'\n", scenario);
            return 2;
        }
        bench_one(*found, seeds);
        return 0;
    }
    for (const scenarios::Scenario& each : scenarios::all_scenarios()) bench_one(each, seeds);
    return 0;
}

}  // namespace brook::tools
