// The end of every scenario run: the verdict and the run's figures, in one place so that every
// scenario reports them the same way.
//
//   Outcome outcome;
//   ...run, check...
//   return conclude(sim, options, outcome, Verdict::correctness, "lost-write: ...");
#pragma once

#include <string>

#include "scenarios/scenario.h"
#include "sim/simulation.h"

namespace brook::scenarios {

// Completes `outcome` (its schedule and anything else the scenario set stay) with the verdict,
// the trace's hash and event count, the simulated time and, with RunOptions::keep_trace_lines,
// the trace itself; returns a copy. The verdict is recorded as the trace's last line after the
// hash is taken: the hash covers the run, not its judgement.
Outcome conclude(sim::Simulation& sim, const RunOptions& options, Outcome& outcome, Verdict verdict,
                 std::string failure);

}  // namespace brook::scenarios
