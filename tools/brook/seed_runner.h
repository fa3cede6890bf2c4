// Runs many seeds of one scenario, each in its own forked process, several at a time.
//
// A separate process per seed means an assertion failure (abort) or a sanitizer report in one
// seed is reported as that seed's crash instead of ending the whole run, and `--jobs` uses
// every core. Results come back over a pipe, one line per seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/scenario.h"

namespace brook::tools {

struct SeedResult {
    uint64_t seed = 0;
    bool crashed = false;        // the process died (assertion, signal)
    std::string crash_reason;    // "signal 6", "exit 3"
    // Valid unless crashed, except outcome.schedule: the run reports its schedule before it
    // starts, so that is known even for a crash.
    scenarios::Outcome outcome;
    // Every parameter the run reported through on_parameter (also known for a crash).
    std::vector<std::pair<std::string, std::string>> parameters;
};

struct SeedRunOptions {
    uint64_t first_seed = 0;
    uint64_t last_seed = 0;  // inclusive
    int jobs = 1;
    // Run each seed twice and require equal trace hashes.
    bool check_determinism = false;
};

// Runs one scenario run in a forked child and reports how it ended (a crash included).
SeedResult run_isolated(const scenarios::Scenario& scenario, const scenarios::RunOptions& options);

// Calls `on_result` for every seed in seed order.
void run_seeds(const scenarios::Scenario& scenario, const SeedRunOptions& options,
               const std::function<void(const SeedResult&)>& on_result);

}  // namespace brook::tools
