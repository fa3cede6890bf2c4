#include "scenarios/quorum_scenario.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/planted_bug.h"
#include "core/quorum/kafka_quorum_channel.h"
#include "core/quorum/kafka_quorum_state_store.h"
#include "core/quorum/quorum_node.h"
#include "scenarios/cluster_shape.h"
#include "scenarios/fault_actions.h"
#include "scenarios/quorum_checker.h"
#include "scenarios/simulated_quorum.h"
#include "scenarios/run_outcome.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using quorum::KafkaQuorumChannel;
using quorum::KafkaQuorumStateStore;
using quorum::QuorumNode;
using sim::Simulation;

constexpr uint16_t kControllerPort = 9093;
constexpr const char* kClusterId = "quorum-scenario";
// Once faults stop: how long a leader may take to appear, and the fresh record to commit.
constexpr Duration kElectionBound = seconds(10);
constexpr Duration kCommitBound = seconds(10);
constexpr const char* kFinalRecord = "final";

// Voter `id` is broker process "n<id>" of the scenario's ClusterShape, so the shared fault
// actions (fault_actions.h) check and execute its schedule.
std::string process_name(raft::NodeId id) { return ClusterShape::broker_name(id.value()); }

// Drawn from the seed before anything runs (swarm testing, as in counter_scenario.cc).
struct Parameters {
    bool crashes;
    int64_t crash_interval_ms;
    bool crash_all;  // besides single crashes, every node crashes at once now and then
    bool partitions;
    int64_t partition_interval_ms;
    int64_t partition_length_ms;
    int64_t propose_pause_ms;
    Duration fault_phase;
    // What a crash keeps of unsynced writes: 0 a random prefix, 1 nothing, 2 everything (the
    // parameter reports the number).
    int disk_crash_mode;
    int64_t latency_max_us;
    bool clock_jumps;
    bool resets;
    // Slow syncs widen the window in which a write is made but not yet durable.
    int64_t sync_latency_max_ms;

    static Parameters draw(Random& random) {
        Parameters p;
        p.crashes = random.chance(3, 4);
        p.crash_interval_ms = random.between(300, 3000);
        p.crash_all = random.chance(1, 3);
        p.partitions = random.chance(2, 3);
        p.partition_interval_ms = random.between(300, 3000);
        p.partition_length_ms = random.between(100, 2000);
        p.propose_pause_ms = random.between(1, 50);
        p.fault_phase = seconds(random.between(4, 12));
        p.disk_crash_mode = static_cast<int>(random.uniform(3));
        p.latency_max_us = random.between(100, 5000);
        p.clock_jumps = random.chance(1, 3);
        p.resets = random.chance(1, 3);
        p.sync_latency_max_ms = random.between(2, 15);
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        options.on_parameter("crashes", crashes ? "on" : "off");
        options.on_parameter("crash_interval_ms", std::to_string(crash_interval_ms));
        options.on_parameter("crash_all", crash_all ? "on" : "off");
        options.on_parameter("partitions", partitions ? "on" : "off");
        options.on_parameter("partition_interval_ms", std::to_string(partition_interval_ms));
        options.on_parameter("partition_length_ms", std::to_string(partition_length_ms));
        options.on_parameter("propose_pause_ms", std::to_string(propose_pause_ms));
        options.on_parameter("fault_phase_s", std::to_string(to_ms(fault_phase) / 1000));
        options.on_parameter("disk_crash", std::to_string(disk_crash_mode));
        options.on_parameter("latency_max_us", std::to_string(latency_max_us));
        options.on_parameter("clock_jumps", clock_jumps ? "on" : "off");
        options.on_parameter("resets", resets ? "on" : "off");
        options.on_parameter("sync_latency_max_ms", std::to_string(sync_latency_max_ms));
    }
};

