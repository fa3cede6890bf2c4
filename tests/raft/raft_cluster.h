// A deterministic test bed for RaftNode: N voters and M observers, each with a "disk" the test
// owns (the durable quorum state, snapshot and log, plus the writes handed out and not yet
// fsynced), joined by an in-test message bus that can drop, delay, duplicate and reorder
// messages, cut links, and crash and restart nodes (a crash loses every unsynced write, maybe
// keeping a prefix of them, like a real disk). After every event it checks the safety
// invariants and records the first violation instead of aborting, so a negative test can
// assert that a planted bug is seen.
//
//   Cluster cluster(ClusterSetup{.voters = 3}, /*seed=*/7);
//   REQUIRE(cluster.run_until([&] { return cluster.leader() != kNoNode; }, 2000));
//   cluster.propose("x");
//   REQUIRE(!cluster.violation());
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/raft/raft_node.h"

namespace brook::raft::testing {

struct ClusterSetup {
    int voters = 3;
    int observers = 0;
    RaftPlantedBug planted_bug = RaftPlantedBug::none;
    int64_t election_timeout_ms = 100;
    int64_t fetch_timeout_ms = 200;
    int64_t request_timeout_ms = 30;
    size_t fetch_max_entries = 8;
    size_t snapshot_chunk_bytes = 64;
    // Checks the rule behind figure 8 directly: a leader's high watermark moves only over an
    // entry of its own epoch. The figure-8 test turns it off to see the loss itself.
    bool check_commit_epoch_rule = true;
};

// Faults of the bus and the disks, in per mille per message or per step.
struct Faults {
    int drop_per_mille = 0;
    int duplicate_per_mille = 0;
    int64_t delay_min_ms = 1;
    int64_t delay_max_ms = 1;
    int persist_per_mille = 1000;  // chance per step that a node's pending writes complete
};

// A small xorshift: the bed's and the storms' decisions (independent of the nodes' jitter).
class Xorshift {
public:
    explicit Xorshift(uint64_t seed) : state_(seed | 1) {}
    uint64_t next() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        return state_;
    }
    uint64_t uniform(uint64_t bound) { return next() % bound; }

private:
    uint64_t state_;
};

class Cluster {
public:
    struct Disk {
        QuorumState quorum;
        std::optional<Snapshot> snapshot;
        std::vector<Entry> log;     // dense from base()
        std::deque<Ready> pending;  // handed out, not yet durable (only the write parts matter)

        Offset base() const { return snapshot ? snapshot->id.end_offset : Offset(0); }
        Offset end() const { return base() + static_cast<int64_t>(log.size()); }
    };

    Cluster(ClusterSetup setup, uint64_t seed) : setup_(setup), random_(seed * 2654435761u + 1) {
        for (int i = 1; i <= setup_.voters; ++i) voters_.push_back(NodeId(i));
        for (int i = 1; i <= setup_.voters + setup_.observers; ++i) {
            Slot& slot = slots_[NodeId(i)];
            slot.node = make_node(NodeId(i), RecoveredState{});
        }
    }

    // Starts node `id` from a disk prepared by the test instead (before anything ran).
    void set_disk(NodeId id, RecoveredState state) {
        Slot& slot = slots_.at(id);
        slot.disk = Disk{state.quorum, state.snapshot, state.log, {}};
        slot.applied = snapshot_entries(state.snapshot);
        slot.node = make_node(id, std::move(state));
    }

    // ---- driving -----------------------------------------------------------------------------

    // Advances time by dt_ms: completes fsyncs, delivers due messages, ticks every live node.
    void step(int64_t dt_ms = 1) {
        now_ms_ += dt_ms;
        for (auto& [id, slot] : slots_) {
            if (slot.node && !slot.hold_persist && chance(faults.persist_per_mille)) persist(id);
        }
        deliver_due();
        for (auto& [id, slot] : slots_) {
            if (!slot.node) continue;
            slot.node->tick(now_ms_);
            drain(id);
        }
        check();
    }

