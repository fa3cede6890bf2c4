#include "scenarios/cluster_shape.h"

#include <fmt/format.h>

#include <algorithm>

namespace brook::scenarios {

std::string ClusterShape::broker_name(int index) { return fmt::format("n{}", index); }

std::vector<std::string> ClusterShape::broker_names() const {
    std::vector<std::string> names;
    for (int i = 1; i <= brokers; ++i) names.push_back(broker_name(i));
    return names;
}

std::vector<Address> ClusterShape::bootstrap() const {
    std::vector<Address> addresses;
    for (const std::string& name : broker_names()) addresses.push_back({name, kBrokerPort});
    return addresses;
}

std::vector<std::string> ClusterShape::processes() const {
    std::vector<std::string> names = broker_names();
    names.insert(names.end(), clients.begin(), clients.end());
    return names;
}

bool ClusterShape::is_broker(std::string_view name) const {
    for (int i = 1; i <= brokers; ++i) {
        if (name == broker_name(i)) return true;
    }
    return false;
}

bool ClusterShape::is_client(std::string_view name) const {
    return std::find(clients.begin(), clients.end(), name) != clients.end();
}

bool ClusterShape::is_restartable(std::string_view name) const {
    return std::find(restartable.begin(), restartable.end(), name) != restartable.end();
}

void ClusterShape::add_clients(std::string_view prefix, int count, bool can_restart) {
    for (int i = 1; i <= count; ++i) {
        std::string name = fmt::format("{}{}", prefix, i);
        clients.push_back(name);
        if (can_restart) restartable.push_back(name);
    }
}

}  // namespace brook::scenarios