// The nemesis's plan. "isolate-leader" names no node: it cuts whoever leads when it runs from
// every other node, both ways, until the "rejoin" that follows it.
sim::FaultSchedule draw_schedule(Random random, const Parameters& p,
                                 const std::vector<std::string>& nodes) {
    sim::FaultSchedule schedule;
    auto pick_node = [&] { return nodes[random.uniform(nodes.size())]; };
    if (p.crashes) {
        Duration t = milliseconds(random.between(0, p.crash_interval_ms));
        while (t < p.fault_phase) {
            std::vector<std::string> victims = {pick_node()};
            if (p.crash_all && random.chance(1, 4)) victims = nodes;
            Duration downtime = milliseconds(random.between(50, 2 * p.crash_interval_ms));
            for (const std::string& node : victims) {
                schedule.add(t, "crash", {node});
                if (t + downtime < p.fault_phase) schedule.add(t + downtime, "restart", {node});
            }
            t += milliseconds(random.between(1, 2 * p.crash_interval_ms));
        }
    }
    if (p.partitions) {
        Duration t = milliseconds(random.between(0, p.partition_interval_ms));
        while (t < p.fault_phase) {
            Duration end = t + milliseconds(p.partition_length_ms);
            if (random.chance(1, 2)) {
                schedule.add(t, "isolate-leader", {});
                schedule.add(end, "rejoin", {});
            } else {
                std::string a = pick_node();
                std::string b = pick_node();
                if (a != b) {
                    schedule.add(t, "partition", {a, b});
                    schedule.add(end, "heal", {a, b});
                }
            }
            t += milliseconds(random.between(1, 2 * p.partition_interval_ms));
        }
    }
    // Steps of one node's wall clock, either way: Raft's timers must not care.
    if (p.clock_jumps) {
        for (Duration t = milliseconds(random.between(0, 2000)); t < p.fault_phase;
             t += milliseconds(random.between(200, 3000))) {
            schedule.add(t, "clock-jump", {pick_node(), std::to_string(random.between(-5000, 5000))});
        }
    }
    // Every connection between two nodes reset: the channel must reconnect.
    if (p.resets) {
        for (Duration t = milliseconds(random.between(0, 2000)); t < p.fault_phase;
             t += milliseconds(random.between(200, 3000))) {
            std::string a = pick_node();
            std::string b = pick_node();
            if (a != b) schedule.add(t, "reset", {a, b});
        }
    }
    return schedule;
}

bool is_leader_action(const std::string& action) {
    return action == "isolate-leader" || action == "rejoin";
}

// Empty when the scenario can execute every event: the shared actions (fault_actions.h) on its
// nodes but the disk faults (a node whose disk fails stops until a restart, and the quiet phase
// would not undo them), and the leader's isolation.
std::string check_schedule(const sim::FaultSchedule& schedule, const ClusterShape& shape) {
    for (const sim::FaultEvent& event : schedule.events()) {
        if (is_leader_action(event.action)) {
            if (!event.targets.empty()) return fmt::format("'{}' takes no target", event.action);
        } else if (event.action.starts_with("disk-") || event.action == "bit-flips") {
            return fmt::format("the quorum scenario has no disk faults ('{}')", event.action);
        } else if (std::optional<std::string> why = unexecutable(event, shape)) {
            return *why;
        }
    }
    return {};
}

// The quorum state file of a node, telling the checker each state once it is durable.
class CheckedStateStore final : public quorum::QuorumStateStore {
public:
    CheckedStateStore(Disk& disk, std::vector<raft::NodeId> voters, QuorumChecker& checker,
                      raft::NodeId id)
        : store_(disk, "quorum-state", kClusterId, std::move(voters)), checker_(checker), id_(id) {}

    Result<std::optional<raft::QuorumState>> load() override { return store_.load(); }
    Result<void> save(const raft::QuorumState& state) override {
        TRY(store_.save(state));
        checker_.state_saved(id_, state);
        return {};
    }

private:
    KafkaQuorumStateStore store_;
    QuorumChecker& checker_;
    raft::NodeId id_;
};

class QuorumWorld {
public:
    QuorumWorld(Simulation& sim, int voters, QuorumChecker& checker)
        : sim_(sim), checker_(checker) {
        for (int i = 1; i <= voters; ++i) {
            voters_.push_back(raft::NodeId(i));
            names_.push_back(process_name(raft::NodeId(i)));
        }
        for (raft::NodeId id : voters_) {
            members_[id];
            sim_.add_process(process_name(id), [this, id](Environment& env) { run_member(env, id); });
        }
    }
    // The processes die while the members they use still exist.
    ~QuorumWorld() {
        for (const std::string& name : names_) sim_.crash(name);
    }

    const std::vector<std::string>& names() const { return names_; }
    const std::vector<raft::NodeId>& voters() const { return voters_; }

    // The running leader of the highest epoch, or kNoNode.
    raft::NodeId leader() const {
        std::map<raft::NodeId, const QuorumNode*> running;
        for (const auto& [id, member] : members_) running[id] = member.node;
        return newest_leader(running);
    }

    // Proposes on `at`; when it does not lead, returns the leader it names (or kNoNode).
    raft::NodeId propose(raft::NodeId at, const std::string& record, bool& accepted) {
        accepted = false;
        QuorumNode* node = members_.at(at).node;
        if (node == nullptr) return raft::kNoNode;
        quorum::ProposeOutcome outcome = node->propose({record});
        accepted = outcome.first_offset.has_value();
        return accepted ? at : outcome.leader;
    }

