// Judges a history of counter increments (core/counter/) against the service's guarantee.
//
//   CounterChecker checker;
//   checker.acknowledged("c1", 5);        // an increment answered "OK 5"
//   checker.final_value("n2", 7);         // what n2 holds after the final crash and restart
//   std::optional<std::string> anomaly = checker.check();
//
// Anomalies, named after Jepsen's where they fit:
//   duplicate          two increments acknowledged with the same value
//   nonmonotonic-send  one client's later acknowledged value is not larger than its earlier one
//   lost-write         a node came back from a crash below the largest acknowledged value
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brook::scenarios {

class CounterChecker {
public:
    void acknowledged(const std::string& client, int64_t value);
    void final_value(const std::string& node, int64_t value);

    // The first anomaly found, described with the offending values; nullopt when valid.
    std::optional<std::string> check() const;

    int64_t max_acknowledged() const;
    std::size_t acknowledged_count() const { return acknowledged_.size(); }

private:
    std::vector<std::pair<std::string, int64_t>> acknowledged_;  // in completion order
    std::map<std::string, int64_t> final_values_;
};

}  // namespace brook::scenarios
