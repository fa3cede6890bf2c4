#include "scenarios/cluster_run.h"

#include "core/base/check.h"
#include "scenarios/broker_node.h"
#include "scenarios/fault_actions.h"
#include "scenarios/run_outcome.h"

namespace brook::scenarios {

ClusterRun::ClusterRun(const RunOptions& options) : options_(options), sim_(options.seed) {
    if (!options.trace_path.empty()) sim_.trace().write_to(options.trace_path);
    sim_.trace().keep_lines(options.keep_trace_lines);
}

std::optional<std::string> ClusterRun::plan(ClusterShape shape, sim::FaultSchedule drawn) {
    ASSERT(shape.brokers >= 1 && shape.replication_factor >= 1 &&
           shape.replication_factor <= shape.brokers);
    shape_ = std::move(shape);
    outcome_.schedule = options_.schedule ? *options_.schedule : std::move(drawn);
    if (options_.on_schedule) options_.on_schedule(outcome_.schedule);
    for (const sim::FaultEvent& event : outcome_.schedule.events()) {
        if (std::optional<std::string> why = unexecutable(event, shape_)) return why;
    }
    return std::nullopt;
}

void ClusterRun::add_brokers(std::function<broker::BrokerConfig(int index)> make_config) {
    make_config_ = std::move(make_config);
    add_broker_processes([this](Environment& env, int index) {
        serve_for_ever(env, [this, index] { return make_config_(index); });
    });
}

void ClusterRun::add_broker_processes(std::function<void(Environment& env, int index)> serve) {
    serve_ = std::move(serve);
    for (int index = 1; index <= shape_.brokers; ++index) {
        sim_.add_process(ClusterShape::broker_name(index),
                         [this, index](Environment& env) { serve_(env, index); });
    }
}

void ClusterRun::run_fault_phase(Duration length) {
    Instant start = sim_.now();
    for (const sim::FaultEvent& event : outcome_.schedule.events()) {
        sim_.scheduler().call_at(start + event.at, [this, &event] {
            if (faults_active_) execute(sim_, event);
        });
    }
    sim_.run_for(length);
    faults_active_ = false;
}

void ClusterRun::calm(const sim::SimDiskFaults& disk_faults) {
    for (const std::string& broker : shape_.broker_names())
        sim_.disk(broker).set_faults(disk_faults);
    sim_.network().options().reset_per_million_chunks = 0;
    sim_.network().heal_all();
    std::vector<std::string> processes = shape_.processes();
    for (const std::string& process : processes) sim_.clock(process).set_drift_ppm(0);
    for (const std::string& process : processes) {
        if (!sim_.is_up(process)) sim_.restart(process);
    }
}

bool ClusterRun::run_until(Duration bound, const std::function<bool()>& done) {
    for (Instant end = sim_.now() + bound; sim_.now() < end && !done();) {
        sim_.run_for(milliseconds(100));
    }
    return done();
}

void ClusterRun::crash_and_restart_brokers() {
    for (const std::string& broker : shape_.broker_names()) {
        sim_.crash(broker);
        sim_.restart(broker);
    }
}

Outcome ClusterRun::finish(Verdict verdict, std::string failure) {
    return conclude(sim_, options_, outcome_, verdict, std::move(failure));
}

broker::BrokerConfig cluster_broker_config(
    int index, const std::vector<std::pair<std::string, std::string>>& settings) {
    broker::BrokerConfig config;
    auto set = [&](std::string_view key, const std::string& value) {
        Result<void> done = config.set(key, value);
        ASSERT(done.ok(), "scenario config {}={}: {}", key, value, done.error().describe());
    };
    set("listeners",
        fmt::format("PLAINTEXT://{}:{}", ClusterShape::broker_name(index), kBrokerPort));
    set("node.id", fmt::format("{}", index));
    for (const auto& [key, value] : settings) set(key, value);
    Result<void> finished = config.finish();
    ASSERT(finished.ok());
    return config;
}

}  // namespace brook::scenarios