    // The epoch node `id` is in, or -1 while it is down.
    LeaderEpoch epoch_of(raft::NodeId id) const {
        const QuorumNode* node = members_.at(id).node;
        return node ? node->raft().epoch() : LeaderEpoch(-1);
    }

    // Whether every node applied the final record since it last started.
    bool all_applied_final() const {
        return std::all_of(members_.begin(), members_.end(),
                           [](const auto& entry) { return entry.second.applied_final; });
    }

    // Leaders as the checker must see them: after every step.
    void check_leaders() {
        for (const auto& [id, member] : members_) {
            if (member.node && member.node->raft().role() == raft::Role::leader) {
                checker_.leader_seen(id, member.node->raft().epoch());
            }
        }
    }

private:
    struct Member {
        QuorumNode* node = nullptr;  // while its process runs
        int64_t applied = 0;         // the owner's state: how many entries it applied
        bool applied_final = false;
    };

    void run_member(Environment& env, raft::NodeId id) {
        Member& member = members_.at(id);
        member.applied = 0;
        member.applied_final = false;
        quorum::QuorumChannelConfig config{id, Address{process_name(id), kControllerPort}, {},
                                           kClusterId};
        for (raft::NodeId voter : voters_) {
            config.voters[voter] = Address{process_name(voter), kControllerPort};
        }
        KafkaQuorumChannel channel(env, config);
        if (!channel.start().ok()) return;
        CheckedStateStore store(env.disk, voters_, checker_, id);
        quorum::QuorumNodeOptions options =
            simulated_quorum_options(id, voters_, kClusterId, env.random.next());
        if (planted(PlantedBug::persist_before_sync)) {
            options.planted_bug = quorum::QuorumPlantedBug::persist_before_sync;
        }
        // Snapshots stay off (snapshot_every_entries 0), so the owner's state is its count.
        quorum::QuorumCallbacks callbacks{
            .apply =
                [this, id, &member](const raft::Entry& entry) {
                    checker_.applied(id, entry);
                    ++member.applied;
                    if (entry.data == kFinalRecord) member.applied_final = true;
                },
            .load_snapshot =
                [&member](const raft::Snapshot& snapshot) {
                    member.applied = std::stoll(snapshot.bytes);
                },
            .create_snapshot = [&member] { return std::to_string(member.applied); },
        };
        auto opened = QuorumNode::open(env, channel, store, options, std::move(callbacks));
        if (!opened.ok()) return;
        std::unique_ptr<QuorumNode> node = std::move(opened).value();
        member.node = node.get();
        channel.set_status_source([raw = node.get()] { return raw->status(); });
        struct Forget {
            Member& member;
            ~Forget() { member.node = nullptr; }
        } forget{member};
        (void)node->run();
    }

    Simulation& sim_;
    QuorumChecker& checker_;
    std::vector<raft::NodeId> voters_;
    std::vector<std::string> names_;
    std::map<raft::NodeId, Member> members_;
};

void set_disks(Simulation& sim, const std::vector<std::string>& nodes, const Parameters& p) {
    for (const std::string& node : nodes) {
        sim::SimDiskFaults faults;
        faults.crash_keep_none_ppm = p.disk_crash_mode == 1 ? 1'000'000 : 0;
        faults.crash_keep_all_ppm = p.disk_crash_mode == 2 ? 1'000'000 : 0;
        faults.sync_latency_min = milliseconds(1);
        faults.sync_latency_max = milliseconds(p.sync_latency_max_ms);
        sim.disk(node).set_faults(faults);
    }
}

void execute_event(Simulation& sim, QuorumWorld& world, const sim::FaultEvent& event) {
    if (!is_leader_action(event.action)) {
        execute(sim, event);
    } else if (event.action == "isolate-leader") {
        raft::NodeId leader = world.leader();
        if (leader != raft::kNoNode) sim.network().isolate(process_name(leader));
    } else {
        for (const std::string& name : world.names()) sim.network().rejoin(name);
    }
}