    bool run_until(const std::function<bool()>& done, int64_t max_ms) {
        for (int64_t waited = 0; waited < max_ms; ++waited) {
            if (done()) return true;
            step(1);
        }
        return done();
    }

    void run_for(int64_t ms) {
        for (int64_t i = 0; i < ms; ++i) step(1);
    }

    // Proposes at the current leader; false when there is none.
    bool propose(std::string data) {
        NodeId at = leader();
        if (at == kNoNode) return false;
        bool accepted = node(at).propose({std::move(data)}).has_value();
        drain(at);
        check();
        return accepted;
    }

    // The node writes a snapshot of what it applied (durably) and tells its RaftNode.
    void take_snapshot(NodeId id) {
        Slot& slot = slots_.at(id);
        if (!slot.node || slot.applied.empty()) return;
        Offset end = Offset(static_cast<int64_t>(slot.applied.size()));
        if (end <= slot.node->log_start()) return;
        Snapshot snapshot{SnapshotId{end, slot.applied.back().epoch}, serialize(slot.applied)};
        slot.disk.snapshot = snapshot;
        // The durable log keeps only what follows the snapshot.
        std::vector<Entry> kept;
        for (Entry& entry : slot.disk.log) {
            if (entry.offset >= end) kept.push_back(std::move(entry));
        }
        slot.disk.log = std::move(kept);
        if (!slot.disk.log.empty() && slot.disk.log.front().offset != end) slot.disk.log.clear();
        slot.node->snapshot_created(std::move(snapshot));
        drain(id);
        check();
    }

    // Makes every write handed out by `id` durable and tells the node.
    void persist(NodeId id) {
        Slot& slot = slots_.at(id);
        if (!slot.node || slot.disk.pending.empty()) return;
        uint64_t last = 0;
        while (!slot.disk.pending.empty()) {
            last = slot.disk.pending.front().write_id;
            apply_write(slot.disk, slot.disk.pending.front());
            slot.disk.pending.pop_front();
        }
        slot.node->persisted(last);
        drain(id);
    }

    // Kills `id`: what was not fsynced is lost, except maybe a prefix of the writes in flight
    // (some may have reached the platter without an acknowledgement; the quorum-state file of
    // the first lost batch may have, too: it is written first).
    void crash(NodeId id) {
        Slot& slot = slots_.at(id);
        if (!slot.node) return;
        size_t keep = slot.disk.pending.empty() ? 0 : random_.uniform(slot.disk.pending.size() + 1);
        for (size_t i = 0; i < keep; ++i) apply_write(slot.disk, slot.disk.pending[i]);
        if (keep < slot.disk.pending.size() && slot.disk.pending[keep].quorum_state &&
            random_.uniform(2) == 0) {
            set_durable_quorum(slot.disk, *slot.disk.pending[keep].quorum_state);
        }
        slot.disk.pending.clear();
        slot.node.reset();
        // Messages already on the wire still arrive; those to the dead node are dropped then.
    }

    void restart(NodeId id) {
        Slot& slot = slots_.at(id);
        if (slot.node) return;
        slot.applied = snapshot_entries(slot.disk.snapshot);
        slot.node =
            make_node(id, RecoveredState{slot.disk.quorum, slot.disk.snapshot, slot.disk.log});
        slot.hw_epoch = LeaderEpoch(-1);
        drain(id);
    }

    void block(NodeId from, NodeId to) { blocked_.insert({from, to}); }
    void isolate(NodeId id) {
        for (auto& [other, slot] : slots_) {
            if (other == id) continue;
            block(id, other);
            block(other, id);
        }
    }
    void heal() { blocked_.clear(); }

    // ---- views -------------------------------------------------------------------------------

