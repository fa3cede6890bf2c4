#include "scenarios/log_scenario.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/log/partition_log.h"
#include "core/log/record_batch_builder.h"
#include "scenarios/cluster_run.h"
#include "scenarios/fault_actions.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using log::Bytes;
using log::PartitionLog;
using sim::SimDiskFaults;
using sim::Simulation;

constexpr std::string_view kDirectory = "topic-0";

struct Parameters {
    int writers;
    int readers;
    uint64_t segment_bytes;
    uint32_t crash_tear_ppm;
    uint32_t crash_keep_none_ppm;
    uint32_t bit_flip_ppm;
    uint32_t write_error_ppm;
    uint32_t sync_error_ppm;
    bool no_space_windows;
    int64_t crash_interval_ms;
    Duration fault_phase;

    static Parameters draw(Random& random) {
        Parameters p;
        p.writers = static_cast<int>(random.between(1, 4));
        p.readers = static_cast<int>(random.between(0, 2));
        p.segment_bytes = static_cast<uint64_t>(random.between(2048, 65536));
        p.crash_tear_ppm =
            random.chance(3, 4) ? static_cast<uint32_t>(random.between(0, 1'000'000)) : 0;
        p.crash_keep_none_ppm =
            random.chance(1, 2) ? static_cast<uint32_t>(random.between(0, 1'000'000)) : 0;
        p.bit_flip_ppm = random.chance(1, 4) ? static_cast<uint32_t>(random.between(100, 5000)) : 0;
        p.write_error_ppm =
            random.chance(1, 4) ? static_cast<uint32_t>(random.between(10, 2000)) : 0;
        p.sync_error_ppm =
            random.chance(1, 4) ? static_cast<uint32_t>(random.between(10, 2000)) : 0;
        p.no_space_windows = random.chance(1, 3);
        p.crash_interval_ms = random.between(200, 3000);
        p.fault_phase = milliseconds(random.between(2000, 6000));
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        auto put = [&](std::string_view name, auto value) {
            options.on_parameter(name, fmt::format("{}", value));
        };
        put("writers", writers);
        put("readers", readers);
        put("segment_bytes", segment_bytes);
        put("crash_tear_ppm", crash_tear_ppm);
        put("crash_keep_none_ppm", crash_keep_none_ppm);
        put("bit_flip_ppm", bit_flip_ppm);
        put("write_error_ppm", write_error_ppm);
        put("sync_error_ppm", sync_error_ppm);
        put("no_space_windows", no_space_windows);
        put("crash_interval_ms", crash_interval_ms);
        put("fault_phase_ms", to_ms(fault_phase));
    }
};

// What the writers produced and the log acknowledged, and what the readers saw.
struct Checker {
    bool bit_flips = false;
    std::map<uint64_t, Bytes> produced;                          // id -> batch as produced
    std::map<int64_t, std::pair<uint64_t, Bytes>> acknowledged;  // offset -> (id, stored bytes)
    std::optional<Offset> detected_loss_from;  // lowest RecoveryReport::corruption_at
    uint64_t detected_corrupt_reads = 0;
    uint64_t served_batches = 0;
    std::optional<std::string> violation;

    void fail(std::string what) {
        if (!violation) violation = std::move(what);
    }
    bool loss_allowed_at(Offset offset) const {
        return bit_flips && detected_loss_from && offset >= *detected_loss_from;
    }
    void acknowledge(Offset offset, uint64_t id, Bytes stored) {
        auto it = acknowledged.find(offset.value());
        if (it != acknowledged.end() && !loss_allowed_at(offset)) {
            fail(fmt::format("offset {} acknowledged twice (ids {} and {})", offset,
                             it->second.first, id));
        }
        acknowledged[offset.value()] = {id, std::move(stored)};
    }
    // A served batch must be some produced batch, byte for byte, at its stored offset.
    void served(const log::RecordBatchView& view) {
        ++served_batches;
        if (view.records_count() < 1 || view.records_bytes().size() < 12) {
            return fail("served a batch without records");
        }
        auto records = log::decode_records(view);
        if (!records || records->empty() || !records->front().value ||
            records->front().value->size() < 8) {
            return fail(fmt::format("served batch at {} does not decode", view.base_offset()));
        }
        uint64_t id = load_big_endian<uint64_t>(records->front().value->data());
        auto it = produced.find(id);
        if (it == produced.end()) return fail(fmt::format("served unknown batch id {}", id));
        Bytes expected = it->second;
        log::set_base_offset(expected, view.base_offset());
        if (!std::equal(expected.begin(), expected.end(), view.bytes().begin(),
                        view.bytes().end())) {
            fail(fmt::format("batch {} at offset {} served with different bytes", id,
                             view.base_offset()));
        }
    }
};

Bytes make_batch(uint64_t id, Random& random) {
    int records = static_cast<int>(random.between(1, 5));
    log::RecordBatchBuilder builder(1'800'000'000'000);
    for (int i = 0; i < records; ++i) {
        Bytes value(static_cast<std::size_t>(random.between(8, 600)), static_cast<uint8_t>(id));
        store_big_endian<uint64_t>(value.data(), id);
        builder.add(log::Record{.key = std::nullopt,
                                .value = std::move(value),
                                .headers = {},
                                .timestamp_ms = 1'800'000'000'000 + i});
    }
    return builder.build();
}

