// Judges a metadata quorum as it runs, event by event: whoever drives the nodes (the quorum
// tests' rig, a scenario) reports what it sees, and the first broken invariant is kept with the
// virtual time it was seen at.
//
//   QuorumChecker checker([&] { return sim.now(); });
//   checker.leader_seen(NodeId(2), LeaderEpoch(4));      // after every step, per leader
//   checker.state_saved(NodeId(2), state);               // each durable quorum-state save
//   checker.applied(NodeId(3), entry);                   // each committed entry applied
//   if (checker.violation()) fail(*checker.violation());
//
// The invariants:
//   - at most one leader per epoch;
//   - a node's durable epoch never goes back, and it never votes for two candidates in one
//     epoch (its saved states say so, across restarts);
//   - every node applies the same entry at each offset: the first node to apply an offset
//     defines it, so a committed entry that a crash took away shows up as another entry applied
//     at its offset later ("nothing committed is lost", "committed prefixes are identical").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/raft/raft_types.h"

namespace brook::scenarios {

class QuorumChecker {
public:
    explicit QuorumChecker(std::function<Instant()> now) : now_(std::move(now)) {}

    void leader_seen(raft::NodeId node, LeaderEpoch epoch);
    void state_saved(raft::NodeId node, const raft::QuorumState& state);
    void applied(raft::NodeId node, const raft::Entry& entry);

    const std::optional<std::string>& violation() const { return violation_; }
    // Every entry applied by some node, by offset from 0.
    const std::vector<raft::Entry>& committed() const { return committed_; }

private:
    void fail(std::string what);

    std::function<Instant()> now_;
    std::map<LeaderEpoch, raft::NodeId> leader_of_epoch_;
    std::map<raft::NodeId, raft::QuorumState> durable_;
    std::vector<raft::Entry> committed_;
    std::optional<std::string> violation_;
};

}  // namespace brook::scenarios
