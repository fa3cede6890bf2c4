// Everything a node's code may touch of the outside world, handed to it by a composition root:
// tools/ builds one from real backends (epoll, POSIX files, the system clock), the simulator
// builds one per simulated node. Nothing in core/ reaches the outside any other way.
//
//   void run_counter_node(Environment& env) {
//       Logger log(env.log_sink, "counter");
//       auto listener = env.network.listen(address);
//       ...
//   }
#pragma once

#include "core/base/logger.h"
#include "core/io/clock.h"
#include "core/io/disk.h"
#include "core/io/network.h"
#include "core/io/random.h"
#include "core/runtime/scheduler.h"

namespace brook {

struct Environment {
    Scheduler& scheduler;
    Clock& clock;
    Network& network;
    Disk& disk;
    Random& random;
    LogSink& log_sink;
};

}  // namespace brook
