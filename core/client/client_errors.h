// How the client library reads Kafka's error codes: which mean "try again", which mean "your
// metadata is stale", and how one becomes an Error that names where it happened.
//
//   if (means_stale_metadata(error)) cluster.invalidate();
//   if (!is_retriable(error)) return kafka_failure("topic orders partition 2", error);
//   // -> "disconnected: topic orders partition 2: NOT_LEADER_OR_FOLLOWER"
#pragma once

#include <string>

#include "core/base/result.h"
#include "core/protocol/error_code.h"

namespace brook::client {

using protocol::KafkaError;

// "broker 1 (n1:9092): topic orders: NOT_LEADER_OR_FOLLOWER" style messages, with the
// ErrorCode closest to the Kafka error (not_found for an unknown topic, timeout, ...).
Error kafka_failure(const std::string& where, KafkaError error);

// Kafka's RetriableException errors: the same request may succeed later.
bool is_retriable(KafkaError error);
// Errors that mean the client's idea of the partition leaders is out of date.
bool means_stale_metadata(KafkaError error);

}  // namespace brook::client
