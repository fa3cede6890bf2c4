// Pieces every broker scenario shares: the broker process that comes back after a failed start,
// and a client's cluster settings drawn from the seed.
//
//   serve_for_ever(env, [&] { return cluster_broker_config(1, settings); });
//   config.cluster = drawn_cluster_config(env.random, shape.bootstrap(), "producer-1", 3000);
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/broker/broker_config.h"
#include "core/client/cluster.h"
#include "core/runtime/environment.h"

namespace brook::scenarios {

// Runs a broker built from make_config() for ever: Broker::run returns only when the broker
// could not start (an EIO or a refused file while recovering), and then it is started again
// 100 ms later, as a supervisor would restart it. Ends only when the process is crashed.
// May suspend.
void serve_for_ever(Environment& env, const std::function<broker::BrokerConfig()>& make_config);

// Cluster settings for a client of the brokers `bootstrap` named `client_id`, with a request
// timeout drawn from [500, request_timeout_max_ms] ms and backoffs drawn from the seed.
client::ClusterConfig drawn_cluster_config(Random& random, const std::vector<Address>& bootstrap,
                                           const std::string& client_id,
                                           int64_t request_timeout_max_ms);

}  // namespace brook::scenarios
