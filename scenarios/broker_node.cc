#include "scenarios/broker_node.h"

#include "core/base/logger.h"
#include "core/broker/broker.h"

namespace brook::scenarios {

void serve_for_ever(Environment& env, const std::function<broker::BrokerConfig()>& make_config) {
    while (true) {
        broker::Broker node(env, make_config());
        Result<void> ran = node.run();  // May suspend; returns only if it could not start.
        Logger(env.log_sink, "scenario")
            .info("broker stopped: {}", ran ? "ok" : ran.error().describe());
        env.clock.sleep_for(milliseconds(100));
    }
}

client::ClusterConfig drawn_cluster_config(Random& random, const std::vector<Address>& bootstrap,
                                           const std::string& client_id,
                                           int64_t request_timeout_max_ms) {
    client::ClusterConfig config;
    config.bootstrap_servers = bootstrap;
    config.client_id = client_id;
    config.request_timeout = milliseconds(random.between(500, request_timeout_max_ms));
    config.reconnect_backoff = milliseconds(random.between(10, 100));
    config.retry_backoff = milliseconds(random.between(10, 200));
    return config;
}

}  // namespace brook::scenarios
