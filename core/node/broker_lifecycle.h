// A broker's life as the active controller sees it (Kafka's BrokerLifecycleManager): it
// registers (BrokerRegistration) until the controller gives it a broker epoch, then heartbeats
// (BrokerHeartbeat) every broker.heartbeat.interval.ms with the metadata offset the broker has
// applied, which is how it gets unfenced and stays so; before it stops, a controlled shutdown
// moves its leaderships away.
//
//   BrokerLifecycle lifecycle(env, link, options, [&] { return endpoints(); },
//                             [&] { return published_offset; });
//   env.scheduler.spawn("lifecycle", [&] { lifecycle.run(); });   // until shut down or stopped
//   ...
//   lifecycle.shut_down(env.clock.now() + seconds(10));   // May suspend; then run() returns
//
// The incarnation id is a random uuid drawn once per process start (per BrokerLifecycle), so
// the controller tells a restart from a retry. A heartbeat answered STALE_BROKER_EPOCH (the
// controller does not know this registration: it was fenced and replaced, or the log was
// lost) registers again; DUPLICATE_BROKER_REGISTRATION (the previous incarnation's session is
// still alive) is retried until that session expires.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/logger.h"
#include "core/metadata/metadata_records.h"
#include "core/node/controller_link.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::node {

// Heartbeats during a controlled shutdown come this often (never less often than the
// configured interval), so the controller's "shut down now" is heard soon after the
// leaderships have moved.
inline constexpr Duration kShutdownHeartbeatInterval = milliseconds(100);
// A registration refused or unanswered is tried again after this long.
inline constexpr Duration kRegistrationRetry = milliseconds(500);

struct BrokerLifecycleOptions {
    NodeId self;
    std::string cluster_id;
    std::optional<std::string> rack;                // broker.rack
    Duration heartbeat_interval = milliseconds(2000);  // broker.heartbeat.interval.ms
};

class BrokerLifecycle {
public:
    // The listeners to register (the advertised non-controller ones, real ports); asked at each
    // registration, so a listener bound to port 0 is registered with the port it got.
    using ListenerSource = std::function<std::vector<metadata::BrokerEndpoint>()>;
    // The offset of the last metadata record the broker has applied (-1: none).
    using OffsetSource = std::function<Offset()>;

    BrokerLifecycle(Environment& env, ControllerLink& link, BrokerLifecycleOptions options,
                    ListenerSource listeners, OffsetSource applied_offset);
    // run() must have returned.
    ~BrokerLifecycle();
    BrokerLifecycle(const BrokerLifecycle&) = delete;
    BrokerLifecycle& operator=(const BrokerLifecycle&) = delete;

    // Registers, then heartbeats, until a controlled shutdown completes or stop(). Call once.
    // May suspend.
    void run();

    // Asks the controller for a controlled shutdown and heartbeats until it answers
    // should_shut_down (true) or `deadline` passes (false); run() then returns. A broker that
    // never registered has nothing to hand over (true at once). May suspend.
    bool shut_down(Instant deadline);

    // Ends run() without a controlled shutdown (a failed start, a crash test). Never suspends.
    void stop();

    // The epoch of the current registration, -1 while there is none.
    metadata::BrokerEpoch broker_epoch() const { return epoch_; }
    // Whether the controller last said this broker is fenced (true until it says otherwise).
    bool fenced() const { return fenced_; }
    const metadata::Uuid& incarnation_id() const { return incarnation_id_; }

private:
    // Sends `request` through the link at the highest version up to `version_max`; nullopt
    // (logged) when no controller answered. May suspend.
    template <typename Response, typename Request>
    std::optional<Response> ask(const Request& request, int16_t version_max, Instant deadline,
                                std::string_view what);
    // May suspend.
    void register_once();
    void heartbeat_once();
    // Sleeps until `until`, a shutdown request or stop(). May suspend.
    void pause(Instant until);

    Environment& env_;
    ControllerLink& link_;
    BrokerLifecycleOptions options_;
    ListenerSource listeners_;
    OffsetSource applied_offset_;
    Logger log_;
    metadata::Uuid incarnation_id_{};
    metadata::BrokerEpoch epoch_ = metadata::BrokerEpoch(-1);
    bool fenced_ = true;
    bool want_shutdown_ = false;
    bool shutdown_granted_ = false;
    bool stopped_ = false;
    bool running_ = false;
    WaitQueue wake_;      // run(): a shutdown request or stop()
    WaitQueue changed_;   // shut_down(): the controller granted it, or run() ended
};

// The features a Brook broker registers with: the metadata.version levels it reads and writes
// (the level the controller bootstraps; core/controller/controller_options.h).
std::vector<metadata::BrokerFeature> supported_features();

}  // namespace brook::node
