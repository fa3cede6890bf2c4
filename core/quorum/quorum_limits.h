// The bounds of the quorum's wire (KafkaQuorumChannel) and files, in one place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace brook::quorum {

// The quorum-state file is a line of JSON naming the voters; a larger file is not one Brook or
// Kafka wrote.
inline constexpr uint64_t kQuorumStateFileBytesMax = 64 * 1024;

// A quorum frame (request or response) is refused above this, before its buffer exists. A
// FetchResponse carries at most RaftOptions::fetch_max_entries metadata batches holding at most
// fetch_max_bytes (at most kFetchDataBytesMax, ASSERTed) past their first entry, itself at most
// kEntryBodyMaxBytes, and a FetchSnapshot answer one snapshot_chunk_bytes chunk, both below it.
inline constexpr int64_t kQuorumFrameBytesMax = 32 * 1024 * 1024;
// The smallest well-formed frame: a response header's correlation id.
inline constexpr int64_t kQuorumFrameBytesMin = 4;

// Requests waiting for a connection to a peer; the oldest is dropped beyond this (Raft's timers
// resend whatever matters, and a newer message supersedes an older one).
inline constexpr std::size_t kPeerQueueMax = 64;
// Requests sent to a peer and not yet answered, per connection; the oldest is forgotten beyond
// this (its late answer is then dropped as unknown).
inline constexpr std::size_t kPendingPerPeerMax = 256;
// Requests received on one connection and not yet answered by the driver; the oldest is
// forgotten beyond this, so a driver that drops requests cannot grow the table.
inline constexpr std::size_t kUnansweredPerConnectionMax = 256;
// Response frames waiting to be written on one incoming connection.
inline constexpr std::size_t kResponseQueueMax = 256;
// Messages received and not yet taken by receive(); the oldest is dropped beyond this.
inline constexpr std::size_t kInboxMax = 4096;

// Reconnecting to a peer: Kafka's reconnect.backoff.ms and reconnect.backoff.max.ms defaults,
// doubling in between.
inline constexpr int64_t kReconnectBackoffMs = 50;
inline constexpr int64_t kReconnectBackoffMaxMs = 1000;
// A connect or a write that takes longer than this is a dead peer.
inline constexpr int64_t kConnectTimeoutMs = 5000;
inline constexpr int64_t kWriteTimeoutMs = 5000;

}  // namespace brook::quorum
