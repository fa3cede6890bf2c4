// `brook bench <what>`: benchmarks that print a markdown report (docs/benchmarks.md keeps the
// figures and the commands that produced them).
#include <fmt/format.h>

#include <string_view>

#include "tools/brook/arguments.h"
#include "tools/brook/bench_log.h"
#include "tools/brook/bench_runtime.h"
#include "tools/brook/bench_sim.h"
#include "tools/brook/commands.h"

namespace brook::tools {
namespace {

constexpr const char* kBenchUsage = R"(usage:
  brook bench runtime [--seeds N]
      fiber switch cost next to a raw Boost.Context switch; simulator speed on the counter
      scenario (seeds per minute, events per second, simulated seconds per wall second)
  brook bench sim [--scenario NAME] [--seeds N]
      simulator throughput per scenario (every one unless named), one core: seeds per minute,
      simulated seconds per wall second, events per seed (mean, max); N seeds each (default 10)
  brook bench log [--dir PATH] [--append-mib N] [--writers N] [--recovery-mib N]
      partition log on the real disk: group-commit append next to a raw write+fdatasync loop
      of the same bytes, fetch from a warm page cache, recovery of a large log
)";

}  // namespace

int bench_command(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) == "--help") {
        fmt::print("{}", kBenchUsage);
        return argc < 2 ? 2 : 0;
    }
    std::string_view what = argv[1];
    Arguments args(argc, argv, 2);
    if (what == "runtime") {
        uint64_t seeds = std::stoull(args.value("--seeds").value_or("200"));
        if (auto unknown = args.unused()) {
            fmt::print(stderr, "brook bench: unknown option {}\n", *unknown);
            return 2;
        }
        return bench_runtime(seeds);
    }
    if (what == "sim") {
        std::string scenario = args.value("--scenario").value_or("");
        uint64_t seeds = std::stoull(args.value("--seeds").value_or("10"));
        if (auto unknown = args.unused()) {
            fmt::print(stderr, "brook bench: unknown option {}\n", *unknown);
            return 2;
        }
        return bench_sim(scenario, seeds);
    }
    if (what == "log") return bench_log_command(argc - 1, argv + 1);
    fmt::print(stderr, "brook bench: unknown benchmark '{}'\n\n{}", what, kBenchUsage);
    return 2;
}

}  // namespace brook::tools
