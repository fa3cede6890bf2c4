// `brook sim list | run | replay`: the simulator's command line.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "core/base/planted_bug.h"
#include "sim/schedule_file.h"
#include "sim/trace_html.h"
#include "tools/brook/arguments.h"
#include "tools/brook/commands.h"
#include "tools/brook/seed_runner.h"
#include "tools/brook/shrink.h"
#include "tools/brook/stopwatch.h"

namespace brook::tools {
namespace {

constexpr const char* kSimUsage = R"(usage:
  brook sim list
      one scenario a line: its name, then what it does
  brook sim run --scenario NAME --seeds A..B [--jobs N] [--check-determinism] [--progress]
      runs every seed from A to B inclusive, each in its own process (N at a time); prints
      each failure with its replay command and ends with "N passed, N failed"; shows seeds
      done, failures and seeds per second on stderr when it is a terminal (or with --progress)
  brook sim replay --scenario NAME --seed N [--trace FILE] [--html FILE]
      runs one seed in this process: prints SEED=N and every parameter derived from it,
      writes the readable trace to FILE, and ends with the trace hash; --html writes the
      trace as one self-contained page: a timeline to open in a browser; --schedule FILE
      runs the fault schedule in FILE instead of the one the seed draws, and the workload
      parameters its "param NAME VALUE" lines give instead of the seed's draw
  brook sim shrink --scenario NAME --seed N [--out FILE]
      reduces a failing seed's fault schedule to a minimal one that still fails the same way,
      then its workload (fewer producers, consumers, partitions, a shorter fault phase), and
      writes both to FILE (default seed-N.schedule) for `replay --schedule`

