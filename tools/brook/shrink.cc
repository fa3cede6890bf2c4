#include "tools/brook/shrink.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "tools/brook/seed_runner.h"

namespace brook::tools {
namespace {

// What a candidate run must do to count as failing: crash if the seed crashed (an assertion
// failure is a crash too), else end with the same verdict.
struct Failure {
    bool crashed = false;
    scenarios::Verdict verdict{};

    bool same_as(const SeedResult& result) const {
        if (crashed) return result.crashed;
        return !result.crashed && result.outcome.verdict == verdict;
    }
};

std::optional<int64_t> parse_integer(const std::string& text) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Runs `options` and, if it fails the same way, records its failure; whether it did.
bool try_candidate(const scenarios::Scenario& scenario, const scenarios::RunOptions& options,
                   const Failure& failure, const std::string& candidate, ShrinkResult& shrink,
                   const std::function<void(const std::string&, bool)>& on_attempt) {
    SeedResult result = run_isolated(scenario, options);
    ++shrink.attempts;
    bool still_fails = failure.same_as(result);
    on_attempt(candidate, still_fails);
    if (still_fails && !failure.crashed) shrink.failure = result.outcome.failure;
    return still_fails;
}

// ddmin: try removing chunks of 1/n of the events; keep any removal that still fails.
void shrink_schedule(const scenarios::Scenario& scenario, uint64_t seed, const Failure& failure,
                     ShrinkResult& shrink,
                     const std::function<void(const std::string&, bool)>& on_attempt) {
    sim::FaultSchedule current = shrink.original;
    std::size_t granularity = 2;
    while (!current.empty()) {
        std::size_t chunk = (current.size() + granularity - 1) / granularity;
        bool reduced = false;
        for (std::size_t begin = 0; begin < current.size(); begin += chunk) {
            sim::FaultSchedule candidate =
                current.without(begin, std::min(begin + chunk, current.size()));
            scenarios::RunOptions options{.seed = seed};
            options.schedule = candidate;
            if (try_candidate(scenario, options, failure,
                              fmt::format("{} events", candidate.size()), shrink, on_attempt)) {
                current = candidate;
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
}

// Greedy, one parameter after the other, with the minimal schedule: halve while the run still
// fails, then try once one lower (3 -> 1 passes, 3 -> 2 may not). A candidate the scenario
// cannot run (a schedule naming consumer c2 with one consumer) ends as `invalid`, which is not
// the same failure, so the parameter stays.
void shrink_workload(const scenarios::Scenario& scenario, uint64_t seed,
                     const std::vector<std::pair<std::string, std::string>>& drawn,
                     const Failure& failure, ShrinkResult& shrink,
                     const std::function<void(const std::string&, bool)>& on_attempt) {
    for (const std::string& name : scenario.workload_parameters) {
        auto found = std::find_if(drawn.begin(), drawn.end(),
                                  [&name](const auto& each) { return each.first == name; });
        std::optional<int64_t> value =
            found == drawn.end() ? std::nullopt : parse_integer(found->second);
        if (!value) continue;
        auto lower_to = [&](int64_t candidate) {
            scenarios::RunOptions options{.seed = seed};
            options.schedule = shrink.minimal;
            options.overrides = shrink.overrides;
            options.overrides[name] = fmt::format("{}", candidate);
            if (!try_candidate(scenario, options, failure, fmt::format("{}={}", name, candidate),
                               shrink, on_attempt)) {
                return false;
            }
            value = candidate;
            shrink.overrides[name] = fmt::format("{}", candidate);
            shrink.drawn[name] = found->second;
            return true;
        };
        while (*value > 1 && lower_to(*value / 2)) {
        }
        if (*value - 1 > *value / 2) lower_to(*value - 1);
    }
}

}  // namespace

ShrinkResult shrink_seed(const scenarios::Scenario& scenario, uint64_t seed,
                         const std::function<void(const std::string&, bool)>& on_attempt) {
    ShrinkResult shrink;
    SeedResult first = run_isolated(scenario, scenarios::RunOptions{.seed = seed});
    ++shrink.attempts;
    Failure failure{first.crashed, first.outcome.verdict};
    if (!failure.crashed && failure.verdict == scenarios::Verdict::passed) return shrink;
    shrink.failed_at_all = true;
    shrink.verdict = failure.verdict;
    shrink.failure = failure.crashed ? "crash (" + first.crash_reason + ")" : first.outcome.failure;
    shrink.original = first.outcome.schedule;
    shrink_schedule(scenario, seed, failure, shrink, on_attempt);
    shrink_workload(scenario, seed, first.parameters, failure, shrink, on_attempt);
    return shrink;
}

}  // namespace brook::tools