    RaftNode& node(NodeId id) { return *slots_.at(id).node; }
    bool alive(NodeId id) const { return slots_.at(id).node != nullptr; }
    const Disk& disk(NodeId id) const { return slots_.at(id).disk; }
    const std::vector<Entry>& applied(NodeId id) const { return slots_.at(id).applied; }
    int installs(NodeId id) const { return slots_.at(id).installs; }
    int truncations(NodeId id) const { return slots_.at(id).truncations; }
    void hold_persist(NodeId id, bool hold) { slots_.at(id).hold_persist = hold; }
    const std::vector<NodeId>& voters() const { return voters_; }
    std::vector<NodeId> nodes() const {
        std::vector<NodeId> all;
        for (const auto& [id, slot] : slots_) all.push_back(id);
        return all;
    }
    int64_t now_ms() const { return now_ms_; }
    const std::vector<Entry>& committed() const { return committed_; }
    const std::optional<std::string>& violation() const { return violation_; }
    const std::vector<Message>& sent() const { return sent_; }  // with keep_sent, in order

    // The live leader of the highest epoch, or kNoNode.
    NodeId leader() const {
        NodeId found = kNoNode;
        LeaderEpoch best = LeaderEpoch(-1);
        for (const auto& [id, slot] : slots_) {
            if (slot.node && slot.node->role() == Role::leader && slot.node->epoch() > best) {
                best = slot.node->epoch();
                found = id;
            }
        }
        return found;
    }

    // A filter on the wire: return false to drop the message.
    std::function<bool(const Message&)> filter;
    Faults faults;
    bool keep_sent = false;  // record every message sent (before faults) for sent()

private:
    struct Slot {
        std::unique_ptr<RaftNode> node;
        Disk disk;
        std::vector<Entry> applied;  // the test's state machine: every entry applied, in order
        bool hold_persist = false;
        LeaderEpoch max_durable_epoch = LeaderEpoch(0);
        Offset last_hw = Offset(-1);  // as leader of hw_epoch
        LeaderEpoch hw_epoch = LeaderEpoch(-1);
        int installs = 0;
        int truncations = 0;
    };
    struct InFlight {
        int64_t deliver_at_ms;
        uint64_t sequence;
        Message message;
    };

    std::unique_ptr<RaftNode> make_node(NodeId id, RecoveredState state) {
        RaftOptions options;
        options.node_id = id;
        options.cluster_id = "test-cluster";
        options.voters = voters_;
        options.election_timeout_ms = setup_.election_timeout_ms;
        options.fetch_timeout_ms = setup_.fetch_timeout_ms;
        options.request_timeout_ms = setup_.request_timeout_ms;
        options.election_backoff_ms = setup_.election_timeout_ms / 5;
        options.fetch_poll_ms = 10;
        options.fetch_max_entries = setup_.fetch_max_entries;
        options.snapshot_chunk_bytes = setup_.snapshot_chunk_bytes;
        options.seed = random_.next() + static_cast<uint64_t>(++incarnations_);
        options.planted_bug = setup_.planted_bug;
        return std::make_unique<RaftNode>(options, std::move(state), now_ms_);
    }

    bool chance(int per_mille) { return static_cast<int>(random_.uniform(1000)) < per_mille; }

    static std::string serialize(const std::vector<Entry>& entries) {
        std::string bytes;
        for (const Entry& entry : entries) {
            bytes += fmt::format("{}|{}|{}|{}\n", entry.offset, entry.epoch,
                                 static_cast<int>(entry.kind), entry.data);
        }
        return bytes;
    }
    static std::vector<Entry> snapshot_entries(const std::optional<Snapshot>& snapshot) {
        std::vector<Entry> entries;
        if (!snapshot) return entries;
        size_t at = 0;
        const std::string& bytes = snapshot->bytes;
        while (at < bytes.size()) {
            size_t end = bytes.find('\n', at);
            std::string line = bytes.substr(at, end - at);
            at = end + 1;
            size_t a = line.find('|'), b = line.find('|', a + 1), c = line.find('|', b + 1);
            entries.push_back(
                Entry{Offset(std::stoll(line.substr(0, a))),
                      LeaderEpoch(std::stoi(line.substr(a + 1, b - a - 1))),
                      static_cast<EntryKind>(std::stoi(line.substr(b + 1, c - b - 1))),
                      line.substr(c + 1)});
        }
        return entries;
    }

    void fail(std::string what) {
        if (!violation_) violation_ = fmt::format("t={}ms: {}", now_ms_, what);
    }

