#include "core/quorum/quorum_node.h"

#include <algorithm>
#include <variant>

#include "core/base/check.h"
#include "core/quorum/metadata_entry_codec.h"

namespace brook::quorum {

Result<std::unique_ptr<QuorumNode>> QuorumNode::open(Environment& env, QuorumChannel& channel,
                                                     QuorumStateStore& state_store,
                                                     QuorumNodeOptions options,
                                                     QuorumCallbacks callbacks) {
    ASSERT(callbacks.apply && callbacks.load_snapshot && callbacks.create_snapshot);
    ASSERT(options.fetch_park_time >= Duration(0) &&
               options.fetch_park_time < milliseconds(options.raft.request_timeout_ms),
           "a fetch parked for {} ms outlives the request timeout of {} ms",
           to_ms(options.fetch_park_time), options.raft.request_timeout_ms);
    ASSERT(options.raft.fetch_max_bytes <= kFetchDataBytesMax, "fetch max bytes {}",
           options.raft.fetch_max_bytes);
    Logger logger(env.log_sink, fmt::format("quorum/{}", options.raft.node_id));
    TRY_ASSIGN(std::optional<raft::QuorumState> quorum, state_store.load());  // May suspend.
    TRY_ASSIGN(OpenedMetadataLog opened,
               MetadataLog::open(env.disk, logger.child("log"), options.directory,
                                 options.log));  // May suspend.
    std::unique_ptr<QuorumNode> node(new QuorumNode(env, channel, state_store, std::move(options),
                                                    std::move(callbacks), std::move(opened.log)));
    if (opened.snapshot) {
        node->callbacks_.load_snapshot(*opened.snapshot);
        node->applied_end_ = opened.snapshot->id.end_offset;
        node->applied_epoch_ = opened.snapshot->id.epoch;
    }
    raft::QuorumState state = quorum.value_or(raft::QuorumState{});
    node->logger_.info("starting in epoch {} (voted {}, leader {}), log [{}, {})", state.epoch,
                       state.voted_for, state.leader,
                       opened.snapshot ? opened.snapshot->id.end_offset : Offset(0),
                       node->log_->end_offset());
    node->raft_ = std::make_unique<raft::RaftNode>(
        node->options_.raft,
        raft::RecoveredState{state, std::move(opened.snapshot), std::move(opened.entries)},
        node->now_ms());
    node->last_role_ = node->raft_->role();
    node->last_epoch_ = node->raft_->epoch();
    return node;
}

QuorumNode::QuorumNode(Environment& env, QuorumChannel& channel, QuorumStateStore& state_store,
                       QuorumNodeOptions options, QuorumCallbacks callbacks,
                       std::unique_ptr<MetadataLog> log)
    : env_(env),
      channel_(channel),
      state_store_(state_store),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      logger_(env.log_sink, fmt::format("quorum/{}", options_.raft.node_id)),
      log_(std::move(log)),
      fetch_parking_(options_.fetch_park_time),
      writer_wake_(env.scheduler),
      ticker_wake_(env.scheduler),
      fibers_done_(env.scheduler) {}

QuorumNode::~QuorumNode() {
    ASSERT(fibers_running_ == 0, "the quorum node is destroyed while its fibers run");
}

int64_t QuorumNode::now_ms() const { return to_ms(env_.clock.now().time_since_epoch()); }

Result<void> QuorumNode::run() {
    ASSERT(!running_, "QuorumNode::run called twice");
    running_ = true;
    // The count falls as each fiber ends, returning or unwinding (its node crashed).
    struct Running {
        QuorumNode& node;
        ~Running() {
            --node.fibers_running_;
            node.fibers_done_.notify_all();
        }
    };
    fibers_running_ = 2;
    env_.scheduler.spawn("quorum-writer", [this] {
        Running running{*this};
        write_loop();
    });
    env_.scheduler.spawn("quorum-receive", [this] {
        Running running{*this};
        receive_loop();
    });
    drain();
    while (!stopping_ && !failure_) {
        Instant next_tick = env_.clock.now() + options_.tick_interval;
        raft_->tick(now_ms());
        drain();
        while (!stopping_ && !failure_ && env_.clock.now() < next_tick) {
            ticker_wake_.wait(next_tick);  // May suspend.
        }
    }
    while (fibers_running_ > 0) fibers_done_.wait();  // May suspend.
    if (failure_) return *failure_;
    return {};
}

void QuorumNode::stop() {
    if (stopping_) return;
    stopping_ = true;
    fetch_parking_.clear();
    logger_.info("stopping in epoch {} as {}", raft_->epoch(), raft::role_name(raft_->role()));
    channel_.close();
    writer_wake_.notify_all();
    ticker_wake_.notify_all();
    if (callbacks_.state_changed) callbacks_.state_changed();
}

void QuorumNode::fail(const Error& error) {
    if (failure_) return;
    // Raft was told nothing about the writes that failed, and never will be: a node that cannot
    // make its state durable must not vote, fetch or lead on what it only hopes is on disk.
    logger_.error("metadata disk write failed, leaving the quorum until restarted: {}",
                  error.describe());
    failure_ = error;
    fetch_parking_.clear();
    channel_.close();
    writer_wake_.notify_all();
    ticker_wake_.notify_all();
    if (callbacks_.state_changed) callbacks_.state_changed();
}

void QuorumNode::receive_loop() {
    while (std::optional<raft::Message> message = channel_.receive()) {  // May suspend.
        if (stopping_ || failure_) break;
        if (std::holds_alternative<raft::FetchRequest>(message->body)) {
            fetch_parking_.remember(*message);
        }
        raft_->step(*message);
        drain();
    }
}

ProposeOutcome QuorumNode::propose(std::vector<std::string> records) {
    if (stopping_ || failure_) return ProposeOutcome{};
    std::optional<Offset> first = raft_->propose(std::move(records));
    ProposeOutcome outcome{first, raft_->leader()};
    drain();
    return outcome;
}

void QuorumNode::resign() {
    if (stopping_ || failure_) return;
    raft_->resign();
    drain();
}

// ---- handing Ready batches out -------------------------------------------------------------

void QuorumNode::drain() {
    // An owner may propose from inside apply: the loop below takes that batch in its turn, so
    // batches reach the disk queue in the order Raft numbered them.
    if (stopping_ || failure_ || draining_) return;
    draining_ = true;
    std::vector<raft::Message> released;
    do {
        // Parked fetches whose answer is due are stepped again: RaftNode answers them afresh.
        for (const raft::Message& request : released) raft_->step(request);
        drain_ready();
        released = fetch_parking_.due(*raft_, env_.clock.now());
    } while (!released.empty());
    draining_ = false;
    note_role_change();
}

void QuorumNode::drain_ready() {
    while (raft_->has_ready()) {
        raft::Ready ready = raft_->ready();
        for (raft::Message& message : ready.messages) {
            if (fetch_parking_.hold(message, *raft_, env_.clock.now())) continue;
            channel_.send(std::move(message));
        }
        ready.messages.clear();
        apply(ready);
        ready.committed.clear();
        if (ready.has_writes() || ready.trim_log_to) {
            if (ready.has_writes()) {
                ASSERT(ready.write_id > queued_write_id_, "write {} handed out after {}",
                       ready.write_id, queued_write_id_);
                queued_write_id_ = ready.write_id;
            }
            disk_queue_.push_back(std::move(ready));
            writer_wake_.notify_all();
        }
    }
}

void QuorumNode::apply(const raft::Ready& ready) {
    if (ready.install_snapshot) {
        // Committed state from the leader: what this node applied so far is replaced. Its file
        // is written by the writer; a crash before that finds the old state, as it should.
        callbacks_.load_snapshot(*ready.install_snapshot);
        applied_end_ = ready.install_snapshot->id.end_offset;
        applied_epoch_ = ready.install_snapshot->id.epoch;
        entries_since_snapshot_ = 0;
    }
    for (const raft::Entry& entry : ready.committed) {
        ASSERT(entry.offset == applied_end_, "applying offset {} after {}", entry.offset,
               applied_end_);
        callbacks_.apply(entry);
        applied_end_ = entry.offset + 1;
        applied_epoch_ = entry.epoch;
        ++entries_since_snapshot_;
    }
    if (options_.snapshot_every_entries > 0 &&
        entries_since_snapshot_ >= options_.snapshot_every_entries && !snapshot_wanted_) {
        snapshot_wanted_ = true;
        writer_wake_.notify_all();
    }
}

void QuorumNode::note_role_change() {
    if (raft_->role() == last_role_ && raft_->epoch() == last_epoch_) return;
    last_role_ = raft_->role();
    last_epoch_ = raft_->epoch();
    logger_.info("{} in epoch {} (leader {})", raft::role_name(last_role_), last_epoch_,
                 raft_->leader());
    if (callbacks_.state_changed) callbacks_.state_changed();
}

// ---- the writer ----------------------------------------------------------------------------

void QuorumNode::write_loop() {
    while (!stopping_ && !failure_) {
        Result<void> written;
        if (!disk_queue_.empty()) {
            written = write_queued();  // May suspend.
        } else if (snapshot_wanted_) {
            written = write_snapshot();  // May suspend.
        } else {
            writer_wake_.wait();  // May suspend.
            continue;
        }
        if (!written) fail(written.error());
    }
}

// Everything queued, in order, as one group: the quorum state durably (after syncing the log
// writes before it, so the disk's order is Raft's), a snapshot install and a truncation durably,
// appends with one sync at the end. Then one persisted() for the last write of the group.
Result<void> QuorumNode::write_queued() {
    uint64_t last_write_id = 0;
    bool log_unsynced = false;
    while (!disk_queue_.empty()) {
        raft::Ready work = std::move(disk_queue_.front());
        disk_queue_.pop_front();
        if (work.quorum_state) {
            if (log_unsynced) TRY(log_->sync());  // May suspend.
            log_unsynced = false;
            TRY(state_store_.save(*work.quorum_state));  // May suspend.
        }
        if (work.install_snapshot) TRY(log_->install_snapshot(*work.install_snapshot));
        if (work.truncate_to) TRY(log_->truncate(*work.truncate_to));  // May suspend.
        if (!work.append.empty()) {
            TRY(log_->append(work.append));
            log_unsynced = true;
        }
        // The snapshot under a trim is durable already (write_snapshot made it).
        if (work.trim_log_to) TRY(log_->trim(*work.trim_log_to));  // May suspend.
        if (work.has_writes()) {
            ASSERT(work.write_id > last_write_id && work.write_id > persisted_write_id_);
            last_write_id = work.write_id;
        }
        if (stopping_) return {};
    }
    if (options_.planted_bug == QuorumPlantedBug::persist_before_sync && last_write_id != 0) {
        persisted_write_id_ = last_write_id;
        raft_->persisted(last_write_id);
        drain();
        last_write_id = 0;
    }
    if (log_unsynced) TRY(log_->sync());  // May suspend.
    if (last_write_id == 0 || stopping_) return {};
    // Every write up to last_write_id returned ok, the last sync included: only now.
    ASSERT(last_write_id > persisted_write_id_ && last_write_id <= queued_write_id_,
           "persisted({}) after {} with {} handed out", last_write_id, persisted_write_id_,
           queued_write_id_);
    ASSERT(log_->synced(), "persisted({}) with metadata log writes not synced", last_write_id);
    persisted_write_id_ = last_write_id;
    raft_->persisted(last_write_id);
    drain();
    return {};
}

Result<void> QuorumNode::write_snapshot() {
    snapshot_wanted_ = false;
    raft::Snapshot snapshot{raft::SnapshotId{applied_end_, applied_epoch_},
                            callbacks_.create_snapshot()};
    entries_since_snapshot_ = 0;
    TRY(log_->write_snapshot(snapshot));  // May suspend.
    if (stopping_) return {};
    logger_.info("snapshot {} written ({} bytes)", snapshot.id.end_offset, snapshot.bytes.size());
    raft_->snapshot_created(std::move(snapshot));
    drain();
    return {};
}

// ---- DescribeQuorum ------------------------------------------------------------------------

QuorumStatus QuorumNode::status() const {
    QuorumStatus status;
    status.leader_id = raft_->leader();
    status.leader_epoch = raft_->epoch();
    status.high_watermark = raft_->high_watermark();
    bool leading = raft_->role() == raft::Role::leader;
    // Raft keeps monotonic times; DescribeQuorum speaks wall-clock milliseconds.
    int64_t wall_minus_monotonic = wall_ms(env_.clock.wall_now()) - now_ms();
    auto replica = [&](raft::NodeId id) {
        ReplicaStatus replica{.id = id};
        if (!leading) return replica;
        if (id == raft_->id()) {
            replica.log_end_offset = raft_->log_end();
            replica.last_fetch_ms = replica.last_caught_up_ms = now_ms() + wall_minus_monotonic;
            return replica;
        }
        auto progress = raft_->replicas().find(id);
        if (progress == raft_->replicas().end()) return replica;
        replica.log_end_offset = progress->second.end_offset;
        if (progress->second.last_fetch_ms >= 0 && progress->second.end_offset >= Offset(0)) {
            replica.last_fetch_ms = progress->second.last_fetch_ms + wall_minus_monotonic;
            // Raft keeps no catch-up time of its own: a replica that reached the leader's end
            // with its last fetch was caught up then.
            if (progress->second.end_offset >= raft_->log_end()) {
                replica.last_caught_up_ms = replica.last_fetch_ms;
            }
        }
        return replica;
    };
    const std::vector<raft::NodeId>& voters = options_.raft.voters;
    for (raft::NodeId voter : voters) status.voters.push_back(replica(voter));
    if (leading) {
        for (const auto& [id, progress] : raft_->replicas()) {
            if (!std::binary_search(voters.begin(), voters.end(), id)) {
                status.observers.push_back(replica(id));
            }
        }
    }
    return status;
}

}  // namespace brook::quorum
