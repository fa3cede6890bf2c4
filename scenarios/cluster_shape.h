// What a scenario's cluster is made of: how many brokers, the replication factor its topics
// ask for, and the client processes, each by the name the simulation and a fault schedule use.
// Broker names are derived ("n1".."nN"), never spelled out by a scenario, so that a scenario
// written for one broker runs on three by changing `brokers`.
//
//   ClusterShape shape{.brokers = 1, .replication_factor = 1};
//   shape.add_clients("p", 2);                  // p1 p2
//   shape.add_clients("c", 1, /*restartable=*/true);
//   shape.bootstrap();                          // {n1:9092}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/io/network.h"

namespace brook::scenarios {

inline constexpr uint16_t kBrokerPort = 9092;

struct ClusterShape {
    int brokers = 1;
    int replication_factor = 1;        // what topics ask for; replication itself is not built yet
    std::vector<std::string> clients;  // client processes, by name
    std::vector<std::string> restartable;  // the clients a schedule may crash and restart

    // Broker `index` (from 1) is process "n<index>".
    static std::string broker_name(int index);
    std::vector<std::string> broker_names() const;
    // Every broker's listener: what a client bootstraps from.
    std::vector<Address> bootstrap() const;
    // The brokers, then the clients.
    std::vector<std::string> processes() const;
    bool is_broker(std::string_view name) const;
    bool is_client(std::string_view name) const;
    bool is_restartable(std::string_view name) const;

    // Adds clients `prefix`1..`prefix``count`.
    void add_clients(std::string_view prefix, int count, bool can_restart = false);
};

}  // namespace brook::scenarios
