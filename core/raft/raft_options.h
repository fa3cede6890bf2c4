// RaftNode's configuration: who votes, the timeouts of KIP-595 (Kafka's controller.quorum.*
// defaults), the bounds on what one message carries, and the seed of the election jitter.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/raft/raft_types.h"

namespace brook::raft {

// Bugs a test can switch on to show that its checker sees what it looks for (the negative
// tests of tests/raft/raft_model_test.cc). They are options rather than core/base/planted_bug.h
// switches because RaftNode is driven directly by tests in every build, and the release build
// compiles planted_bug.h's switches out; production code never sets this field.
enum class RaftPlantedBug : uint8_t {
    none,
    // Grants a vote before the quorum state recording it is durable: a crash right after lets
    // the node vote again in the same epoch.
    vote_before_durable,
    // The leader moves its high watermark over entries of older epochs by counting replicas
    // (Raft's figure 8), without waiting for its own LeaderChange entry to be on a majority.
    commit_older_epoch,
    // A follower fetches again (reporting its log end as durable) before its append is
    // durable, so the leader counts bytes a crash can still take back.
    fetch_before_durable,
};

struct RaftOptions {
    NodeId node_id;
    std::string cluster_id;
    // The voters, this node among them or not (an observer: a broker-only node).
    std::vector<NodeId> voters;

    // controller.quorum.election.timeout.ms: an unattached voter or a failed candidate starts an
    // election after a random time in [election_timeout_ms, 2 * election_timeout_ms).
    int64_t election_timeout_ms = 1000;
    // controller.quorum.fetch.timeout.ms: a follower that has not heard from its leader for this
    // long starts an election; a voter refuses pre-votes while it has heard within it; a leader
    // resigns when a majority has not fetched within 1.5 times it (check-quorum).
    int64_t fetch_timeout_ms = 2000;
    // After EndQuorumEpoch, the n-th preferred successor waits n times this before its election.
    int64_t election_backoff_ms = 100;
    // An unanswered request (Vote, BeginQuorumEpoch, Fetch, FetchSnapshot) is sent again after
    // this long. controller.quorum.request.timeout.ms.
    int64_t request_timeout_ms = 200;
    // A follower whose last fetch returned nothing asks again after this long (the leader does
    // not park fetches: that is the driver's business, this is a pure state machine).
    int64_t fetch_poll_ms = 50;

    size_t fetch_max_entries = 64;        // entries in one FetchResponse
    // Entry data bytes in one FetchResponse, but for its first entry (Kafka's metadata fetch
    // max of 8 MiB): a metadata entry is a whole controller command and may be large.
    size_t fetch_max_bytes = 8u << 20;
    size_t snapshot_chunk_bytes = 16384;  // bytes in one FetchSnapshotResponse

    // Seeds the election jitter (a few integer draws; no <random>).
    uint64_t seed = 0;

    RaftPlantedBug planted_bug = RaftPlantedBug::none;  // tests only
};

}  // namespace brook::raft