    void set_durable_quorum(Disk& disk, const QuorumState& quorum) {
        if (quorum.epoch < disk.quorum.epoch) {
            fail(fmt::format("durable epoch goes back from {} to {}", disk.quorum.epoch,
                             quorum.epoch));
        }
        disk.quorum = quorum;
    }

    void apply_write(Disk& disk, const Ready& write) {
        if (write.quorum_state) set_durable_quorum(disk, *write.quorum_state);
        if (write.install_snapshot) {
            disk.snapshot = write.install_snapshot;
            disk.log.clear();
        }
        if (write.truncate_to && *write.truncate_to < disk.end()) {
            disk.log.resize(
                static_cast<size_t>(std::max<int64_t>(0, *write.truncate_to - disk.base())));
        }
        for (const Entry& entry : write.append) {
            if (entry.offset < disk.base()) continue;  // covered by a newer snapshot already
            if (entry.offset != disk.end()) {
                fail(fmt::format("append at {} to a disk log ending at {}", entry.offset,
                                 disk.end()));
                return;
            }
            disk.log.push_back(entry);
        }
    }

    void drain(NodeId id) {
        Slot& slot = slots_.at(id);
        while (slot.node && slot.node->has_ready()) {
            Ready ready = slot.node->ready();
            if (ready.truncate_to) ++slot.truncations;
            if (ready.install_snapshot) {
                ++slot.installs;
                slot.applied = snapshot_entries(ready.install_snapshot);
                record_committed(id, slot.applied);
            }
            for (Message& message : ready.messages) send(slot, std::move(message));
            if (!ready.committed.empty()) {
                for (const Entry& entry : ready.committed) {
                    if (entry.offset != Offset(static_cast<int64_t>(slot.applied.size()))) {
                        fail(fmt::format("node {} applies offset {} after {} entries", id,
                                         entry.offset, slot.applied.size()));
                    }
                    slot.applied.push_back(entry);
                }
                record_committed(id, slot.applied);
            }
            if (ready.has_writes()) {
                ready.messages.clear();
                ready.committed.clear();
                slot.disk.pending.push_back(std::move(ready));
            }
        }
    }

    void send(Slot& from, Message message) {
        // No vote leaves before the quorum state recording it is durable.
        if (const auto* vote = std::get_if<VoteResponse>(&message.body);
            vote && vote->vote_granted && !vote->pre_vote) {
            const QuorumState& durable = from.disk.quorum;
            if (!(durable.epoch > vote->leader_epoch ||
                  (durable.epoch == vote->leader_epoch && durable.voted_for == message.to))) {
                fail(
                    fmt::format("node {} grants a vote to {} in epoch {} before it is durable "
                                "(durable: epoch {} voted {})",
                                message.from, message.to, vote->leader_epoch, durable.epoch,
                                durable.voted_for));
            }
        }
        if (const auto* vote = std::get_if<VoteRequest>(&message.body)) {
            if (!std::binary_search(voters_.begin(), voters_.end(), message.from)) {
                fail(fmt::format("observer {} asks for a vote", message.from));
            }
            (void)vote;
        }
        if (keep_sent) sent_.push_back(message);
        if (blocked_.count({message.from, message.to}) != 0) return;
        if (filter && !filter(message)) return;
        if (chance(faults.drop_per_mille)) return;
        int copies = chance(faults.duplicate_per_mille) ? 2 : 1;
        for (int i = 0; i < copies; ++i) {
            int64_t delay =
                faults.delay_min_ms + static_cast<int64_t>(random_.uniform(static_cast<uint64_t>(
                                          faults.delay_max_ms - faults.delay_min_ms + 1)));
            in_flight_.push_back(InFlight{now_ms_ + delay, next_sequence_++, message});
        }
    }

