#include "scenarios/fault_actions.h"

#include <fmt/ranges.h>

#include <charconv>
#include <cstdint>

#include "core/base/check.h"

namespace brook::scenarios {
namespace {

std::optional<int64_t> parse_integer(std::string_view text) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Whether `event` names the right targets for its action.
bool well_formed(const sim::FaultEvent& event, const ClusterShape& shape) {
    const std::vector<std::string>& t = event.targets;
    auto known = [&](const std::string& name) {
        return shape.is_broker(name) || shape.is_client(name);
    };
    auto integer = [](const std::string& text) { return parse_integer(text).has_value(); };
    const std::string& action = event.action;
    if (action == "crash" || action == "restart") {
        return t.size() == 1 && (shape.is_broker(t[0]) || shape.is_restartable(t[0]));
    }
    if (action == "disk-full") {
        std::optional<int64_t> slack = t.size() == 2 ? parse_integer(t[1]) : 0;
        return (t.size() == 1 || t.size() == 2) && shape.is_broker(t[0]) && slack && *slack >= 0;
    }
    if (action == "disk-space") return t.size() == 1 && shape.is_broker(t[0]);
    if (action == "partition" || action == "heal" || action == "reset") {
        return t.size() == 2 && known(t[0]) && known(t[1]) && t[0] != t[1];
    }
    if (action == "clock-jump" || action == "clock-drift") {
        return t.size() == 2 && known(t[0]) && integer(t[1]);
    }
    if (action == "bit-flips") {
        std::optional<int64_t> ppm = t.size() == 2 ? parse_integer(t[1]) : std::nullopt;
        return t.size() == 2 && shape.is_broker(t[0]) && ppm && *ppm >= 0 &&
               *ppm <= kPartsPerMillion;
    }
    return false;
}

}  // namespace

std::optional<std::string> unexecutable(const sim::FaultEvent& event, const ClusterShape& shape) {
    if (well_formed(event, shape)) return std::nullopt;
    return fmt::format("schedule: cannot execute {} {}", event.action,
                       fmt::join(event.targets, " "));
}

void execute(sim::Simulation& sim, const sim::FaultEvent& event) {
    const std::vector<std::string>& t = event.targets;
    const std::string& action = event.action;
    if (action == "crash") {
        if (sim.is_up(t[0])) sim.crash(t[0]);
    } else if (action == "restart") {
        if (!sim.is_up(t[0])) sim.restart(t[0]);
    } else if (action == "partition") {
        sim.network().partition_both(t[0], t[1]);
    } else if (action == "heal") {
        sim.network().heal(t[0], t[1]);
    } else if (action == "reset") {
        sim.network().reset(t[0], t[1]);
    } else if (action == "clock-jump") {
        sim.clock(t[0]).jump(milliseconds(*parse_integer(t[1])));
    } else if (action == "clock-drift") {
        sim.clock(t[0]).set_drift_ppm(*parse_integer(t[1]));
    } else if (action == "bit-flips") {
        sim::SimDiskFaults faults = sim.disk(t[0]).faults();
        faults.write_bit_flip_ppm = static_cast<uint32_t>(*parse_integer(t[1]));
        sim.disk(t[0]).set_faults(faults);
    } else if (action == "disk-full" || action == "disk-space") {
        sim::SimDiskFaults faults = sim.disk(t[0]).faults();
        uint64_t slack = t.size() == 2 ? static_cast<uint64_t>(*parse_integer(t[1])) : 0;
        faults.capacity_bytes =
            action == "disk-full" ? sim.disk(t[0]).used_bytes() + slack : UINT64_MAX;
        sim.disk(t[0]).set_faults(faults);
    } else {
        ASSERT(false, "unexecutable fault action {}", action);
    }
}

std::string pick_broker(Random& random, const ClusterShape& shape) {
    if (shape.brokers == 1) return ClusterShape::broker_name(1);
    return ClusterShape::broker_name(
        static_cast<int>(random.between(1, static_cast<int64_t>(shape.brokers))));
}

void draw_broker_crashes(sim::FaultSchedule& schedule, Random& random, const ClusterShape& shape,
                         Duration phase, int64_t interval_ms_max, int64_t downtime_ms_max) {
    for (Duration t = milliseconds(random.between(100, interval_ms_max)); t < phase;
         t += milliseconds(random.between(100, interval_ms_max))) {
        std::string broker = pick_broker(random, shape);
        schedule.add(t, "crash", {broker});
        t += milliseconds(random.between(0, downtime_ms_max));
        schedule.add(t, "restart", {broker});
    }
}

}  // namespace brook::scenarios