Outcome run_quorum(const RunOptions& options, int voters) {
    // Declared before the simulation: the client's fiber borrows them until it is destroyed.
    bool proposing = true;
    int64_t accepted = 0;

    Simulation sim(options.seed);
    // The nodes' fibers borrow the checker; the world's destructor ends them first.
    QuorumChecker checker([&sim] { return sim.now(); });
    if (!options.trace_path.empty()) sim.trace().write_to(options.trace_path);
    sim.trace().keep_lines(options.keep_trace_lines);
    Parameters p = Parameters::draw(sim.random());
    p.report(options);
    ClusterShape shape{.brokers = voters};
    std::vector<std::string> names = shape.broker_names();
    sim::FaultSchedule schedule = draw_schedule(sim.random().fork(), p, names);
    if (options.schedule) schedule = *options.schedule;
    if (options.on_schedule) options.on_schedule(schedule);

    Outcome outcome;
    outcome.schedule = schedule;
    auto finish = [&](Verdict verdict, std::string failure) {
        return conclude(sim, options, outcome, verdict, std::move(failure));
    };
    if (std::string problem = check_schedule(schedule, shape); !problem.empty()) {
        return finish(Verdict::invalid, "schedule: " + problem);
    }

    QuorumWorld world(sim, voters, checker);
    set_disks(sim, names, p);
    sim.network().options().link.latency_max = microseconds(p.latency_max_us);

    // The client: proposes to the node it believes leads, following each refusal's answer.
    sim.add_process("client", [&](Environment& env) {
        raft::NodeId target = world.voters().front();
        int64_t next = 0;
        while (proposing) {
            bool ok = false;
            raft::NodeId answer = world.propose(target, fmt::format("r{}", next), ok);
            if (ok) {
                ++next;
                ++accepted;
            } else if (answer != raft::kNoNode) {
                target = answer;
            } else {
                target = raft::NodeId(target.value() % voters + 1);
            }
            env.clock.sleep_for(milliseconds(env.random.between(1, p.propose_pause_ms)));
        }
    });

    // Runs in 10 ms steps, the checker after each, until `done` or `limit`; false on either a
    // violation or the limit.
    auto run_checked = [&](Duration limit, const std::function<bool()>& done) {
        Instant end = sim.now() + limit;
        while (!checker.violation() && !done() && sim.now() < end) {
            sim.run_for(std::min<Duration>(milliseconds(10), end - sim.now()));
            world.check_leaders();
        }
        return !checker.violation() && done();
    };

    // Phase 1: faults, as scheduled.
    bool faults_active = true;
    Instant start = sim.now();
    for (const sim::FaultEvent& event : schedule.events()) {
        sim.scheduler().call_at(start + event.at, [&sim, &world, event, &faults_active] {
            if (faults_active) execute_event(sim, world, event);
        });
    }
    run_checked(p.fault_phase, [] { return false; });
    faults_active = false;
    proposing = false;
    if (checker.violation()) return finish(Verdict::correctness, *checker.violation());

    // Phase 2: quiet. Every link heals, every node runs; a leader must appear and a fresh
    // record must commit on every node.
    sim.network().heal_all();
    for (const std::string& name : names) sim.restart(name);
    if (!run_checked(kElectionBound, [&] { return world.leader() != raft::kNoNode; })) {
        if (checker.violation()) return finish(Verdict::correctness, *checker.violation());
        return finish(Verdict::liveness, fmt::format("no leader within {} ms after faults stopped",
                                                     to_ms(kElectionBound)));
    }
    // The record is proposed again whenever a new leader term begins before every node applied
    // it: the leader that accepted it may have lost it uncommitted (a new leader truncates it).
    raft::NodeId target = world.leader();
    bool final_accepted = false;
    std::pair<raft::NodeId, LeaderEpoch> accepted_in{raft::kNoNode, LeaderEpoch(-1)};
    bool committed = run_checked(kCommitBound, [&] {
        if (world.all_applied_final()) return true;
        raft::NodeId leader = world.leader();
        bool new_term = leader != raft::kNoNode &&
                        std::pair(leader, world.epoch_of(leader)) != accepted_in;
        if (!final_accepted || new_term) {
            bool accepted = false;
            raft::NodeId answer = world.propose(new_term ? leader : target, kFinalRecord, accepted);
            if (answer != raft::kNoNode) target = answer;
            if (accepted) {
                final_accepted = true;
                accepted_in = {target, world.epoch_of(target)};
            }
        }
        return false;
    });
    if (checker.violation()) return finish(Verdict::correctness, *checker.violation());
    if (!committed) {
        return finish(Verdict::liveness,
                      fmt::format("'{}' was not applied on every node within {} ms "
                                  "(accepted by a leader: {})",
                                  kFinalRecord, to_ms(kCommitBound), final_accepted));
    }
    return finish(Verdict::passed,
                  fmt::format("{} proposals accepted, {} entries committed", accepted,
                              checker.committed().size()));
}

}  // namespace

Scenario quorum_scenario() {
    return Scenario{"quorum",
                    "metadata quorum, 3 voters over the KRaft wire; crashes, crash-all, "
                    "partitions, leader isolation, resets, clock jumps",
                    [](const RunOptions& options) { return run_quorum(options, 3); }};
}

Scenario quorum5_scenario() {
    return Scenario{"quorum-5", "the quorum scenario with 5 voters",
                    [](const RunOptions& options) { return run_quorum(options, 5); }};
}

}  // namespace brook::scenarios
