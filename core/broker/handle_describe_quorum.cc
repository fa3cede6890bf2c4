// DescribeQuorum: a KRaft broker is no quorum member's mouthpiece of its own; it sends the
// request on to the active controller and returns its answer, as Kafka's brokers do, so
// `brook cluster quorum --bootstrap-server` works against any broker. Offered only in KRaft
// mode (dispatch.cc).
#include "core/broker/forwarding.h"
#include "core/broker/request_handlers.h"

namespace brook::broker {

protocol::DescribeQuorumResponse handle_describe_quorum(
    BrokerServices& services, const RequestContext& context,
    const protocol::DescribeQuorumRequest& request) {
    Result<protocol::DescribeQuorumResponse> answer = forward_as<protocol::DescribeQuorumResponse>(
        services, request, context.version(), forward_deadline(services));  // May suspend.
    if (answer) return std::move(answer).value();
    protocol::DescribeQuorumResponse failed;
    failed.error_code = to_wire(forward_error_code(answer.error()));
    failed.error_message = std::nullopt;
    if (context.version() >= 2) failed.error_message = answer.error().describe();
    return failed;
}

}  // namespace brook::broker
