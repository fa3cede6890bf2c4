// The cluster scenario's clients (scenarios/cluster_scenario.h) and the cluster timings they
// depend on: an admin creating topics through each broker in turn, a producer, a prober asking
// for Metadata while a broker is long down, and the final checks, all Brook's client library
// over the simulated network, feeding one ClusterChecker.
//
//   ClusterClients clients(parameters, shape.bootstrap());
//   sim.add_process("a1", [&](Environment& env) { clients.admin(env); });
//   ...faults...
//   clients.stop_workload();
//   sim.add_process("v1", [&](Environment& env) { failure = clients.check_recovered(env); });
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/io/network.h"
#include "core/protocol/generated/metadata.h"
#include "core/runtime/environment.h"
#include "scenarios/cluster_checker.h"
#include "sim/simulation.h"

namespace brook::node {
class KraftNode;
}

namespace brook::scenarios {

inline constexpr int kNodes = 3;
inline constexpr uint16_t kControllerPort = 9093;
inline constexpr int32_t kSessionTimeoutMs = 1500;
inline constexpr int32_t kHeartbeatIntervalMs = 250;
inline constexpr int32_t kElectionTimeoutMs = 500;
inline constexpr int32_t kFetchTimeoutMs = 1000;
// After a node's crash, by when the others must have fenced its broker: the session timeout,
// an election if it led the quorum (the fetch timeout, then an election timeout or two), the
// new controller's fresh sessions, the publication of the change.
inline constexpr int64_t kFenceBoundMs = kSessionTimeoutMs + kFetchTimeoutMs + 2500;
// Nothing else happened for this long before such a crash: the cluster had settled.
inline constexpr int64_t kSettleMs = 3000;
// The admin creates at most this many topics (t0..), then only tries them again.
inline constexpr int kTopicsMax = 10;

struct ClientParameters {
    int32_t partitions_max = 3;  // a new topic has 1..this many partitions
    int64_t create_pause_max_ms = 200;
    int64_t produce_pause_max_ms = 20;
};

// A node down past kFenceBoundMs: at `at` (since the fault phase began) the prober asks the
// others for Metadata.
struct FenceProbe {
    Duration at{};
    int down = 0;
};

class ClusterClients {
public:
    ClusterClients(ClientParameters parameters, std::vector<Address> bootstrap);

    ClusterChecker& checker() { return checker_; }
    // Node n<index>'s KraftNode while it runs (nullptr when it stops): where the checks read
    // each node's committed metadata.
    void node_started(int index, node::KraftNode* node) { nodes_[index] = node; }

    // Process a1 until stop_workload(): CreateTopics through n1, n2, n3 in turn, of a new topic
    // (at most kTopicsMax) or, one time in three, of one it tried before. May suspend.
    void admin(Environment& env);
    // Process p1 until stop_workload(): records (acks=-1) to random partitions of the created
    // topics; then flushes and closes. May suspend.
    void producer(Environment& env);
    // Process f1: each probe at its time (since `start`). May suspend.
    void prober(Environment& env, sim::Simulation& sim, Instant start,
                std::vector<FenceProbe> probes);
    void stop_workload() { working_ = false; }
    bool producer_closed() const { return producer_closed_; }

    // After the quiet phase began: every broker lists all three and leads every created topic's
    // partitions; then those topics everywhere with one id (checker), and a topic created now
    // spread over all three. A liveness failure, if any. May suspend.
    std::optional<std::string> check_recovered(Environment& env);
    // After every node crashed and restarted: recovered again; each created topic created once
    // more through each broker, answered TOPIC_ALREADY_EXISTS (checker); a record produced to
    // every partition and everything read back (checker). A liveness failure, if any.
    // May suspend.
    std::optional<std::string> check_after_last_crash(Environment& env);

private:
    // Why the cluster as broker `asked` describes it is not recovered ("" when it is).
    std::string unrecovered(int asked, const protocol::MetadataResponse& metadata) const;
    // Waits until every broker is recovered; why not, if `bound` passes first. May suspend.
    std::optional<std::string> wait_recovered(Environment& env, Duration bound);
    // Creates `name` through the brokers in turn until an answer that settles it. May suspend.
    std::optional<std::string> create_settled(Environment& env, const std::string& name,
                                              int32_t partitions, Duration bound);
    std::optional<std::string> produce_to_every_partition(Environment& env);
    std::optional<std::string> read_back(Environment& env);

    ClientParameters parameters_;
    std::vector<Address> bootstrap_;
    ClusterChecker checker_;
    std::map<int, node::KraftNode*> nodes_;
    std::vector<std::string> attempted_;         // topic names, in the order first tried
    std::map<std::string, int32_t> partitions_;  // what each name asks for
    // The offset each final record got, by partition.
    std::map<client::TopicPartition, Offset> final_offsets_;
    bool working_ = true;
    bool producer_closed_ = false;
};

}  // namespace brook::scenarios
