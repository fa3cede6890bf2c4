#include "scenarios/counter_checker.h"

#include <fmt/format.h>

#include <algorithm>

namespace brook::scenarios {

void CounterChecker::acknowledged(const std::string& client, int64_t value) {
    acknowledged_.emplace_back(client, value);
}

void CounterChecker::final_value(const std::string& node, int64_t value) {
    final_values_[node] = value;
}

int64_t CounterChecker::max_acknowledged() const {
    int64_t highest = 0;
    for (const auto& [client, value] : acknowledged_) highest = std::max(highest, value);
    return highest;
}

std::optional<std::string> CounterChecker::check() const {
    std::map<int64_t, std::string> owner;
    std::map<std::string, int64_t> last_by_client;
    for (const auto& [client, value] : acknowledged_) {
        auto [it, inserted] = owner.emplace(value, client);
        if (!inserted) {
            return fmt::format("duplicate: value {} acknowledged to {} and to {}", value,
                               it->second, client);
        }
        auto last = last_by_client.find(client);
        if (last != last_by_client.end() && value <= last->second) {
            return fmt::format("nonmonotonic-send: {} was acknowledged {} after {}", client,
                               value, last->second);
        }
        last_by_client[client] = value;
    }
    int64_t highest = max_acknowledged();
    for (const auto& [node, value] : final_values_) {
        if (value < highest) {
            return fmt::format("lost-write: {} holds {} after restart but {} was acknowledged",
                               node, value, highest);
        }
    }
    return std::nullopt;
}

}  // namespace brook::scenarios
