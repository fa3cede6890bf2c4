#include "scenarios/run_outcome.h"

namespace brook::scenarios {

Outcome conclude(sim::Simulation& sim, const RunOptions& options, Outcome& outcome, Verdict verdict,
                 std::string failure) {
    outcome.verdict = verdict;
    outcome.failure = std::move(failure);
    outcome.trace_hash = sim.trace().hash();
    outcome.events = sim.trace().event_count();
    // Virtual time starts at 1 s (sim/sim_reactor.h), so that no event happens at zero.
    outcome.simulated = sim.now() - Instant(seconds(1));
    sim.trace().recordf(sim.now(), "sim", "sim.verdict", "{} {}", verdict_name(verdict),
                        outcome.failure);
    if (options.keep_trace_lines) outcome.trace_lines = sim.trace().lines();
    return outcome;
}

}  // namespace brook::scenarios
