#include "sim/simulation.h"

#include "core/base/check.h"

namespace brook::sim {

void TraceLogSink::write(LogLevel level, std::string_view component, std::string_view message) {
    trace_.recordf(scheduler_.now(), actor_, "log", "{} {}: {}", log_level_name(level), component,
                   message);
}

struct Simulation::Process {
    Process(std::string name, FiberGroup group, Main main, Random random)
        : name(std::move(name)), group(group), main(std::move(main)), random(random) {}

    std::string name;
    FiberGroup group;
    Main main;
    Random random;
    std::unique_ptr<SimClock> clock;
    std::unique_ptr<SimDisk> disk;
    std::unique_ptr<TraceLogSink> log_sink;
    std::unique_ptr<Environment> environment;
    bool up = false;
    uint32_t incarnation = 0;
};

Simulation::Simulation(uint64_t seed, LogLevel log_threshold)
    : seed_(seed), log_threshold_(log_threshold), random_(seed), scheduler_(reactor_) {
    network_ = std::make_unique<SimNetwork>(scheduler_, random_.fork(), trace_);
    set_check_context(&Simulation::describe_for_check, this);
    trace_.recordf(now(), "sim", "sim.start", "seed={}", seed_);
}

Simulation::~Simulation() {
    // Fibers first: they borrow the disks, clocks and network destroyed below.
    for (auto& [name, process] : processes_) {
        if (process->up) scheduler_.kill_group(process->group);
    }
    scheduler_.kill_group(kSystemGroup);
    set_check_context(nullptr, nullptr);
}

std::string Simulation::describe_for_check(void* simulation) {
    auto* self = static_cast<Simulation*>(simulation);
    return fmt::format("SEED={} t={}", self->seed_, self->now());
}

void Simulation::add_process(const std::string& name, Main main) {
    ASSERT(!processes_.contains(name), "process {} added twice", name);
    auto process = std::make_unique<Process>(name, next_group_++, std::move(main), random_.fork());
    // Wall clocks start near a fixed date, each a little off, like real machines.
    WallTime start = WallTime(hours(24 * 365 * 56)) + milliseconds(random_.between(-500, 500));
    process->clock = std::make_unique<SimClock>(scheduler_, start);
    process->disk = std::make_unique<SimDisk>(scheduler_, process->random.fork(), trace_, name);
    process->log_sink = std::make_unique<TraceLogSink>(scheduler_, trace_, name, log_threshold_);
    process->environment = std::make_unique<Environment>(
        Environment{scheduler_, *process->clock, network_->host(name), *process->disk,
                    process->random, *process->log_sink});
    Process& added = *process;
    processes_.emplace(name, std::move(process));
    boot(added);
}

void Simulation::boot(Process& process) {
    process.up = true;
    ++process.incarnation;
    trace_.recordf(now(), process.name, "sim.boot", "incarnation={}", process.incarnation);
    scheduler_.spawn_in_group(process.group, process.name + "/main",
                              [&process] { process.main(*process.environment); });
}

void Simulation::crash(const std::string& name) {
    Process& victim = process(name);
    ASSERT(!scheduler_.in_fiber() || scheduler_.current_group() != victim.group,
           "process {} cannot crash itself", name);
    if (!victim.up) return;
    trace_.recordf(now(), name, "sim.crash", "incarnation={}", victim.incarnation);
    victim.up = false;
    scheduler_.kill_group(victim.group);
    network_->crash_host(name);
    victim.disk->crash();
}

void Simulation::restart(const std::string& name) {
    Process& revived = process(name);
    if (revived.up) return;
    boot(revived);
}

bool Simulation::is_up(const std::string& name) const { return process(name).up; }

uint32_t Simulation::incarnation(const std::string& name) const {
    return process(name).incarnation;
}

SimDisk& Simulation::disk(const std::string& name) { return *process(name).disk; }
SimClock& Simulation::clock(const std::string& name) { return *process(name).clock; }

Scheduler::RunEnd Simulation::run_for(Duration duration) {
    return scheduler_.run_until(now() + duration);
}

Simulation::Process& Simulation::process(const std::string& name) {
    auto it = processes_.find(name);
    ASSERT(it != processes_.end(), "no process named {}", name);
    return *it->second;
}

const Simulation::Process& Simulation::process(const std::string& name) const {
    auto it = processes_.find(name);
    ASSERT(it != processes_.end(), "no process named {}", name);
    return *it->second;
}

}  // namespace brook::sim
