#include <catch2/catch.hpp>

#include "scenarios/scenario.h"

namespace brook::scenarios {

TEST_CASE("quorum scenarios: a seed passes and replays to the same trace hash",
          "[quorum-scenario]") {
    const char* name = GENERATE("quorum", "quorum-5");
    const Scenario* scenario = find_scenario(name);
    REQUIRE(scenario != nullptr);
    Outcome first = scenario->run(RunOptions{.seed = 3});
    INFO(name << ": " << first.failure);
    REQUIRE(first.verdict == Verdict::passed);
    REQUIRE(first.schedule.size() > 0);
    Outcome second = scenario->run(RunOptions{.seed = 3});
    REQUIRE(second.trace_hash == first.trace_hash);
}

TEST_CASE("quorum scenario: every node crashing at once still commits afterwards",
          "[quorum-scenario]") {
    sim::FaultSchedule schedule;
    for (const char* node : {"n1", "n2", "n3"}) {
        schedule.add(milliseconds(1500), "crash", {node});
        schedule.add(milliseconds(1800), "restart", {node});
    }
    schedule.add(milliseconds(2500), "isolate-leader", {});
    schedule.add(milliseconds(3500), "rejoin", {});
    Outcome outcome = find_scenario("quorum")->run(RunOptions{.seed = 9, .schedule = schedule});
    INFO(outcome.failure);
    REQUIRE(outcome.verdict == Verdict::passed);
}

TEST_CASE("quorum scenario: an unknown action or node makes the run invalid", "[quorum-scenario]") {
    sim::FaultSchedule unknown;
    unknown.add(milliseconds(10), "disk-full", {"n1"});
    REQUIRE(find_scenario("quorum")->run(RunOptions{.seed = 1, .schedule = unknown}).verdict ==
            Verdict::invalid);
    sim::FaultSchedule no_such_node;
    no_such_node.add(milliseconds(10), "crash", {"n4"});
    REQUIRE(find_scenario("quorum")->run(RunOptions{.seed = 1, .schedule = no_such_node}).verdict ==
            Verdict::invalid);
    REQUIRE(find_scenario("quorum-5")->run(RunOptions{.seed = 1, .schedule = no_such_node}).verdict ==
            Verdict::passed);
}

}  // namespace brook::scenarios
