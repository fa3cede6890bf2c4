// One member of the metadata quorum as it runs: the driver that runs core/raft/'s pure RaftNode
// over the seams. It recovers the node from its metadata directory, ticks it from the Clock,
// steps it with what the QuorumChannel receives, writes what each Ready batch asks to the Disk
// (the quorum-state file, the metadata log, snapshots) and says persisted() only once the disk
// did, sends its messages (as leader, holding an idle follower's Fetch until there is news:
// fetch_parking.h) and hands committed entries to the owner (the controller, a broker).
//
//   TRY_ASSIGN(auto node, QuorumNode::open(env, channel, state_store, options, callbacks));
//   env.scheduler.spawn("quorum", [&] { result = node->run(); });    // until stop()
//   ProposeOutcome proposed = node->propose({record});   // or forward to proposed.leader
//   QuorumStatus status = node->status();               // DescribeQuorum
//   node->resign(); ... node->stop();                    // a clean shutdown
//
// docs/design/quorum.md explains the storage layout, the durability order and recovery. A
// failed disk write is never acknowledged: the node logs it, stops taking part (closes its
// channel, stops ticking) and run() returns the error; it stays down until restarted.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/quorum/fetch_parking.h"
#include "core/quorum/metadata_log.h"
#include "core/quorum/quorum_channel.h"
#include "core/quorum/quorum_state_store.h"
#include "core/quorum/quorum_status.h"
#include "core/raft/raft_node.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::quorum {

// A bug a test can switch on to show that its checks see what they look for (the storm test of
// tests/quorum/quorum_node_test.cc). An option rather than a core/base/planted_bug.h switch for
// the reason RaftPlantedBug is one: the tests run in every build, and the release build compiles
// those switches out. Production code never sets it.
enum class QuorumPlantedBug : uint8_t {
    none,
    // Says persisted() as soon as the appends are written, before their sync: a follower then
    // reports entries a crash can still take back, and the leader counts them.
    persist_before_sync,
};

struct QuorumNodeOptions {
    raft::RaftOptions raft;
    // The metadata log's directory on the node's Disk.
    std::string directory = "__cluster_metadata-0";
    MetadataLogOptions log;
    // How often Raft's timers are looked at; well below its timeouts.
    Duration tick_interval = milliseconds(10);
    // The owner's state is snapshotted once this many entries were applied since the last
    // snapshot, and the log below it trimmed (0: never). Kafka counts bytes
    // (metadata.log.max.record.bytes.between.snapshots); entries are what this layer sees.
    int64_t snapshot_every_entries = 0;
    // As leader, a follower's Fetch that finds nothing new is answered when there is something
    // or after this long (fetch_parking.h; Kafka's fetch max wait for the metadata log); 0
    // answers at once. Below raft.request_timeout_ms, or the follower would ask again first.
    Duration fetch_park_time = milliseconds(100);

    QuorumPlantedBug planted_bug = QuorumPlantedBug::none;  // tests only
};

// What the owner gives the node. None of them may suspend: they run inside the driver's loop,
// between a Ready batch and the next. apply may call propose() (a controller answering a
// committed record with another).
struct QuorumCallbacks {
    // A committed entry, in offset order, each once per start of the node (after a restart,
    // from the loaded snapshot's end on). LeaderChange entries come too (kind tells them apart).
    std::function<void(const raft::Entry&)> apply;
    // Replace the state with a snapshot's: at open() when the disk holds one, and when a lagging
    // node installs one fetched from the leader.
    std::function<void(const raft::Snapshot&)> load_snapshot;
    // The state after every entry applied so far, as snapshot bytes.
    std::function<std::string()> create_snapshot;
    // Optional: the node's role or epoch changed, or it stopped or failed (an active controller
    // that must notice it no longer leads). Called after the Ready batches of the change were
    // handed out, so the entries applied by then are the new epoch's view.
    std::function<void()> state_changed;
};

