#include "tools/brook/seed_runner.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>

namespace brook::tools {
namespace {

struct Child {
    uint64_t seed;
    pid_t pid;
    int read_fd;
    std::string output;
};

void write_all(int fd, const std::string& text) {
    std::size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(3);
        written += static_cast<std::size_t>(n);
    }
}

// In the child: run the seed (twice when checking determinism) and report over the pipe, one
// line each: "parameter <name> <value>" for every parameter and "schedule <event>" for every
// scheduled fault as soon as they are drawn, then
// "result <verdict> <hash> <events> <simulated ns> <failure>".
[[noreturn]] void run_child(const scenarios::Scenario& scenario, scenarios::RunOptions options,
                            bool twice, int write_fd) {
    options.on_parameter = [write_fd](std::string_view name, std::string value) {
        write_all(write_fd, fmt::format("parameter {} {}\n", name, value));
    };
    options.on_schedule = [write_fd](const sim::FaultSchedule& schedule) {
        std::string text;
        for (const sim::FaultEvent& event : schedule.events()) {
            sim::FaultSchedule one;
            one.add(event.at, event.action, event.targets);
            text += "schedule " + one.to_text();
        }
        write_all(write_fd, text);
    };
    scenarios::Outcome outcome = scenario.run(options);
    if (twice) {
        options.on_schedule = nullptr;
        options.on_parameter = nullptr;
        scenarios::Outcome again = scenario.run(options);
        if (again.trace_hash != outcome.trace_hash) {
            outcome.verdict = scenarios::Verdict::correctness;
            outcome.failure = fmt::format("nondeterministic: trace hash {:016x} then {:016x}",
                                          outcome.trace_hash, again.trace_hash);
        }
    }
    write_all(write_fd, fmt::format("result {} {:016x} {} {} {}\n",
                                    static_cast<int>(outcome.verdict), outcome.trace_hash,
                                    outcome.events, outcome.simulated.count(), outcome.failure));
    ::_exit(0);
}

Child start_child(const scenarios::Scenario& scenario, const scenarios::RunOptions& options,
                  bool twice) {
    int fds[2];
    if (::pipe(fds) != 0) {
        std::perror("brook sim: pipe");
        std::exit(2);
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("brook sim: fork");
        std::exit(2);
    }
    if (pid == 0) {
        ::close(fds[0]);
        run_child(scenario, options, twice, fds[1]);
    }
    ::close(fds[1]);
    return Child{options.seed, pid, fds[0], {}};
}

SeedResult finish_child(Child& child) {
    char buffer[4096];
    while (true) {
        ssize_t n = ::read(child.read_fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        child.output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(child.read_fd);
    int status = 0;
    while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    SeedResult result;
    result.seed = child.seed;
    std::string schedule_text;
    std::string result_line;
    std::size_t position = 0;
    while (position < child.output.size()) {
        std::size_t newline = child.output.find('\n', position);
        if (newline == std::string::npos) newline = child.output.size();
        std::string line = child.output.substr(position, newline - position);
        position = newline + 1;
        if (line.starts_with("schedule ")) schedule_text += line.substr(9) + "\n";
        if (line.starts_with("result ")) result_line = line.substr(7);
        if (line.starts_with("parameter ")) {
            std::size_t space = line.find(' ', 10);
            if (space != std::string::npos) {
                result.parameters.emplace_back(line.substr(10, space - 10), line.substr(space + 1));
            }
        }
    }
    if (Result<sim::FaultSchedule> schedule = sim::FaultSchedule::parse(schedule_text)) {
        result.outcome.schedule = *schedule;
    }
    bool exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!exited_cleanly || result_line.empty()) {
        result.crashed = true;
        result.crash_reason = WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                  : fmt::format("exit {}", WEXITSTATUS(status));
        return result;
    }
    int verdict = 0;
    unsigned long long hash = 0, events = 0;
    long long simulated = 0;
    int consumed = 0;
    std::sscanf(result_line.c_str(), "%d %llx %llu %lld %n", &verdict, &hash, &events,
                &simulated, &consumed);
    result.outcome.verdict = static_cast<scenarios::Verdict>(verdict);
    result.outcome.trace_hash = hash;
    result.outcome.events = events;
    result.outcome.simulated = Duration(simulated);
    result.outcome.failure = result_line.substr(static_cast<std::size_t>(consumed));
    return result;
}

}  // namespace

SeedResult run_isolated(const scenarios::Scenario& scenario, const scenarios::RunOptions& options) {
    Child child = start_child(scenario, options, false);
    return finish_child(child);
}

void run_seeds(const scenarios::Scenario& scenario, const SeedRunOptions& options,
               const std::function<void(const SeedResult&)>& on_result) {
    std::deque<Child> running;  // in seed order: results are reported in seed order
    uint64_t next = options.first_seed;
    bool more = options.first_seed <= options.last_seed;
    while (more || !running.empty()) {
        while (more && running.size() < static_cast<std::size_t>(std::max(1, options.jobs))) {
            running.push_back(start_child(scenario, scenarios::RunOptions{.seed = next},
                                          options.check_determinism));
            more = next != options.last_seed;
            ++next;
        }
        // Children are reaped in seed order; a later child that finishes first simply waits.
        SeedResult result = finish_child(running.front());
        running.pop_front();
        on_result(result);
    }
}

}  // namespace brook::tools