    void deliver_due() {
        // Due messages in order of arrival time; equal times in order of sending.
        std::vector<InFlight> due;
        std::vector<InFlight> later;
        for (InFlight& flight : in_flight_) {
            (flight.deliver_at_ms <= now_ms_ ? due : later).push_back(std::move(flight));
        }
        in_flight_ = std::move(later);
        std::sort(due.begin(), due.end(), [](const InFlight& a, const InFlight& b) {
            return a.deliver_at_ms != b.deliver_at_ms ? a.deliver_at_ms < b.deliver_at_ms
                                                      : a.sequence < b.sequence;
        });
        for (InFlight& flight : due) {
            Slot& slot = slots_.at(flight.message.to);
            if (!slot.node) continue;
            slot.node->step(flight.message);
            drain(flight.message.to);
        }
    }

    // Entries a node applied are committed: the first node to apply an offset defines it, and
    // every other node must apply the same entry there.
    void record_committed(NodeId id, const std::vector<Entry>& applied) {
        for (size_t i = 0; i < applied.size(); ++i) {
            if (i < committed_.size()) {
                if (!(applied[i] == committed_[i])) {
                    fail(
                        fmt::format("node {} applied {}@{} at offset {} but {}@{} was committed "
                                    "there",
                                    id, applied[i].data, applied[i].epoch, i, committed_[i].data,
                                    committed_[i].epoch));
                    return;
                }
            } else {
                committed_.push_back(applied[i]);
            }
        }
    }

    // Whether `disk` holds the committed prefix [0, count) (in its snapshot or its log).
    bool holds_committed(const Disk& disk, size_t count) const {
        if (disk.end() < Offset(static_cast<int64_t>(count))) return false;
        for (const Entry& entry : disk.log) {
            size_t i = static_cast<size_t>(entry.offset.value());
            if (i >= count) break;
            if (!(entry == committed_[i])) return false;
        }
        return true;
    }

    void check() {
        std::map<LeaderEpoch, NodeId> leaders_now;
        for (auto& [id, slot] : slots_) {
            if (!slot.node) continue;
            RaftNode& node = *slot.node;
            if (node.epoch() < slot.disk.quorum.epoch) {
                fail(fmt::format("node {} runs in epoch {} below its durable epoch {}", id,
                                 node.epoch(), slot.disk.quorum.epoch));
            }
            if (node.role() == Role::leader) {
                auto [at, inserted] = leader_of_epoch_.emplace(node.epoch(), id);
                if (!inserted && at->second != id) {
                    fail(fmt::format("two leaders in epoch {}: {} and {}", node.epoch(), at->second,
                                     id));
                }
                Offset hw = node.high_watermark();
                if (slot.hw_epoch != node.epoch()) {
                    slot.hw_epoch = node.epoch();  // a new leader starts from its old HW
                } else if (setup_.check_commit_epoch_rule && hw > slot.last_hw &&
                           hw > node.log_start() && node.log().at(hw - 1).epoch != node.epoch()) {
                    fail(
                        fmt::format("leader {} of epoch {} moved its high watermark to {} over "
                                    "an entry of epoch {}",
                                    id, node.epoch(), hw, node.log().at(hw - 1).epoch));
                }
                slot.last_hw = hw;
            } else {
                slot.hw_epoch = LeaderEpoch(-1);
            }
        }
        // Nothing committed is ever lost: a majority of voters' disks hold every committed
        // entry (a leader counts only durable offsets), whatever crashed meanwhile.
        size_t durable_copies = 0;
        for (NodeId voter : voters_) {
            if (holds_committed(slots_.at(voter).disk, committed_.size())) ++durable_copies;
        }
        if (!committed_.empty() && durable_copies < voters_.size() / 2 + 1) {
            fail(fmt::format("the {} committed entries are durable on only {} voters",
                             committed_.size(), durable_copies));
        }
    }

    ClusterSetup setup_;
    Xorshift random_;
    std::vector<NodeId> voters_;
    std::map<NodeId, Slot> slots_;
    std::vector<InFlight> in_flight_;
    std::set<std::pair<NodeId, NodeId>> blocked_;
    std::map<LeaderEpoch, NodeId> leader_of_epoch_;
    std::vector<Entry> committed_;
    std::vector<Message> sent_;
    std::optional<std::string> violation_;
    int64_t now_ms_ = 0;
    uint64_t next_sequence_ = 0;
    int incarnations_ = 0;
};

}  // namespace brook::raft::testing
