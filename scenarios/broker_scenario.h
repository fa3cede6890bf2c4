// The "broker-crash" scenario: one broker node (core/broker/, the code `brook serve` runs) and
// simulated clients speaking Kafka's wire protocol through the simulated network. Producers
// send uniquely numbered batches with acks=-1 (some pipelining up to three requests);
// consumers read every partition from the start with long-polling fetches. Meanwhile the node
// crashes and restarts, its disk loses or tears unsynced writes and sometimes fails syncs
// with EIO, and client connections are reset. Which faults and how hard is drawn per seed.
//
// Phases: faults; then quiet (every producer must get a batch acknowledged, liveness); then
// one last crash and restart, after which a verifier reads every partition from offset 0.
// BrokerChecker (scenarios/broker_checker.h) judges: no acknowledged batch lost, no batch
// stored twice, nothing read that was never sent, reads dense and stable, each producer's
// acknowledged offsets increasing.
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario broker_scenario();

}  // namespace brook::scenarios
