// Time as values. Two kinds of time points, never to be mixed:
//   Instant  - monotonic time of one node's clock; only differences mean anything. Deadlines,
//              timeouts and timers use it. It never goes backward.
//   WallTime - nanoseconds since the Unix epoch as the node believes it; can jump either way.
//              Record timestamps and retention use it.
// Durations are std::chrono::nanoseconds. No clock is read here: time comes from core/io/clock.h.
//
//   Instant deadline = clock.now() + milliseconds(500);
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace brook {

using Duration = std::chrono::nanoseconds;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Tags, not clocks: they only keep the two kinds of time point apart.
struct MonotonicTag {
    using duration = Duration;
};
struct WallTag {
    using duration = Duration;
};

using Instant = std::chrono::time_point<MonotonicTag, Duration>;
using WallTime = std::chrono::time_point<WallTag, Duration>;

// "Wait for ever" as a deadline.
inline constexpr Instant kNever = Instant(Duration(std::numeric_limits<int64_t>::max()));

inline int64_t to_ms(Duration duration) {
    return std::chrono::duration_cast<milliseconds>(duration).count();
}
inline int64_t wall_ms(WallTime time) { return to_ms(time.time_since_epoch()); }

}  // namespace brook

// Instants print as seconds with microseconds: "12.000250s".
template <>
struct fmt::formatter<brook::Instant> : fmt::formatter<std::string_view> {
    template <typename Context>
    auto format(brook::Instant instant, Context& context) const {
        int64_t ns = instant.time_since_epoch().count();
        return fmt::format_to(context.out(), "{}.{:06}s", ns / 1'000'000'000,
                              (ns % 1'000'000'000) / 1000);
    }
};
