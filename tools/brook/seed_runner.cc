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

// In the child: run the seed (twice when checking determinism) and write one result line.
[[noreturn]] void run_child(const scenarios::Scenario& scenario, uint64_t seed, bool twice,
                            int write_fd) {
    scenarios::Outcome outcome = scenario.run(scenarios::RunOptions{.seed = seed});
    if (twice) {
        scenarios::Outcome again = scenario.run(scenarios::RunOptions{.seed = seed});
        if (again.trace_hash != outcome.trace_hash) {
            outcome.verdict = scenarios::Verdict::correctness;
            outcome.failure = fmt::format("nondeterministic: trace hash {:016x} then {:016x}",
                                          outcome.trace_hash, again.trace_hash);
        }
    }
    std::string line = fmt::format("{} {:016x} {} {} {}\n", static_cast<int>(outcome.verdict),
                                   outcome.trace_hash, outcome.events,
                                   outcome.simulated.count(), outcome.failure);
    std::size_t written = 0;
    while (written < line.size()) {
        ssize_t n = ::write(write_fd, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(3);
        written += static_cast<std::size_t>(n);
    }
    ::_exit(0);
}

Child start_child(const scenarios::Scenario& scenario, uint64_t seed, bool twice) {
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
        run_child(scenario, seed, twice, fds[1]);
    }
    ::close(fds[1]);
    return Child{seed, pid, fds[0], {}};
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
    bool exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!exited_cleanly || child.output.empty()) {
        result.crashed = true;
        result.crash_reason = WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                  : fmt::format("exit {}", WEXITSTATUS(status));
        return result;
    }
    int verdict = 0;
    unsigned long long hash = 0, events = 0;
    long long simulated = 0;
    int consumed = 0;
    std::sscanf(child.output.c_str(), "%d %llx %llu %lld %n", &verdict, &hash, &events,
                &simulated, &consumed);
    result.outcome.verdict = static_cast<scenarios::Verdict>(verdict);
    result.outcome.trace_hash = hash;
    result.outcome.events = events;
    result.outcome.simulated = Duration(simulated);
    std::string failure = child.output.substr(static_cast<std::size_t>(consumed));
    while (!failure.empty() && failure.back() == '\n') failure.pop_back();
    result.outcome.failure = failure;
    return result;
}

}  // namespace

void run_seeds(const scenarios::Scenario& scenario, const SeedRunOptions& options,
               const std::function<void(const SeedResult&)>& on_result) {
    std::deque<Child> running;  // in seed order: results are reported in seed order
    uint64_t next = options.first_seed;
    bool more = options.first_seed <= options.last_seed;
    while (more || !running.empty()) {
        while (more && running.size() < static_cast<std::size_t>(std::max(1, options.jobs))) {
            running.push_back(start_child(scenario, next, options.check_determinism));
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