struct ProposeOutcome {
    std::optional<Offset> first_offset;   // set when this node leads and appended the records
    raft::NodeId leader = raft::kNoNode;  // otherwise the leader to forward to, if known
};

class QuorumNode {
public:
    // Recovers the node from its metadata directory and state store (May suspend) and loads
    // the snapshot it finds into the owner. The channel and store must outlive the node.
    static Result<std::unique_ptr<QuorumNode>> open(Environment& env, QuorumChannel& channel,
                                                    QuorumStateStore& state_store,
                                                    QuorumNodeOptions options,
                                                    QuorumCallbacks callbacks);
    ~QuorumNode();
    QuorumNode(const QuorumNode&) = delete;
    QuorumNode& operator=(const QuorumNode&) = delete;

    // Runs the node: ticks here, receives and writes in two fibers of its own. Returns ok
    // after stop(), or the disk's error after a failed write; its fibers have ended by then.
    // Call once. May suspend.
    Result<void> run();
    // Ends run(): closes the channel and stops ticking. Writes handed to the disk and not yet
    // durable are dropped unacknowledged, as by a crash. Never suspends.
    void stop();

    // Appends one entry per string if this node leads (each committed whole or not at all; the
    // controller proposes one entry per command); otherwise tells whom to ask.
    ProposeOutcome propose(std::vector<std::string> records);
    // Gives up leadership (before a clean stop): the voters hear EndQuorumEpoch.
    void resign();

    QuorumStatus status() const;
    const raft::RaftNode& raft() const { return *raft_; }
    // Where propose() puts its first record while this node leads: the log's end.
    Offset log_end_offset() const { return raft_->log_end(); }
    // Whether this node leads the current epoch and can still propose (not stopped or failed).
    bool leading() const {
        return raft_->role() == raft::Role::leader && !stopping_ && !failure_;
    }

private:
    QuorumNode(Environment& env, QuorumChannel& channel, QuorumStateStore& state_store,
               QuorumNodeOptions options, QuorumCallbacks callbacks,
               std::unique_ptr<MetadataLog> log);

    int64_t now_ms() const;
    // Hands every Ready batch out: messages to the channel, committed entries to the owner,
    // durable work to the writer. Never suspends.
    void drain();
    void drain_ready();  // the Ready batches, one by one; part of drain()
    void apply(const raft::Ready& ready);
    void note_role_change();
    // The writer fiber: performs the queued durable work in order, then persisted(). May
    // suspend.
    void write_loop();
    Result<void> write_queued();
    Result<void> write_snapshot();
    void receive_loop();  // May suspend.
    void fail(const Error& error);

    Environment& env_;
    QuorumChannel& channel_;
    QuorumStateStore& state_store_;
    QuorumNodeOptions options_;
    QuorumCallbacks callbacks_;
    Logger logger_;
    std::unique_ptr<MetadataLog> log_;
    std::unique_ptr<raft::RaftNode> raft_;
    FetchParking fetch_parking_;

    // Durable work handed out by Ready and not yet done, in the order Raft handed it out.
    std::deque<raft::Ready> disk_queue_;
    uint64_t queued_write_id_ = 0;     // the last write id queued
    uint64_t persisted_write_id_ = 0;  // the last write id acknowledged with persisted()

    // What the owner's state holds: entries below applied_end_ (the last of them of
    // applied_epoch_), entries_since_snapshot_ of them since the last snapshot.
    Offset applied_end_ = Offset(0);
    LeaderEpoch applied_epoch_ = LeaderEpoch(0);
    int64_t entries_since_snapshot_ = 0;
    bool snapshot_wanted_ = false;

    raft::Role last_role_ = raft::Role::unattached;
    LeaderEpoch last_epoch_ = LeaderEpoch(0);

    WaitQueue writer_wake_;
    WaitQueue ticker_wake_;
    WaitQueue fibers_done_;
    int fibers_running_ = 0;
    bool draining_ = false;
    bool running_ = false;
    bool stopping_ = false;
    std::optional<Error> failure_;
};

}  // namespace brook::quorum
