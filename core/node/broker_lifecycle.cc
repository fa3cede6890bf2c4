#include "core/node/broker_lifecycle.h"

#include <algorithm>

#include "core/cluster/meta_properties.h"
#include "core/controller/controller_options.h"
#include "core/metadata/metadata_image.h"
#include "core/protocol/error_code.h"

namespace brook::node {

using protocol::KafkaError;

namespace {

constexpr int16_t kRegistrationVersionMax = 4;
constexpr int16_t kHeartbeatVersionMax = 1;

}  // namespace

std::vector<metadata::BrokerFeature> supported_features() {
    // Brook's records are those of metadata.version 7 (3.3-IV3): BrokerRegistrationChangeRecord
    // and RegisterBrokerRecord v1. It reads older levels' Fence/Unfence records too, but never
    // bootstraps them, so it claims only the level it writes.
    return {{std::string(metadata::kMetadataVersionFeature), controller::kMetadataVersionLevel,
             controller::kMetadataVersionLevel}};
}

BrokerLifecycle::BrokerLifecycle(Environment& env, ControllerLink& link,
                                 BrokerLifecycleOptions options, ListenerSource listeners,
                                 OffsetSource applied_offset)
    : env_(env),
      link_(link),
      options_(std::move(options)),
      listeners_(std::move(listeners)),
      applied_offset_(std::move(applied_offset)),
      log_(env.log_sink, "node/lifecycle"),
      incarnation_id_(cluster::random_uuid(env.random)),
      wake_(env.scheduler),
      changed_(env.scheduler) {
    ASSERT(options_.heartbeat_interval > Duration(0));
}

BrokerLifecycle::~BrokerLifecycle() {
    ASSERT(!running_, "broker lifecycle destroyed while run() is in progress");
}

void BrokerLifecycle::run() {
    ASSERT(!running_);
    running_ = true;
    // Also when a crash unwinds this fiber (the node's objects go with it).
    struct Ended {
        BrokerLifecycle& lifecycle;
        ~Ended() { lifecycle.running_ = false; }
    } ended{*this};
    while (!stopped_ && !shutdown_granted_) {
        Instant started = env_.clock.now();
        if (epoch_.value() < 0) {
            if (want_shutdown_) break;  // nothing registered: nothing to hand over
            register_once();            // May suspend.
            if (epoch_.value() < 0) {
                pause(started + kRegistrationRetry);
                continue;
            }
        }
        heartbeat_once();  // May suspend.
        Duration interval = want_shutdown_
                                ? std::min(options_.heartbeat_interval, kShutdownHeartbeatInterval)
                                : options_.heartbeat_interval;
        // A heartbeat that lost the registration registers again at once.
        if (epoch_.value() >= 0) pause(started + interval);
    }
    running_ = false;
    changed_.notify_all();
}

template <typename Response, typename Request>
std::optional<Response> BrokerLifecycle::ask(const Request& request, int16_t version_max,
                                             Instant deadline, std::string_view what) {
    auto answer = link_.send(protocol::AnyRequest(request), version_max, deadline,
                             ControllerLink::Version::highest_up_to);  // May suspend.
    if (!answer.ok()) {
        log_.info("{} not answered: {}", what, answer.error().describe());
        return std::nullopt;
    }
    auto* response = std::get_if<Response>(&*answer);
    ASSERT(response != nullptr, "KafkaConnection returns the response of the API asked");
    return std::move(*response);
}

void BrokerLifecycle::register_once() {
    protocol::BrokerRegistrationRequest request;
    request.broker_id = options_.self.value();
    request.cluster_id = options_.cluster_id;
    request.incarnation_id = incarnation_id_;
    for (const metadata::BrokerEndpoint& endpoint : listeners_()) {
        request.listeners.push_back(
            {endpoint.name, endpoint.host, endpoint.port, endpoint.security_protocol});
    }
    for (const metadata::BrokerFeature& feature : supported_features()) {
        request.features.push_back(
            {feature.name, feature.min_supported_version, feature.max_supported_version});
    }
    request.rack = options_.rack;
    Instant deadline = env_.clock.now() + std::max<Duration>(options_.heartbeat_interval, seconds(2));
    auto response = ask<protocol::BrokerRegistrationResponse>(
        request, kRegistrationVersionMax, deadline, "registration");  // May suspend.
    if (!response) return;
    KafkaError error = protocol::kafka_error_from_wire(response->error_code);
    if (error != KafkaError::none) {
        // DUPLICATE_BROKER_REGISTRATION: the previous incarnation's session has not expired.
        log_.info("registration refused: {}", protocol::kafka_error_name(error));
        return;
    }
    if (response->broker_epoch < 0) {
        log_.warn("registration answered without a broker epoch");
        return;
    }
    epoch_ = metadata::BrokerEpoch(response->broker_epoch);
    fenced_ = true;
    log_.info("registered as broker {} with epoch {}", options_.self, epoch_.value());
}

void BrokerLifecycle::heartbeat_once() {
    protocol::BrokerHeartbeatRequest request;
    request.broker_id = options_.self.value();
    request.broker_epoch = epoch_.value();
    request.current_metadata_offset = applied_offset_().value();
    request.want_fence = false;
    request.want_shut_down = want_shutdown_;
    Instant deadline = env_.clock.now() + options_.heartbeat_interval;
    auto response = ask<protocol::BrokerHeartbeatResponse>(request, kHeartbeatVersionMax,
                                                           deadline, "heartbeat");  // May suspend.
    if (!response) return;
    // Re-checked after the suspension: a registration may have been dropped meanwhile.
    if (request.broker_epoch != epoch_.value()) return;
    KafkaError error = protocol::kafka_error_from_wire(response->error_code);
    if (error == KafkaError::stale_broker_epoch) {
        log_.warn("the controller does not know registration epoch {}: registering again",
                  epoch_.value());
        epoch_ = metadata::BrokerEpoch(-1);
        fenced_ = true;
        return;
    }
    if (error != KafkaError::none) {
        log_.info("heartbeat refused: {}", protocol::kafka_error_name(error));
        return;
    }
    if (fenced_ != response->is_fenced) {
        log_.info("the controller says broker {} is {}", options_.self,
                  response->is_fenced ? "fenced" : "unfenced");
    }
    fenced_ = response->is_fenced;
    if (request.want_shut_down && response->should_shut_down) {
        log_.info("controlled shutdown granted");
        shutdown_granted_ = true;
        changed_.notify_all();
    }
}

bool BrokerLifecycle::shut_down(Instant deadline) {
    want_shutdown_ = true;
    wake_.notify_all();
    while (running_ && !shutdown_granted_) {
        if (!changed_.wait(deadline)) break;  // May suspend.
    }
    bool granted = shutdown_granted_ || epoch_.value() < 0;
    if (!granted) log_.warn("controlled shutdown not granted in time; stopping anyway");
    stop();
    return granted;
}

void BrokerLifecycle::stop() {
    stopped_ = true;
    wake_.notify_all();
}

void BrokerLifecycle::pause(Instant until) {
    bool shutdown_seen = want_shutdown_;
    while (!stopped_ && env_.clock.now() < until && want_shutdown_ == shutdown_seen) {
        if (!wake_.wait(until)) return;  // May suspend.
    }
}

}  // namespace brook::node
