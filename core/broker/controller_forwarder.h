// How a broker in KRaft mode reaches the active controller: the requests that change the
// cluster's metadata (CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs,
// IncrementalAlterConfigs, and the offsets topic FindCoordinator creates) are not carried out
// by the broker that received them but sent on to the quorum leader, which answers once the
// change is committed (Kafka's ForwardingManager). DescribeQuorum goes the same way, and so does
// the broker's own AllocateProducerIds (producer_id_blocks.h): for that one the forwarder fills
// in broker_id and broker_epoch (this broker's id and its current registration's epoch); the
// broker sends it with both unset. core/node/ implements it over the
// controller listener; a single-node broker has none and handles those requests itself.
//
//   Result<protocol::AnyResponse> answer =
//       services.controller->forward(protocol::AnyRequest(request), context.version(), deadline);
//   if (!answer) return every_topic(error_code_for(answer.error()));   // REQUEST_TIMED_OUT, ...
//
// The forwarder finds the active controller itself and retries NOT_CONTROLLER and broken
// connections until the deadline, so the answer it returns is the controller's own.
#pragma once

#include <cstdint>

#include "core/base/result.h"
#include "core/base/time.h"
#include "core/protocol/generated/messages.h"

namespace brook::broker {

class ControllerForwarder {
public:
    virtual ~ControllerForwarder() = default;

    // Sends `request` at `version` to the active controller and returns its response (of the
    // same API). An error (timed_out, unavailable) when no controller answered by `deadline`.
    // May suspend.
    virtual Result<protocol::AnyResponse> forward(protocol::AnyRequest request, int16_t version,
                                                  Instant deadline) = 0;
};

}  // namespace brook::broker
