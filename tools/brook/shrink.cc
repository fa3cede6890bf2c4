#include "tools/brook/shrink.h"

#include <algorithm>

#include "tools/brook/seed_runner.h"

namespace brook::tools {
namespace {

// A crash and an assertion failure are both "crashed"; otherwise the verdict must match.
bool fails_the_same_way(const SeedResult& result, bool crashed, scenarios::Verdict verdict) {
    if (crashed) return result.crashed;
    return !result.crashed && result.outcome.verdict == verdict;
}

}  // namespace

ShrinkResult shrink_schedule(const scenarios::Scenario& scenario, uint64_t seed,
                             const std::function<void(std::size_t, bool)>& on_attempt) {
    ShrinkResult shrink;
    SeedResult first = run_isolated(scenario, scenarios::RunOptions{.seed = seed});
    ++shrink.attempts;
    bool crashed = first.crashed;
    if (!crashed && first.outcome.verdict == scenarios::Verdict::passed) return shrink;
    shrink.failed_at_all = true;
    shrink.verdict = first.outcome.verdict;
    shrink.failure = crashed ? "crash (" + first.crash_reason + ")" : first.outcome.failure;
    shrink.original = first.outcome.schedule;
    sim::FaultSchedule current = first.outcome.schedule;

    // ddmin: try removing chunks of 1/n of the events; keep any removal that still fails.
    std::size_t granularity = 2;
    while (!current.empty()) {
        std::size_t chunk = (current.size() + granularity - 1) / granularity;
        bool reduced = false;
        for (std::size_t begin = 0; begin < current.size(); begin += chunk) {
            sim::FaultSchedule candidate =
                current.without(begin, std::min(begin + chunk, current.size()));
            scenarios::RunOptions options{.seed = seed};
            options.schedule = candidate;
            SeedResult result = run_isolated(scenario, options);
            ++shrink.attempts;
            bool still_fails = fails_the_same_way(result, crashed, shrink.verdict);
            on_attempt(candidate.size(), still_fails);
            if (still_fails) {
                current = candidate;
                if (!crashed) shrink.failure = result.outcome.failure;
                granularity = std::max<std::size_t>(granularity - 1, 2);
                reduced = true;
                break;
            }
        }
        if (!reduced) {
            if (granularity >= current.size()) break;  // every single event is needed
            granularity = std::min(granularity * 2, current.size());
        }
    }
    shrink.minimal = current;
    return shrink;
}

}  // namespace brook::tools
