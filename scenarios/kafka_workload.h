// The Kafka workload the history-checked scenarios share: producers and consumers of one topic
// on a simulated broker, speaking Kafka's wire protocol over the simulated network, recording
// every operation into a History (scenarios/history.h) for the checker.
//
//   KafkaWorkload workload(history, shape, cluster.bootstrap());
//   workload.start(sim);                        // adds processes p1.., c1..
//   sim.run_for(seconds(5));                    // faults happen meanwhile
//   workload.begin_quiet();  ... workload.idle_since_quiet() ...
//   workload.stop_producing();
//   sim.add_process("verifier", [&](Environment& env) { done = workload.verify(env); });
//
// Producers send batches of 1-4 records with acks=-1, pipelining up to `pipeline` requests; each
// record's value starts with a unique 64-bit number, never resent. Consumers poll every
// partition in turn with long-polling fetches from their own position, drop records before it
// (a fetch returns the whole batch holding it), and seek to the log start when retention
// passed their position (OFFSET_OUT_OF_RANGE), as auto.offset.reset=earliest does. With
// `commits`, consumer c1 commits to group "group-c1" and resumes from it when it (re)starts.
//
// It speaks through core/client/kafka_calls.h for now; Brook's Producer and Consumer
// (core/client/producer.h, consumer.h) will replace those calls when they land.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/client/kafka_connection.h"
#include "core/runtime/environment.h"
#include "scenarios/history.h"
#include "sim/simulation.h"

namespace brook::scenarios {

struct WorkloadShape {
    int producers = 1;
    int consumers = 1;
    int partitions = 1;
    int pipeline = 1;                   // produce requests a producer keeps in flight
    int64_t consumer_pause_max_ms = 0;  // slow consumers: a pause of up to this between polls
    int64_t producer_pause_max_us = 20000;
    int32_t record_value_bytes_max = 300;
    std::map<std::string, std::string> topic_configs;  // CreateTopics configs (retention, ...)
    // The disk may corrupt stored batches: consumers that meet one skip past it instead of
    // waiting forever at it.
    bool skip_corrupt_batches = false;
    // Consumers commit their positions to a group of their own (standalone commits, OffsetCommit
    // without a generation) now and then, and resume from the committed offsets (OffsetFetch)
    // whenever they start, e.g. after a crash.
    bool commits = false;
};

inline constexpr std::string_view kWorkloadTopic = "events";

class KafkaWorkload {
public:
    // `bootstrap`: the brokers' listeners (ClusterShape::bootstrap()); a client connects to one.
    KafkaWorkload(History& history, WorkloadShape shape, std::vector<Address> bootstrap);

    // Adds the producer and consumer processes.
    void start(sim::Simulation& sim);
    // From now on acknowledgements and reads count towards idle_since_quiet().
    void begin_quiet() { quiet_ = true; }
    // The first client that has made no progress since begin_quiet(): a producer without an
    // acknowledgement, or a consumer that neither read a record nor reset to a new position
    // ("" when all have). Consumers are
    // exempt when the disk may corrupt data: one may wait at a damaged batch for good.
    std::string idle_since_quiet() const;
    void stop_producing() { producing_ = false; }

    // Reads every partition from its log start to its end into the history (process
    // "verifier"). nullopt when done, else why it could not finish. May suspend.
    std::optional<std::string> verify(Environment& env, Duration give_up_after);

private:
    void producer(Environment& env, const std::string& name);
    void consumer(Environment& env, const std::string& name);
    // One poll of `partition` from `position`; false when the connection must be reopened.
    bool poll_once(Environment& env, client::KafkaConnection& kafka, const std::string& name,
                   PartitionId partition, Offset& position);
    // Where a starting consumer begins each partition: its group's committed offset (recorded
    // as an assign), else 0. May suspend.
    std::vector<Offset> resume(Environment& env, std::unique_ptr<client::KafkaConnection>& kafka,
                               const std::string& name);
    // Commits `position` for `partition`; false when the connection must be reopened.
    bool commit(Environment& env, client::KafkaConnection& kafka, const std::string& name,
                PartitionId partition, Offset position);

    History& history_;
    WorkloadShape shape_;
    std::vector<Address> bootstrap_;
    uint64_t next_value_ = 1;
    bool producing_ = true;
    bool quiet_ = false;
    std::map<std::string, int> quiet_progress_;  // acknowledgements or records, per client
    std::vector<std::string> producers_;
    std::vector<std::string> consumers_;
};

}  // namespace brook::scenarios
