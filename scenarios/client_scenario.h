// The "client-produce" scenario: Brook's own producer and consumer (core/client/) drive one
// broker node through the simulated network while the node crashes and restarts (its disk
// losing or tearing unsynced writes, some syncs failing), connections reset and network
// partitions come and go. Producers (keyed, unkeyed and explicit partitions; a codec drawn per
// producer) run with acks=-1, max.in.flight.requests.per.connection 1 and unbounded retries, so
// every retry must land before any later batch of its partition; a consumer reads all
// partitions meanwhile.
//
// Phases: faults; then quiet (every producer must get a record acknowledged, liveness); then
// the producers flush and close, the node crashes once more, and a verifier (the library's
// consumer again) reads every partition from offset 0. ClientChecker
// (scenarios/client_checker.h) judges: every acknowledged record at the offset its delivery
// report named, a producer's acknowledged records in send order within each partition, reads
// stable, nothing read that was never sent.
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario client_scenario();

}  // namespace brook::scenarios
