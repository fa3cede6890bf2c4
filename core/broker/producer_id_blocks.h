// Producer ids of a broker in KRaft mode: blocks the active controller hands out
// (AllocateProducerIds, Kafka's RPCProducerIdManager), so no two brokers of the cluster ever hand
// out the same id. Ids are taken from the current block; when it runs out, one fiber asks the
// controller for the next while the others wait for it.
//
//   ProducerIdBlocks ids(scheduler, forwarder);
//   TRY_ASSIGN(ProducerId id, ids.allocate(deadline));   // May suspend (only per block)
//
// Nothing is written here: the controller's block record is the durable reservation, and a
// broker that restarts asks for a new block, so ids may have gaps, never repeats.
#pragma once

#include <cstdint>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/base/time.h"
#include "core/broker/controller_forwarder.h"
#include "core/runtime/mutex.h"

namespace brook::broker {

class ProducerIdBlocks {
public:
    ProducerIdBlocks(Scheduler& scheduler, ControllerForwarder& controller)
        : controller_(controller), mutex_(scheduler) {}

    // The next id. The forwarder's error (timeout, ...) when no controller answered by
    // `deadline`; invalid_argument naming the Kafka error code when the controller refused.
    // May suspend.
    Result<ProducerId> allocate(Instant deadline);

private:
    ControllerForwarder& controller_;
    Mutex mutex_;
    int64_t next_ = 0;
    int64_t end_ = 0;  // one past the current block's last id
};

}  // namespace brook::broker
