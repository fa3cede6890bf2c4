// An in-memory QuorumChannel for tests of the quorum driver in the simulator, until the Kafka
// wire channel (KafkaQuorumChannel) is there: raft::Message values go from node to node after
// a seeded delay, unless the link is cut or nobody listens at the other end (a crashed node).
//
//   MemoryQuorumNetwork network(sim);
//   sim.add_process("q1", [&](Environment& env) {
//       MemoryQuorumChannel channel(network, NodeId(1), env.scheduler);  // gone with a crash
//       ...
//   });
//   network.isolate(NodeId(1));  ...  network.heal();
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/quorum/quorum_channel.h"
#include "core/runtime/wait_queue.h"
#include "sim/simulation.h"

namespace brook::quorum::testing {

class MemoryQuorumChannel;

class MemoryQuorumNetwork {
public:
    explicit MemoryQuorumNetwork(sim::Simulation& sim) : sim_(sim) {}

    // Delivers after delay_min_ms..delay_max_ms of virtual time, in the system group so that a
    // crash of the sender does not cancel it.
    void send(raft::Message message);

    void block(raft::NodeId from, raft::NodeId to) { blocked_.insert({from, to}); }
    void isolate(raft::NodeId node, const std::vector<raft::NodeId>& others) {
        for (raft::NodeId other : others) {
            if (other == node) continue;
            block(node, other);
            block(other, node);
        }
    }
    void heal() { blocked_.clear(); }

    int64_t delay_min_ms = 1;
    int64_t delay_max_ms = 5;

private:
    friend class MemoryQuorumChannel;

    sim::Simulation& sim_;
    std::map<raft::NodeId, MemoryQuorumChannel*> endpoints_;
    std::set<std::pair<raft::NodeId, raft::NodeId>> blocked_;
};

class MemoryQuorumChannel final : public QuorumChannel {
public:
    MemoryQuorumChannel(MemoryQuorumNetwork& network, raft::NodeId self, Scheduler& scheduler)
        : network_(network), self_(self), arrived_(scheduler) {
        network_.endpoints_[self_] = this;
    }
    ~MemoryQuorumChannel() override { network_.endpoints_.erase(self_); }

    void send(raft::Message message) override { network_.send(std::move(message)); }

    std::optional<raft::Message> receive() override {
        while (inbox_.empty() && !closed_) arrived_.wait();  // May suspend.
        if (closed_) return std::nullopt;
        raft::Message message = std::move(inbox_.front());
        inbox_.pop_front();
        return message;
    }

    void close() override {
        closed_ = true;
        inbox_.clear();
        arrived_.notify_all();
    }

    void deliver(raft::Message message) {
        if (closed_) return;
        inbox_.push_back(std::move(message));
        arrived_.notify_all();
    }

private:
    MemoryQuorumNetwork& network_;
    raft::NodeId self_;
    WaitQueue arrived_;
    std::deque<raft::Message> inbox_;
    bool closed_ = false;
};

inline void MemoryQuorumNetwork::send(raft::Message message) {
    if (blocked_.count({message.from, message.to}) != 0) return;
    int64_t delay_ms = delay_min_ms + static_cast<int64_t>(sim_.random().uniform(
                                          static_cast<uint64_t>(delay_max_ms - delay_min_ms + 1)));
    sim_.scheduler().call_at_in_group(kSystemGroup, sim_.now() + milliseconds(delay_ms),
                                      [this, message = std::move(message)]() mutable {
                                          auto endpoint = endpoints_.find(message.to);
                                          if (endpoint == endpoints_.end())
                                              return;  // nobody there: lost, as on a real link
                                          endpoint->second->deliver(std::move(message));
                                      });
}

}  // namespace brook::quorum::testing
