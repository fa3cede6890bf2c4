// RunOptions::schedule on every scenario: the schedule given replaces the one the seed draws
// (replaying the seed's own schedule is the seed; an empty one runs without those faults), and a
// schedule the scenario cannot execute makes the run invalid. This is what `brook sim replay
// --schedule FILE` and `brook sim shrink` rely on.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "scenarios/scenario.h"

namespace brook::scenarios {
namespace {

Outcome run(const Scenario& scenario, uint64_t seed, std::optional<sim::FaultSchedule> schedule) {
    RunOptions options{.seed = seed};
    options.schedule = std::move(schedule);
    return scenario.run(options);
}

// One scenario per frame: the other history-checked scenarios run produce-consume-crash's code
// with other draws (and under ASan each run costs seconds).
TEST_CASE("every scenario runs the fault schedule it is given instead of the seed's") {
    for (std::string_view name :
         {"counter", "log-faults", "client-produce", "group-churn", "produce-consume-crash"}) {
        const Scenario* found = find_scenario(name);
        REQUIRE(found != nullptr);
        const Scenario& scenario = *found;
        INFO(scenario.name);
        // The first seed that draws any fault at all.
        uint64_t seed = 1;
        Outcome drawn = run(scenario, seed, std::nullopt);
        while (drawn.schedule.empty() && seed < 10) drawn = run(scenario, ++seed, std::nullopt);
        INFO("seed " << seed);
        REQUIRE_FALSE(drawn.schedule.empty());

        Outcome same = run(scenario, seed, drawn.schedule);
        CHECK(same.schedule == drawn.schedule);
        CHECK(same.verdict == drawn.verdict);
        CHECK(same.trace_hash == drawn.trace_hash);

        Outcome none = run(scenario, seed, sim::FaultSchedule{});
        CHECK(none.schedule.empty());
        CHECK(none.trace_hash != drawn.trace_hash);
    }
}

// Every scenario: an invalid run ends before anything runs.
TEST_CASE("a schedule the scenario cannot execute makes the run invalid") {
    sim::FaultSchedule schedule;
    schedule.add(seconds(1), "crash", {"nobody"});
    for (const Scenario& scenario : all_scenarios()) {
        INFO(scenario.name);
        Outcome outcome = run(scenario, 1, schedule);
        CHECK(outcome.verdict == Verdict::invalid);
        CHECK(outcome.failure.find("nobody") != std::string::npos);
    }
}

}  // namespace
}  // namespace brook::scenarios