// Checks a fetched slice: valid batches, dense, the first holding `offset`.
void check_slice(Checker& checker, Offset offset, const log::LogRead& slice) {
    std::span<const uint8_t> rest(slice.bytes);
    Offset expected = offset;
    bool first = true;
    while (!rest.empty()) {
        log::BatchCheck check = log::check_batch(rest);
        if (check.problem != log::BatchProblem::none) {
            return checker.fail(fmt::format("served an invalid batch ({}) for offset {}",
                                            log::batch_problem_name(check.problem), offset));
        }
        log::RecordBatchView view(rest.first(check.size));
        bool placed = first ? (view.base_offset() <= offset && offset < view.next_offset())
                            : view.base_offset() == expected;
        if (!placed) return checker.fail(fmt::format("fetch at {} not dense", offset));
        checker.served(view);
        expected = view.next_offset();
        rest = rest.subspan(check.size);
        first = false;
    }
}

struct Shared {
    Checker checker;
    PartitionLog* log = nullptr;  // the node's open log, while it runs
    bool writing = true;
    bool offline = false;
    uint64_t next_id = 1;
    uint64_t opens = 0;
};

log::LogConfig node_config(const Parameters& p) {
    log::LogConfig config;
    config.segment_bytes = p.segment_bytes;
    config.index_interval_bytes = 1024;
    config.retention_ms = -1;
    config.retention_bytes = 256 * 1024;  // keeps the simulated disk small
    return config;
}

void writer(Environment& env, Shared& shared, PartitionLog& log) {
    while (shared.writing) {
        uint64_t id = shared.next_id++;
        Bytes batch = make_batch(id, env.random);
        shared.checker.produced[id] = batch;
        Result<log::AppendResult> appended = log.append(batch);  // May suspend.
        if (appended) {
            log::set_base_offset(batch, appended->base_offset);
            shared.checker.acknowledge(appended->base_offset, id, std::move(batch));
        } else {
            env.clock.sleep_for(milliseconds(log.offline() ? 50 : 10));
        }
        env.clock.sleep_for(microseconds(env.random.between(0, 5000)));
    }
}

void reader(Environment& env, Shared& shared, PartitionLog& log) {
    while (true) {
        Offset start = log.log_start_offset();
        Offset durable = log.durable_end_offset();
        if (durable <= start) {
            log.wait_for_data(start, env.clock.now() + milliseconds(100), true);  // May suspend.
            continue;
        }
        Offset offset = start + static_cast<int64_t>(
                                    env.random.uniform(static_cast<uint64_t>(durable - start)));
        auto max_bytes = static_cast<std::size_t>(env.random.between(1, 20000));
        Result<log::LogRead> read = log.read(offset, max_bytes, durable);
        if (read) {
            check_slice(shared.checker, offset, *read);
        } else if (read.error().code() == ErrorCode::corruption) {
            if (!shared.checker.bit_flips) {
                shared.checker.fail("corruption without bit flips: " + read.error().describe());
            }
            ++shared.checker.detected_corrupt_reads;
        }
        env.clock.sleep_for(microseconds(env.random.between(0, 20000)));
    }
}

void node_main(Environment& env, Shared& shared, const Parameters& p) {
    std::unique_ptr<PartitionLog> log;
    while (!log) {
        auto opened = PartitionLog::open(env.disk, env.clock, env.scheduler,
                                         std::string(kDirectory), node_config(p));
        if (opened) {
            log = std::move(opened).value();
        } else {
            env.clock.sleep_for(milliseconds(50));  // an EIO during recovery: try again
        }
    }
    ++shared.opens;
    if (std::optional<Offset> at = log->recovery_report().corruption_at) {
        Checker& checker = shared.checker;
        if (!checker.bit_flips) checker.fail(fmt::format("recovery found corruption at {}", *at));
        if (!checker.detected_loss_from || *at < *checker.detected_loss_from) {
            checker.detected_loss_from = *at;
        }
    }
    struct Published {
        Shared& shared;
        ~Published() { shared.log = nullptr; }
    } published{shared};
    shared.log = log.get();
    for (int i = 0; i < p.writers; ++i) {
        env.scheduler.spawn("writer", [&] { writer(env, shared, *log); });
    }
    for (int i = 0; i < p.readers; ++i) {
        env.scheduler.spawn("reader", [&] { reader(env, shared, *log); });
    }
    while (true) {
        env.clock.sleep_for(milliseconds(100));
        (void)log->tick();  // May suspend.
        if (log->offline()) shared.offline = true;
    }
}

