// RunOptions::overrides on the history-checked broker scenarios: an override replaces the seed's
// draw of a workload parameter and leaves the rest of the seed (the fault schedule) as drawn;
// a name the scenario does not take or a bad value make the run invalid.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "scenarios/scenario.h"

namespace brook::scenarios {
namespace {

struct Run {
    Outcome outcome;
    std::map<std::string, std::string> parameters;
};

Run run_with(std::map<std::string, std::string> overrides) {
    const Scenario* scenario = find_scenario("produce-consume-crash");
    REQUIRE(scenario != nullptr);
    Run run;
    RunOptions options{.seed = 11};
    options.overrides = std::move(overrides);
    options.on_parameter = [&run](std::string_view name, std::string value) {
        run.parameters[std::string(name)] = std::move(value);
    };
    run.outcome = scenario->run(options);
    return run;
}

TEST_CASE("workload overrides replace the seed's draw and keep its fault schedule") {
    Run drawn = run_with({});
    REQUIRE(drawn.outcome.verdict == Verdict::passed);
    // Overrides that differ from what seed 11 draws, so the test sees them take effect.
    std::string producers = drawn.parameters.at("producers") == "2" ? "1" : "2";
    std::string fault_phase_ms = drawn.parameters.at("fault_phase_ms") == "2000" ? "2500" : "2000";
    Run overridden = run_with({{"producers", producers}, {"fault_phase_ms", fault_phase_ms}});
    CHECK(overridden.outcome.verdict == Verdict::passed);
    CHECK(overridden.parameters.at("producers") == producers);
    CHECK(overridden.parameters.at("fault_phase_ms") == fault_phase_ms);
    CHECK(overridden.parameters.at("consumers") == drawn.parameters.at("consumers"));
    CHECK(overridden.outcome.schedule == drawn.outcome.schedule);
    // The run itself changed: other clients, another length of faults.
    CHECK(overridden.outcome.trace_hash != drawn.outcome.trace_hash);
    CHECK(overridden.outcome.simulated != drawn.outcome.simulated);
}

TEST_CASE("unknown or invalid workload overrides make the run invalid") {
    for (const auto& [name, value] : std::map<std::string, std::string>{{"producers", "0"},
                                                                        {"partitions", "many"},
                                                                        {"segment_bytes", "4096"},
                                                                        {"records", "10"}}) {
        INFO(name << "=" << value);
        Run run = run_with({{name, value}});
        CHECK(run.outcome.verdict == Verdict::invalid);
        CHECK(run.outcome.failure.find(name) != std::string::npos);
    }
    const Scenario* scenario = find_scenario("produce-consume-crash");
    CHECK(scenario->workload_parameters == std::vector<std::string>{"producers", "consumers",
                                                                    "partitions", "pipeline",
                                                                    "fault_phase_ms"});
}

TEST_CASE("a scenario without workload parameters refuses every override") {
    for (const Scenario& scenario : all_scenarios()) {
        if (!scenario.workload_parameters.empty()) continue;
        INFO(scenario.name);
        RunOptions options{.seed = 1};
        options.overrides = {{"producers", "1"}};
        Outcome outcome = scenario.run(options);
        CHECK(outcome.verdict == Verdict::invalid);
        CHECK(outcome.failure.find("producers") != std::string::npos);
    }
}

}  // namespace
}  // namespace brook::scenarios
