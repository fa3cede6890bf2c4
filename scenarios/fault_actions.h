// The actions a scenario's fault schedule (sim/fault_schedule.h) may hold, checked against the
// cluster's shape and executed on the simulation; and the drawing helpers scenarios share.
// Every scenario draws its faults into a schedule before the run, so that `brook sim shrink`
// can shrink it and `brook sim replay --schedule FILE` runs exactly the file.
//
//   if (auto why = unexecutable(event, shape)) return invalid(*why);
//   sim.scheduler().call_at(start + event.at, [&] { execute(sim, event); });
//
// Actions (the targets after the action; n1.. are the brokers, the clients as the shape names
// them):
//   crash X, restart X            a broker (its disk crashes) or a restartable client dies / boots
//   partition X Y, heal X Y       both directions between X and Y blocked / healed
//   reset X Y                     every connection between X and Y is reset
//   clock-jump X MS               X's wall clock steps by MS milliseconds (negative: back)
//   clock-drift X PPM             X's wall clock runs PPM parts per million fast (or slow)
//   disk-full N [SLACK]           broker N's disk is full from now on (after SLACK more bytes)
//   disk-space N                  broker N's disk has space again
//   bit-flips N PPM               from now on, N's writes silently flip a bit with these odds
#pragma once

#include <optional>
#include <string>

#include "core/base/time.h"
#include "core/io/random.h"
#include "scenarios/cluster_shape.h"
#include "sim/fault_schedule.h"
#include "sim/simulation.h"

namespace brook::scenarios {

// Why `event` cannot run on `shape` (an unknown action or target, a bad number); nullopt when
// it can. A drawn schedule always can; a hand-edited one may not.
std::optional<std::string> unexecutable(const sim::FaultEvent& event, const ClusterShape& shape);

// Executes an executable `event`. A crash of a process that is down, or a restart of one that
// is up, does nothing.
void execute(sim::Simulation& sim, const sim::FaultEvent& event);

// A broker of `shape`, drawn from `random` only when there is more than one (so that a
// one-broker scenario's draws stay as they were).
std::string pick_broker(Random& random, const ClusterShape& shape);

// Crash/restart pairs of a broker through `phase`: a crash every [100, interval_ms_max] ms after
// the last restart, down for [0, downtime_ms_max] ms.
void draw_broker_crashes(sim::FaultSchedule& schedule, Random& random, const ClusterShape& shape,
                         Duration phase, int64_t interval_ms_max, int64_t downtime_ms_max);

}  // namespace brook::scenarios
