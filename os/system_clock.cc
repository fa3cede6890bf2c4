#include "os/system_clock.h"

#include <ctime>

namespace brook {

WallTime SystemClock::wall_now() const {
    timespec time{};
    ::clock_gettime(CLOCK_REALTIME, &time);
    return WallTime(seconds(time.tv_sec) + nanoseconds(time.tv_nsec));
}

void SystemClock::sleep_until(Instant deadline) {
    while (now() < deadline) scheduler_.park(deadline);
}

}  // namespace brook
