// A named simulation scenario: a cluster shape, a workload and a fault policy, judged by a checker.
//
//   const Scenario* scenario = find_scenario("counter");
//   Outcome outcome = scenario->run(RunOptions{.seed = 42});
//   if (outcome.verdict != Verdict::passed) fmt::print("{}\n", outcome.failure);
//
// One seed fixes everything: the scenario draws its parameters (which faults, how often, how
// many clients) from the seed first and reports each through `on_parameter`, so a replay can
// print them before the run starts (TigerBeetle's VOPR does the same).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/time.h"
#include "sim/fault_schedule.h"

namespace brook::scenarios {

enum class Verdict {
    passed,
    correctness,  // a safety property failed: lost or duplicated data, bad ordering, ...
    liveness,     // the system did not recover once faults stopped
    invalid,      // the run could not start: a schedule the scenario cannot execute
};

std::string_view verdict_name(Verdict verdict);

struct Outcome {
    Verdict verdict = Verdict::passed;
    std::string failure;  // what the checker found, with the offending values
    uint64_t trace_hash = 0;
    uint64_t events = 0;
    Duration simulated{};
    // The faults the run executed: drawn from the seed, or RunOptions::schedule.
    sim::FaultSchedule schedule;
    std::string trace_lines;  // the whole trace, when RunOptions::keep_trace_lines was set
};

struct RunOptions {
    uint64_t seed = 0;
    // When set, the readable trace is written there.
    std::string trace_path;
    // When set, the trace's lines are kept in memory and returned in Outcome::trace_lines.
    bool keep_trace_lines = false;
    // Called once per parameter derived from the seed, before the run starts.
    std::function<void(std::string_view name, std::string value)> on_parameter;
    // Replaces the fault schedule the seed would draw (replay of a shrunk or edited schedule).
    std::optional<sim::FaultSchedule> schedule;
    // Called with the schedule the run will execute, before it starts (so a run that then
    // crashes has still told its schedule).
    std::function<void(const sim::FaultSchedule&)> on_schedule;
    // Workload parameters (by the names on_parameter reports) that replace the seed's draw, for
    // a shrunk workload: the scenario still draws everything as before, then applies these, so
    // the rest of the seed (the fault schedule above all) stays the same. A name the scenario
    // does not take (Scenario::workload_parameters) or a bad value makes the run
    // Verdict::invalid.
    std::map<std::string, std::string> overrides;
};

struct Scenario {
    std::string name;
    std::string description;
    std::function<Outcome(const RunOptions&)> run;
    // The numeric parameters RunOptions::overrides may set, in the order `brook sim shrink`
    // halves them (empty: the scenario takes no overrides).
    std::vector<std::string> workload_parameters;
};

// Every scenario, in a fixed order.
const std::vector<Scenario>& all_scenarios();
const Scenario* find_scenario(std::string_view name);

}  // namespace brook::scenarios
