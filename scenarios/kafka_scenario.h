// The history-checked broker scenarios: a cluster of brokers (n1..nN, the code of `brook
// serve`), the Kafka workload (scenarios/kafka_workload.h) and a fault policy drawn from the
// seed, run in the phases of scenarios/cluster_run.h and judged by check_kafka_history.
//
//   Scenario disk_faults_scenario() {
//       return kafka_scenario("disk-faults", "...", [](Random& random) {
//           KafkaSetup setup = KafkaSetup::draw_common(random);
//           if (setup.enable(random, "eio", 1, 2)) setup.disk_faults.sync_error_ppm = 2000;
//           setup.schedule.add(seconds(2), "crash", {setup.pick_broker(random)});
//           return setup;
//       });
//   }
//
// Phases: (1) faults: the drawn online faults (disk odds, connection resets, latency) plus the
// fault schedule (its actions: scenarios/fault_actions.h; the clients are p1.. and c1.., and
// consumers may crash and restart); (2) quiet: faults off, links healed, every process up, every
// producer must get a send acknowledged and every consumer must read a record (or reset past
// retention) within 10 s (liveness); (3) producers stop, every broker crashes once more (what is
// unsynced is lost or torn) and restarts, and a verifier reads every partition from its log
// start to its end; (4) the checker judges the whole history.
//
// RunOptions::overrides may set producers, consumers, partitions, pipeline and fault_phase_ms
// (whole numbers from 1): they replace the draw after it, so the schedule stays the seed's.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/io/random.h"
#include "scenarios/cluster_shape.h"
#include "scenarios/kafka_history_checker.h"
#include "scenarios/kafka_workload.h"
#include "scenarios/scenario.h"
#include "sim/fault_schedule.h"
#include "sim/sim_disk.h"

namespace brook::scenarios {

struct KafkaSetup {
    int brokers = 1;
    int replication_factor = 1;
    WorkloadShape shape;
    std::map<std::string, std::string> broker_configs;  // server.properties keys
    sim::SimDiskFaults disk_faults;                     // online disk faults of the fault phase
    uint64_t reset_per_million_chunks = 0;
    int64_t link_latency_max_us = 1000;
    Duration fault_phase = seconds(5);
    CheckOptions check;
    sim::FaultSchedule schedule;
    // Every parameter drawn, in order, for RunOptions::on_parameter.
    std::vector<std::pair<std::string, std::string>> parameters;

    // The workload's shape, segment size, crash durability mode and phase length, drawn.
    static KafkaSetup draw_common(Random& random);

    // Records a parameter (a later put of the same name replaces the value, in place).
    template <typename T>
    void put(std::string name, const T& value) {
        std::string text = fmt::format("{}", value);
        for (auto& [existing, old] : parameters) {
            if (existing == name) {
                old = std::move(text);
                return;
            }
        }
        parameters.emplace_back(std::move(name), std::move(text));
    }
    // Swarm testing: draws whether fault kind `name` is on in this seed (odds in/of) and
    // records it.
    bool enable(Random& random, std::string name, uint64_t in, uint64_t of);
    // The cluster: `brokers` brokers, producers p1.., consumers c1.. (which may crash).
    ClusterShape cluster() const;
    // A broker to fault, drawn when there is more than one.
    std::string pick_broker(Random& random) const;
    // Broker crash/restart pairs through the fault phase: a crash every up to
    // `interval_ms_max`, down for up to `downtime_ms_max`.
    void draw_crashes(Random& random, int64_t interval_ms_max, int64_t downtime_ms_max);
};

using DrawSetup = std::function<KafkaSetup(Random& random)>;

Scenario kafka_scenario(std::string name, std::string description, DrawSetup draw);

}  // namespace brook::scenarios
