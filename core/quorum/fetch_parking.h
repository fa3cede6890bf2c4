// Long polling of the metadata log on the leader: a follower's Fetch that finds nothing new is
// answered when there is something (an entry past its fetch offset, a higher high watermark, a
// new epoch) or after a bound, instead of at once. Without it a follower learns of a new entry
// only at its next poll (RaftOptions::fetch_poll_ms), which adds that much to every commit.
//
// RaftNode answers a Fetch inside step() and stays a pure state machine; the driver does the
// parking around it. The request is stepped at once, so the leader counts the follower's
// offset (and may move its high watermark) without delay; an empty answer is then held back,
// and when it is time the same request is stepped again, which makes RaftNode answer afresh.
// Stepping a Fetch twice is harmless: the second records the same offset, a little later.
//
//   parking.remember(request);                       // every FetchRequest, before step()
//   if (parking.hold(response, raft, now)) skip;     // for every message Ready hands out
//   for (auto& request : parking.due(raft, now)) raft.step(request);   // after each drain
#pragma once

#include <map>
#include <vector>

#include "core/base/time.h"
#include "core/raft/raft_node.h"

namespace brook::quorum {

class FetchParking {
public:
    // park_time 0: never parks.
    explicit FetchParking(Duration park_time) : park_time_(park_time) {}

    // A FetchRequest about to be stepped; one per follower is kept (the latest).
    void remember(const raft::Message& request);
    // Whether to hold `message` back rather than send it: a FetchResponse of this node as
    // leader, to the request remembered for its follower, not already released, with nothing
    // the follower does not know yet (no entries, no truncation or snapshot, the same high
    // watermark as the last answer it was sent).
    bool hold(const raft::Message& message, const raft::RaftNode& raft, Instant now);
    // The held requests whose answer is due (something to send, a change of epoch or role, or
    // the bound passed), to step again; their next answer is sent whatever it holds.
    std::vector<raft::Message> due(const raft::RaftNode& raft, Instant now);
    // Forgets everything (the node stops).
    void clear();

private:
    struct Parked {
        raft::Message request;
        Offset high_watermark;  // in the answer held back
        Instant deadline;
    };

    bool should_hold(const raft::Message& message, const raft::FetchResponse& response,
                     const raft::RaftNode& raft) const;

    Duration park_time_;
    std::map<raft::NodeId, raft::Message> requests_;  // the latest Fetch of each follower
    std::map<raft::NodeId, Parked> parked_;
    std::map<raft::NodeId, uint64_t> released_;  // correlation ids answered whatever they hold
    std::map<raft::NodeId, Offset> told_high_watermark_;  // in the last answer sent to each
};

}  // namespace brook::quorum
