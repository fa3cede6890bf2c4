#include "core/broker/producer_id_blocks.h"

#include "core/base/check.h"
#include "core/protocol/error_code.h"

namespace brook::broker {

Result<ProducerId> ProducerIdBlocks::allocate(Instant deadline) {
    Mutex::Lock lock = mutex_.acquire();  // May suspend.
    if (next_ < end_) return ProducerId(next_++);
    // The forwarder fills in this broker's id and epoch (controller_forwarder.h).
    TRY_ASSIGN(protocol::AnyResponse answer,
               controller_.forward(protocol::AllocateProducerIdsRequest{}, 0, deadline));
    auto* block = std::get_if<protocol::AllocateProducerIdsResponse>(&answer);
    ASSERT(block != nullptr, "the forwarder answered AllocateProducerIds with another API");
    if (block->error_code != 0) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("the controller refused a producer id block: {}",
                                 protocol::kafka_error_name(
                                     protocol::kafka_error_from_wire(block->error_code))));
    }
    if (block->producer_id_start < 0 || block->producer_id_len <= 0 ||
        block->producer_id_start < end_) {
        return Error(ErrorCode::corruption,
                     fmt::format("the controller's producer id block [{}, +{}) after {}",
                                 block->producer_id_start, block->producer_id_len, end_));
    }
    next_ = block->producer_id_start;
    end_ = block->producer_id_start + block->producer_id_len;
    return ProducerId(next_++);
}

}  // namespace brook::broker
