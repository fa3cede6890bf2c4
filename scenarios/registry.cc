#include <fmt/format.h>

#include "scenarios/client_scenario.h"
#include "scenarios/cluster_scenario.h"
#include "scenarios/counter_scenario.h"
#include "scenarios/fault_scenarios.h"
#include "scenarios/group_scenario.h"
#include "scenarios/log_scenario.h"
#include "scenarios/quorum_scenario.h"
#include "scenarios/scenario.h"

namespace brook::scenarios {

std::string_view verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::passed:
            return "passed";
        case Verdict::correctness:
            return "correctness";
        case Verdict::liveness:
            return "liveness";
        case Verdict::invalid:
            return "invalid";
    }
    return "?";
}

namespace {

// A scenario without workload parameters refuses every override, so that a replayed or edited
// schedule file naming one is an invalid run, never silently the seed's own workload.
Scenario refusing_overrides(Scenario scenario) {
    if (!scenario.workload_parameters.empty()) return scenario;
    scenario.run = [run = std::move(scenario.run),
                    name = scenario.name](const RunOptions& options) {
        if (options.overrides.empty()) return run(options);
        Outcome outcome;
        outcome.verdict = Verdict::invalid;
        outcome.failure = fmt::format("scenario {} takes no workload parameters, but got {}", name,
                                      options.overrides.begin()->first);
        return outcome;
    };
    return scenario;
}

std::vector<Scenario> every_scenario() {
    return {
        counter_scenario(),        counter_unsynced_scenario(),      log_scenario(),
        client_scenario(),         produce_consume_crash_scenario(), disk_faults_scenario(),
        network_faults_scenario(), clock_jumps_scenario(),           retention_race_scenario(),
        all_faults_scenario(),     group_churn_scenario(),           quorum_scenario(),
        quorum5_scenario(),        cluster_scenario(),
    };
}

}  // namespace

const std::vector<Scenario>& all_scenarios() {
    static const std::vector<Scenario> scenarios = [] {
        std::vector<Scenario> list;
        for (Scenario& scenario : every_scenario()) {
            list.push_back(refusing_overrides(std::move(scenario)));
        }
        return list;
    }();
    return scenarios;
}

const Scenario* find_scenario(std::string_view name) {
    for (const Scenario& scenario : all_scenarios()) {
        if (scenario.name == name) return &scenario;
    }
    return nullptr;
}

}  // namespace brook::scenarios
