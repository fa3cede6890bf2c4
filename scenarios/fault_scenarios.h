// The history-checked broker scenarios, one per fault family (scenarios/kafka_scenario.h runs
// them). Each seed also draws which fault kinds of its family are on and how often (swarm
// testing), and reports every choice through RunOptions::on_parameter.
//
//   produce-consume-crash  the node crashes and restarts while producers and consumers run;
//                          resets, failing and slow fsyncs; consumers that commit, crash and
//                          resume from their commits
//   disk-faults            torn and lost unsynced writes, bit flips, EIO on read, write and
//                          sync, ENOSPC windows
//   network-faults         partitions and resets between clients and the broker, slow links
//   clock-jumps            wall clocks of the broker and clients jump and drift, with
//                          time-based retention sometimes on
//   retention-race         retention by time and size deletes segments under slow consumers,
//                          who must see OFFSET_OUT_OF_RANGE and reset, never wrong data
//   all-faults             every family above, each on or off per seed
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario produce_consume_crash_scenario();
Scenario disk_faults_scenario();
Scenario network_faults_scenario();
Scenario clock_jumps_scenario();
Scenario retention_race_scenario();
Scenario all_faults_scenario();

}  // namespace brook::scenarios