// Crashes of the node, and windows in which its disk is full (a few KiB after the moment).
sim::FaultSchedule draw_schedule(Random& random, const Parameters& p, const ClusterShape& shape) {
    sim::FaultSchedule schedule;
    draw_broker_crashes(schedule, random, shape, p.fault_phase, p.crash_interval_ms, 200);
    if (p.no_space_windows) {
        std::string node = ClusterShape::broker_name(1);
        for (Duration t = milliseconds(random.between(100, 1000)); t < p.fault_phase;
             t += milliseconds(random.between(100, 2000))) {
            schedule.add(t, "disk-full", {node, fmt::format("{}", random.uniform(8192))});
            t += milliseconds(random.between(20, 500));
            schedule.add(t, "disk-space", {node});
        }
    }
    return schedule;
}

// The node's supervisor, not a fault: a log that went offline (a failed fsync) stays offline
// until its process restarts, so while the faults last the node is crashed and restarted
// 100 ms after its log went offline. It draws nothing: a replayed schedule gets the same.
void supervise(Simulation& sim, Shared& shared, const ClusterRun& run) {
    std::string node = ClusterShape::broker_name(1);
    while (run.faults_active()) {
        sim.scheduler().park(sim.now() + milliseconds(10));
        if (!shared.offline || !run.faults_active()) continue;
        shared.offline = false;
        if (!sim.is_up(node)) continue;
        sim.crash(node);
        sim.scheduler().park(sim.now() + milliseconds(100));
        if (!sim.is_up(node)) sim.restart(node);
    }
}

// After the last restart: walks the whole log and checks every acknowledged batch.
std::optional<std::string> verify(Shared& shared) {
    Checker& checker = shared.checker;
    PartitionLog& log = *shared.log;
    std::map<int64_t, Bytes> present;
    std::optional<Offset> first_unreadable;
    Offset offset = log.log_start_offset();
    while (offset < log.log_end_offset()) {
        Result<log::LogRead> read = log.read(offset, 1);
        if (!read) {
            if (read.error().code() != ErrorCode::corruption || !checker.bit_flips) {
                return "final read failed: " + read.error().describe();
            }
            if (!first_unreadable) first_unreadable = offset;
            auto next = checker.acknowledged.upper_bound(offset.value());
            if (next == checker.acknowledged.end()) break;
            offset = Offset(next->first);
            continue;
        }
        check_slice(checker, offset, *read);
        present[offset.value()] = read->bytes;
        offset = read->next_offset;
    }
    for (const auto& [at, entry] : checker.acknowledged) {
        if (Offset(at) < log.log_start_offset()) continue;
        auto it = present.find(at);
        if (it != present.end() && it->second == entry.second) continue;
        bool detected = checker.loss_allowed_at(Offset(at)) ||
                        (checker.bit_flips && first_unreadable && Offset(at) >= *first_unreadable);
        if (!detected) {
            return fmt::format("acknowledged batch {} at offset {} is {}", entry.first, at,
                               it == present.end() ? "missing" : "different");
        }
    }
    return checker.violation;
}

Outcome run_log(const RunOptions& options) {
    Shared shared;  // before the simulation: its fibers borrow it until it is destroyed
    ClusterRun run(options);
    Simulation& sim = run.sim();
    Parameters p = Parameters::draw(run.random());
    p.report(options);
    shared.checker.bit_flips = p.bit_flip_ppm > 0;
    ClusterShape shape;  // one node with the log, no clients
    sim::FaultSchedule drawn = draw_schedule(run.random(), p, shape);
    if (std::optional<std::string> bad = run.plan(shape, drawn)) {
        return run.finish(Verdict::invalid, *bad);
    }

    std::string node = ClusterShape::broker_name(1);
    sim.add_process(node, [&](Environment& env) { node_main(env, shared, p); });
    SimDiskFaults faults;
    faults.crash_tear_ppm = p.crash_tear_ppm;
    faults.crash_keep_none_ppm = p.crash_keep_none_ppm;
    faults.write_bit_flip_ppm = p.bit_flip_ppm;
    faults.write_error_ppm = p.write_error_ppm;
    faults.sync_error_ppm = p.sync_error_ppm;
    sim.disk(node).set_faults(faults);

    sim.scheduler().spawn("supervisor", [&] { supervise(sim, shared, run); });
    run.run_fault_phase(p.fault_phase);
    run.calm(SimDiskFaults{});
    shared.writing = false;
    sim.run_for(seconds(1));
    run.crash_and_restart_brokers();
    sim.run_for(seconds(2));
    if (shared.log == nullptr || shared.log->offline()) {
        return run.finish(Verdict::liveness, "the log did not reopen after faults stopped");
    }
    if (std::optional<std::string> violation = verify(shared)) {
        return run.finish(Verdict::correctness, *violation);
    }
    return run.finish(Verdict::passed,
                      fmt::format("{} acknowledged, {} served, {} opens, {} corrupt reads detected",
                                  shared.checker.acknowledged.size(), shared.checker.served_batches,
                                  shared.opens, shared.checker.detected_corrupt_reads));
}

}  // namespace

Scenario log_scenario() {
    return Scenario{"log-faults",
                    "partition log: concurrent writers and readers, crashes, torn and lost "
                    "writes, bit flips, EIO and ENOSPC",
                    run_log};
}

}  // namespace brook::scenarios
