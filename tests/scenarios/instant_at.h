// `at(1500)`: the instant 1.5 s after the clock's zero, as the checkers' tests stamp the events of
// their hand-made histories.
#pragma once

#include <cstdint>

#include "core/base/time.h"

namespace brook::scenarios::testing {

inline Instant at(int64_t ms) { return Instant(milliseconds(ms)); }

}  // namespace brook::scenarios::testing
