#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "scenarios/scenario.h"

namespace brook::scenarios {

TEST_CASE("cluster scenario: a seed passes and replays to the same trace hash",
          "[cluster-scenario]") {
    const Scenario* scenario = find_scenario("cluster");
    REQUIRE(scenario != nullptr);
    Outcome first = scenario->run(RunOptions{.seed = 3});
    INFO(first.failure);
    REQUIRE(first.verdict == Verdict::passed);
    REQUIRE(first.schedule.size() > 0);
    Outcome second = scenario->run(RunOptions{.seed = 3});
    REQUIRE(second.trace_hash == first.trace_hash);
}

TEST_CASE("cluster scenario: a node down past the session timeout is probed and fenced",
          "[cluster-scenario]") {
    sim::FaultSchedule schedule;
    schedule.add(milliseconds(5000), "crash", {"n2"});
    schedule.add(milliseconds(12000), "restart", {"n2"});
    std::map<std::string, std::string> parameters;
    RunOptions options{.seed = 5, .schedule = schedule};
    options.on_parameter = [&](std::string_view name, std::string value) {
        parameters[std::string(name)] = value;
    };
    Outcome outcome = find_scenario("cluster")->run(options);
    INFO(outcome.failure);
    REQUIRE(outcome.verdict == Verdict::passed);
    // Seed 5 draws a fault phase longer than the probe's time (crash + 5 s).
    REQUIRE(parameters.at("fence_probes") == "1");
    REQUIRE(outcome.failure.find("2 fence probes answered") != std::string::npos);
}

TEST_CASE("cluster scenario: every node crashing at once keeps every topic once",
          "[cluster-scenario]") {
    sim::FaultSchedule schedule;
    for (const char* node : {"n1", "n2", "n3"}) {
        schedule.add(milliseconds(3000), "crash", {node});
        schedule.add(milliseconds(3400), "restart", {node});
    }
    Outcome outcome = find_scenario("cluster")->run(RunOptions{.seed = 8, .schedule = schedule});
    INFO(outcome.failure);
    REQUIRE(outcome.verdict == Verdict::passed);
}

TEST_CASE("cluster scenario: an unknown node makes the run invalid", "[cluster-scenario]") {
    sim::FaultSchedule schedule;
    schedule.add(milliseconds(10), "crash", {"n4"});
    REQUIRE(find_scenario("cluster")->run(RunOptions{.seed = 1, .schedule = schedule}).verdict ==
            Verdict::invalid);
}

}  // namespace brook::scenarios