  --plant BUG (run, replay, shrink) turns on a planted bug, in builds made with
      BROOK_PLANTED_BUGS (tools/build.sh sanitize): ack-before-fsync, skip-tail-truncation,
      fetch-past-end, forget-committed-offset, persist-before-sync, activate-before-catch-up,
      elect-fenced-leader

exit status: 0 all passed, 1 a correctness failure, 2 usage, 3 a liveness failure, 4 a crash
)";

constexpr int kExitCorrectness = 1;
constexpr int kExitUsage = 2;
constexpr int kExitLiveness = 3;
constexpr int kExitCrash = 4;

int usage_error(const std::string& message) {
    fmt::print(stderr, "brook sim: {}\n\n{}", message, kSimUsage);
    return kExitUsage;
}

bool parse_u64(std::string_view text, uint64_t& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

bool write_file(const std::string& path, std::string_view text) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return false;
    bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    return std::fclose(file) == 0 && written;
}

std::optional<std::string> read_file(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return std::nullopt;
    std::string text;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
    return text;
}

int list_scenarios() {
    for (const scenarios::Scenario& scenario : scenarios::all_scenarios()) {
        fmt::print("{:<26} {}\n", scenario.name, scenario.description);
    }
    return 0;
}

const scenarios::Scenario* scenario_argument(Arguments& args, int& status) {
    std::optional<std::string> name = args.value("--scenario");
    if (!name) {
        status = usage_error("--scenario NAME is required (see `brook sim list`)");
        return nullptr;
    }
    const scenarios::Scenario* scenario = scenarios::find_scenario(*name);
    if (scenario == nullptr) {
        status = usage_error(fmt::format("no scenario named '{}' (see `brook sim list`)", *name));
    }
    return scenario;
}

// The planted bug selected with --plant, if any ("" when none); echoed in replay commands.
std::string planted_option;

std::string replay_command(const scenarios::Scenario& scenario, uint64_t seed) {
    return fmt::format("brook sim replay --scenario {} --seed {}{} --trace seed-{}.trace",
                       scenario.name, seed, planted_option, seed);
}

// Applies --plant, refused with a clear message where planted bugs are not compiled in.
// Returns 0 or a usage error's exit status.
int plant_argument(Arguments& args) {
    std::optional<std::string> name = args.value("--plant");
    if (!name) return 0;
    std::optional<PlantedBug> bug = planted_bug_from_name(*name);
    if (!bug) {
        std::string known;
        for (PlantedBug each : kAllPlantedBugs) known += fmt::format(" {}", planted_bug_name(each));
        return usage_error(fmt::format("no planted bug named '{}'; there are:{}", *name, known));
    }
#ifdef BROOK_PLANTED_BUGS
    plant(*bug);
    planted_option = fmt::format(" --plant {}", *name);
    return 0;
#else
    return usage_error(
        "--plant needs a build with planted bugs (CMake -DBROOK_PLANTED_BUGS=ON, which only "
        "`tools/build.sh sanitize` sets: build-asan/brook); this binary has none");
#endif
}

int exit_status_for(const SeedResult& result) {
    if (result.crashed) return kExitCrash;
    switch (result.outcome.verdict) {
        case scenarios::Verdict::passed: return 0;
        case scenarios::Verdict::correctness: return kExitCorrectness;
        case scenarios::Verdict::liveness: return kExitLiveness;
        case scenarios::Verdict::invalid: return kExitUsage;
    }
    return kExitCorrectness;
}

int run_command(Arguments& args) {
    int status = 0;
    const scenarios::Scenario* scenario = scenario_argument(args, status);
    if (scenario == nullptr) return status;
    std::optional<std::string> range = args.value("--seeds");
    SeedRunOptions options;
    std::size_t dots = range ? range->find("..") : std::string::npos;
    if (dots == std::string::npos ||
        !parse_u64(std::string_view(*range).substr(0, dots), options.first_seed) ||
        !parse_u64(std::string_view(*range).substr(dots + 2), options.last_seed) ||
        options.first_seed > options.last_seed) {
        return usage_error("--seeds A..B is required, with A <= B");
    }
    if (std::optional<std::string> jobs = args.value("--jobs")) {
        uint64_t parsed = 0;
        if (!parse_u64(*jobs, parsed) || parsed == 0 || parsed > 256) {
            return usage_error("--jobs takes a number from 1 to 256");
        }
        options.jobs = static_cast<int>(parsed);
    }
    options.check_determinism = args.flag("--check-determinism");
    bool show_progress = args.flag("--progress") || ::isatty(STDERR_FILENO) != 0;
    if (int planted_status = plant_argument(args)) return planted_status;
    if (auto unknown = args.unused()) return usage_error(fmt::format("unknown option {}", *unknown));

    uint64_t total = options.last_seed - options.first_seed + 1;
    uint64_t passed = 0, failed = 0, done = 0, events = 0;
    int worst = 0;
    bool terminal = ::isatty(STDERR_FILENO) != 0;
    auto started = Stopwatch::now();
    // A terminal line is redrawn at most 4 times a second; without a terminal (--progress into a
    // log) a new line at most once a second.
    auto progress_every = terminal ? std::chrono::milliseconds(250) : std::chrono::seconds(1);
    auto last_progress = started - progress_every;
    auto progress = [&] {
        double elapsed = seconds_since(started);
        double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
        return fmt::format("{}: {}/{} seeds, {} failed, {:.1f} seeds/s", scenario->name, done,
                           total, failed, rate);
    };
    run_seeds(*scenario, options, [&](const SeedResult& result) {
        ++done;
        events += result.outcome.events;
        int status = exit_status_for(result);
        if (status == 0) {
            ++passed;
        } else {
            ++failed;
            if (worst == 0 || status == kExitCorrectness) worst = status;
            if (show_progress && terminal) fmt::print(stderr, "\r\033[K");
            std::string what = result.crashed
                                   ? fmt::format("crash ({})", result.crash_reason)
                                   : fmt::format("{}: {}",
                                                 scenarios::verdict_name(result.outcome.verdict),
                                                 result.outcome.failure);
            fmt::print("FAIL seed {}: {}\n  replay: {}\n", result.seed, what,
                       replay_command(*scenario, result.seed));
            std::fflush(stdout);
        }
        auto now = Stopwatch::now();
        if (show_progress && (now - last_progress >= progress_every || done == total)) {
            last_progress = now;
            if (terminal) {
                fmt::print(stderr, "\r\033[K{}", progress());
            } else {
                fmt::print(stderr, "{}\n", progress());
            }
        }
    });
    if (show_progress && terminal) fmt::print(stderr, "\n");
    double elapsed = seconds_since(started);
    fmt::print("{} seeds in {:.1f}s wall, {} simulated events\n", total, elapsed, events);
    fmt::print("{} passed, {} failed\n", passed, failed);
    return worst;
}

// --scenario NAME --seed N, as replay and shrink take them; nullptr with `status` set if not.
const scenarios::Scenario* scenario_and_seed_arguments(Arguments& args, uint64_t& seed,
                                                       int& status) {
    const scenarios::Scenario* scenario = scenario_argument(args, status);
    if (scenario == nullptr) return nullptr;
    std::optional<std::string> seed_text = args.value("--seed");
    if (!seed_text || !parse_u64(*seed_text, seed)) {
        status = usage_error("--seed N is required");
        return nullptr;
    }
    return scenario;
}

int replay_command_main(Arguments& args) {
    int status = 0;
    uint64_t seed = 0;
    const scenarios::Scenario* scenario = scenario_and_seed_arguments(args, seed, status);
    if (scenario == nullptr) return status;
    if (int planted_status = plant_argument(args)) return planted_status;
    scenarios::RunOptions options{.seed = seed};
    options.trace_path = args.value("--trace").value_or("");
    std::string html_path = args.value("--html").value_or("");
    options.keep_trace_lines = !html_path.empty();
    if (std::optional<std::string> schedule_path = args.value("--schedule")) {
        std::optional<std::string> text = read_file(*schedule_path);
        if (!text) return usage_error(fmt::format("cannot read {}", *schedule_path));
        Result<sim::ScheduleFile> file = sim::ScheduleFile::parse(*text);
        if (!file) {
            return usage_error(fmt::format("{}: {}", *schedule_path, file.error().describe()));
        }
        const std::vector<std::string>& takes = scenario->workload_parameters;
        for (const auto& [name, value] : file->parameters) {
            if (std::find(takes.begin(), takes.end(), name) == takes.end()) {
                return usage_error(fmt::format("{}: scenario {} takes no parameter '{}'",
                                               *schedule_path, scenario->name, name));
            }
        }
        options.schedule = file->schedule;
        options.overrides = file->parameters;
    }
    if (auto unknown = args.unused()) return usage_error(fmt::format("unknown option {}", *unknown));

    fmt::print("SEED={}\n", seed);
    fmt::print("scenario={}\n", scenario->name);
    if (!planted_option.empty()) fmt::print("planted={}\n", planted_option.substr(9));
    if (options.schedule) fmt::print("schedule=given ({} events)\n", options.schedule->size());
    for (const auto& [name, value] : options.overrides) fmt::print("override {}={}\n", name, value);
    sim::TraceHtmlOptions html{.scenario = scenario->name, .seed = seed};
    options.on_parameter = [&html](std::string_view name, std::string value) {
        fmt::print("{}={}\n", name, value);
        html.parameters.emplace_back(name, std::move(value));
    };
    std::fflush(stdout);
    scenarios::Outcome outcome = scenario->run(options);
    fmt::print("verdict={}\n", scenarios::verdict_name(outcome.verdict));
    if (!outcome.failure.empty()) fmt::print("result={}\n", outcome.failure);
    fmt::print("events={} simulated={:.3f}s\n", outcome.events,
               static_cast<double>(outcome.simulated.count()) / 1e9);
    if (!options.trace_path.empty()) fmt::print("trace written to {}\n", options.trace_path);
    if (!html_path.empty()) {
        if (!write_file(html_path, sim::render_trace_html(outcome.trace_lines, html))) {
            fmt::print(stderr, "brook sim: cannot write {}\n", html_path);
            return kExitUsage;
        }
        fmt::print("trace viewer written to {}\n", html_path);
    }
    fmt::print("trace hash {:016x}\n", outcome.trace_hash);
    SeedResult result;
    result.outcome = outcome;
    return exit_status_for(result);
}

int shrink_command(Arguments& args) {
    int status = 0;
    uint64_t seed = 0;
    const scenarios::Scenario* scenario = scenario_and_seed_arguments(args, seed, status);
    if (scenario == nullptr) return status;
    std::string out = args.value("--out").value_or(fmt::format("seed-{}.schedule", seed));
    if (int planted_status = plant_argument(args)) return planted_status;
    if (auto unknown = args.unused()) return usage_error(fmt::format("unknown option {}", *unknown));

    ShrinkResult shrink = shrink_seed(*scenario, seed, [](const std::string& tried, bool fails) {
        fmt::print(stderr, "  {}: {}\n", tried, fails ? "still fails" : "passes");
    });
    if (!shrink.failed_at_all) {
        fmt::print("seed {} passes: nothing to shrink\n", seed);
        return 0;
    }
    std::string workload;
    for (const auto& [name, value] : shrink.overrides) {
        workload += fmt::format(" {}={} (drawn {})", name, value, shrink.drawn[name]);
    }
    if (workload.empty()) workload = " as drawn";
    std::string replay = fmt::format("brook sim replay --scenario {} --seed {}{} --schedule {}",
                                     scenario->name, seed, planted_option, out);
    sim::ScheduleFile file{shrink.overrides, shrink.minimal};
    std::string text = fmt::format(
        "# brook sim shrink --scenario {} --seed {}: {} of {} events still fail ({}: {})\n"
        "# workload:{}\n# replay: {}\n{}",
        scenario->name, seed, shrink.minimal.size(), shrink.original.size(),
        scenarios::verdict_name(shrink.verdict), shrink.failure, workload, replay, file.to_text());
    if (!write_file(out, text)) {
        fmt::print(stderr, "brook sim: cannot write {}\n", out);
        return kExitUsage;
    }
    fmt::print("{} events of {} are enough to fail ({} runs): {}\n", shrink.minimal.size(),
               shrink.original.size(), shrink.attempts, shrink.failure);
    fmt::print("workload:{}\n{}", workload, file.to_text());
    fmt::print("written to {}\nreplay: {}\n", out, replay);
    return 0;
}

}  // namespace

int sim_command(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) == "--help") {
        fmt::print("{}", kSimUsage);
        return argc < 2 ? kExitUsage : 0;
    }
    std::string_view verb = argv[1];
    Arguments args(argc, argv, 2);
    if (args.flag("--help")) {
        fmt::print("{}", kSimUsage);
        return 0;
    }
    if (verb == "list") return list_scenarios();
    if (verb == "run") return run_command(args);
    if (verb == "replay") return replay_command_main(args);
    if (verb == "shrink") return shrink_command(args);
    return usage_error(fmt::format("unknown verb '{}'", verb));
}

}  // namespace brook::tools
