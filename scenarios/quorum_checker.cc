#include "scenarios/quorum_checker.h"

#include <fmt/format.h>

namespace brook::scenarios {

void QuorumChecker::fail(std::string what) {
    if (!violation_) violation_ = fmt::format("{}: {}", now_(), what);
}

void QuorumChecker::leader_seen(raft::NodeId node, LeaderEpoch epoch) {
    auto [at, inserted] = leader_of_epoch_.emplace(epoch, node);
    if (!inserted && at->second != node) {
        fail(fmt::format("two leaders in epoch {}: {} and {}", epoch, at->second, node));
    }
}

void QuorumChecker::state_saved(raft::NodeId node, const raft::QuorumState& state) {
    auto [at, first] = durable_.emplace(node, state);
    const raft::QuorumState before = at->second;
    at->second = state;
    if (first) return;
    if (state.epoch < before.epoch) {
        fail(fmt::format("node {}'s durable epoch goes back from {} to {}", node, before.epoch,
                         state.epoch));
    }
    if (state.epoch == before.epoch && before.voted_for != raft::kNoNode &&
        state.voted_for != before.voted_for) {
        fail(fmt::format("node {} votes for {} and then {} in epoch {}", node, before.voted_for,
                         state.voted_for, state.epoch));
    }
}

void QuorumChecker::applied(raft::NodeId node, const raft::Entry& entry) {
    size_t offset = static_cast<size_t>(entry.offset.value());
    if (offset < committed_.size()) {
        if (!(committed_[offset] == entry)) {
            fail(fmt::format("node {} applies {}@{} at offset {} where {}@{} was applied before",
                             node, entry.data, entry.epoch, offset, committed_[offset].data,
                             committed_[offset].epoch));
        }
    } else if (offset == committed_.size()) {
        committed_.push_back(entry);
    } else {
        fail(fmt::format("node {} applies offset {} with only {} known", node, offset,
                         committed_.size()));
    }
}

}  // namespace brook::scenarios
