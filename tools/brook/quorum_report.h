// What `brook cluster quorum` and `brook cluster describe` print, in the layout of Kafka's
// `kafka-metadata-quorum describe --status / --replication` and `kafka-cluster`-style lines.
// Pure text from the answers (core/client/cluster_calls.h), so the layout is unit-tested
// (tests/tools/quorum_report_test.cc) apart from any socket.
//
//   fmt::print("{}", quorum_status_text(cluster_id, quorum));
//   // ClusterId:              fMCL8kv1SWm87L_Md-I2hg
//   // LeaderId:               2
//   // ...
//   fmt::print("{}", quorum_replication_text(quorum, ReplicationTimes::raw, now_ms));
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/client/cluster_calls.h"

namespace brook::tools {

// --status: ClusterId, LeaderId, LeaderEpoch, HighWatermark, MaxFollowerLag,
// MaxFollowerLagTimeMs, CurrentVoters, CurrentObservers, one a line. As Kafka computes them:
// the lag is the leader's log end minus the smallest voter log end, its time the leader's last
// caught-up time minus that voter's (0 when the leader is that voter, -1 when a time is not
// known). Without a known leader among the voters both are -1. An unknown cluster id prints as
// "unknown".
std::string quorum_status_text(const std::optional<std::string>& cluster_id,
                               const client::QuorumDescription& quorum);

// How --replication prints the two timestamps: Kafka's raw wall-clock ms, or "N ms ago"
// (--human-readable) against now_ms.
enum class ReplicationTimes { raw, relative };

// --replication: a header and a row per replica (the leader, then the other voters as
// Follower, then the observers as Observer), columns NodeId, LogEndOffset, Lag,
// LastFetchTimestamp, LastCaughtUpTimestamp, Status, each padded to its widest cell. Lag is
// the leader's log end minus the replica's, -1 when either is unknown.
std::string quorum_replication_text(const client::QuorumDescription& quorum,
                                    ReplicationTimes times, int64_t now_ms);

// `brook cluster describe`: the cluster id, the controller and a line per broker.
std::string cluster_description_text(const client::ClusterDescription& cluster);

}  // namespace brook::tools
