#include "scenarios/broker_scenario.h"
#include "scenarios/client_scenario.h"
#include "scenarios/counter_scenario.h"
#include "scenarios/fault_scenarios.h"
#include "scenarios/log_scenario.h"
#include "scenarios/scenario.h"

namespace brook::scenarios {

std::string_view verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::passed: return "passed";
        case Verdict::correctness: return "correctness";
        case Verdict::liveness: return "liveness";
        case Verdict::invalid: return "invalid";
    }
    return "?";
}

const std::vector<Scenario>& all_scenarios() {
    static const std::vector<Scenario> scenarios = {
        counter_scenario(),
        counter_unsynced_scenario(),
        log_scenario(),
        broker_scenario(),
        produce_consume_crash_scenario(),
        disk_faults_scenario(),
        network_faults_scenario(),
        clock_jumps_scenario(),
        retention_race_scenario(),
        all_faults_scenario(),
        client_scenario(),
    };
    return scenarios;
}

const Scenario* find_scenario(std::string_view name) {
    for (const Scenario& scenario : all_scenarios()) {
        if (scenario.name == name) return &scenario;
    }
    return nullptr;
}

}  // namespace brook::scenarios
