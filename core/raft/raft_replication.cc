// RaftNode's replication: pull-based Fetch with diverging-epoch truncation (KIP-595 / KIP-101),
// the leader's high watermark over durable offsets, and FetchSnapshot (KIP-630).
#include <algorithm>

#include "core/base/check.h"
#include "core/raft/raft_node.h"

namespace brook::raft {

// ---- the follower's side -------------------------------------------------------------------

void RaftNode::maybe_send_fetch() {
    if (fetch_in_flight_ != 0) {
        if (now_ms_ - fetch_sent_ms_ < options_.request_timeout_ms) return;
        fetch_in_flight_ = 0;  // lost: ask again
    }
    NodeId target = kNoNode;
    if (role_ == Role::follower) {
        target = quorum_.leader;
    } else if (!is_voter() && role_ == Role::unattached && !options_.voters.empty()) {
        // An observer without a leader asks the voters in turn; any answer names the leader.
        target = options_.voters[discovery_index_ % options_.voters.size()];
    }
    if (target == kNoNode || target == id() || now_ms_ < next_fetch_ms_) return;
    // The fetch offset tells the leader how far this node's log is durable, so a Fetch waits
    // until everything appended (or installed) is.
    if (durable_end_ < log_.end_offset() &&
        options_.planted_bug != RaftPlantedBug::fetch_before_durable) {
        return;
    }
    if (pending_install_) return;
    if (role_ != Role::follower) ++discovery_index_;
    uint64_t correlation = next_correlation_id_++;
    if (download_) {
        send(target,
             FetchSnapshotRequest{id(), epoch(), download_->id,
                                  static_cast<int64_t>(download_->bytes.size())},
             correlation);
    } else {
        send(target, FetchRequest{id(), epoch(), log_.end_offset(), log_.last_epoch()},
             correlation);
    }
    fetch_in_flight_ = correlation;
    fetch_sent_ms_ = now_ms_;
}

void RaftNode::on_fetch_response(const Message& message, const FetchResponse& response) {
    if (fetch_in_flight_ == 0 || message.correlation_id != fetch_in_flight_) return;
    fetch_in_flight_ = 0;
    next_fetch_ms_ = now_ms_ + options_.fetch_poll_ms;
    bool current = observe_epoch(response.leader_epoch, response.leader_id);
    if (response.error != RaftError::none || !current || role_ != Role::follower ||
        message.from != quorum_.leader || response.leader_epoch != epoch()) {
        return;
    }
    last_leader_contact_ms_ = now_ms_;
    fetch_deadline_ms_ = now_ms_ + options_.fetch_timeout_ms;
    if (response.diverging_epoch) {
        // Truncate to where both logs certainly agree, then ask again from there (KIP-595's
        // truncateToEndOffset). Each answer cuts below the last fetch offset, so this ends.
        const DivergingEpoch& diverging = *response.diverging_epoch;
        std::optional<EpochEnd> local = log_.end_offset_for_epoch(diverging.epoch);
        Offset to = std::min(diverging.end_offset, local ? local->end_offset : log_.start_offset());
        to = std::clamp(to, log_.start_offset(), log_.end_offset());
        truncate_log(to);
        next_fetch_ms_ = now_ms_;
        return;
    }
    if (response.snapshot_id) {
        download_ = SnapshotDownload{*response.snapshot_id, {}};
        next_fetch_ms_ = now_ms_;
        return;
    }
    if (!response.records.empty()) {
        // The leader answered the fetch at our log end; anything else is not ours to take.
        if (response.records.front().offset != log_.end_offset()) return;
        for (const Entry& entry : response.records) {
            if (entry.epoch > epoch() || entry.epoch < log_.last_epoch()) return;
            append_entry(entry);
        }
        next_fetch_ms_ = now_ms_;
    }
    advance_follower_high_watermark(response.high_watermark);
}

void RaftNode::advance_follower_high_watermark(Offset leader_high_watermark) {
    // The leader's high watermark, as far as our log holds the leader's entries (all of it
    // matches the leader's log: the leader checked the fetch offset and epoch).
    Offset next = std::min(leader_high_watermark, log_.end_offset());
    if (next > commit_) advance_commit(next);
}

void RaftNode::on_fetch_snapshot_response(const Message& message,
                                          const FetchSnapshotResponse& response) {
    if (fetch_in_flight_ == 0 || message.correlation_id != fetch_in_flight_) return;
    fetch_in_flight_ = 0;
    bool current = observe_epoch(response.leader_epoch, response.leader_id);
    if (!current || role_ != Role::follower || message.from != quorum_.leader || !download_) {
        return;
    }
    next_fetch_ms_ = now_ms_;
    if (response.error != RaftError::none) {
        download_.reset();  // the leader has a newer snapshot: a Fetch will name it
        return;
    }
    if (response.snapshot_id != download_->id ||
        response.position != static_cast<int64_t>(download_->bytes.size()) ||
        response.position + static_cast<int64_t>(response.bytes.size()) > response.size) {
        return;
    }
    last_leader_contact_ms_ = now_ms_;
    fetch_deadline_ms_ = now_ms_ + options_.fetch_timeout_ms;
    download_->bytes += response.bytes;
    if (static_cast<int64_t>(download_->bytes.size()) == response.size) {
        install_downloaded_snapshot();
    }
}

void RaftNode::install_downloaded_snapshot() {
    SnapshotId id = download_->id;
    // The leader sends a snapshot when the fetch offset is below its log start, or when the
    // fetcher's last epoch is older than any it still knows: then the fetcher's entries near its
    // end diverge below the leader's log start, and the whole log is replaced. Either way
    // nothing this node committed is above the snapshot.
    ASSERT(commit_ <= id.end_offset, "snapshot to {} below the high watermark {}", id.end_offset,
           commit_);
    ASSERT(role_ != Role::leader);
    Snapshot snapshot{id, std::move(download_->bytes)};
    download_.reset();
    log_.reset_to_snapshot(id);
    snapshot_ = snapshot;
    pending_install_ = std::move(snapshot);
    // Until the install is durable nothing of the new log is, not even its snapshot (-1); the
    // next Fetch waits for it.
    lowered_to_ = Offset(-1);
    durable_end_ = Offset(-1);
    dirty_from_.reset();
    issued_end_ = id.end_offset;
    advance_commit(id.end_offset);
    applied_ = id.end_offset;  // the caller loads the snapshot's state with the install
}

void RaftNode::truncate_log(Offset offset) {
    ASSERT(role_ != Role::leader, "a leader never truncates its own log");
    ASSERT(offset >= commit_, "truncation to {} below the high watermark {}", offset, commit_);
    if (offset == log_.end_offset()) return;
    log_.truncate_to(offset);
    dirty_from_ = std::min(dirty_from_.value_or(offset), offset);
    lowered_to_ = std::min(lowered_to_.value_or(offset), offset);
    durable_end_ = std::min(durable_end_, offset);
}

void RaftNode::append_entry(const Entry& entry) {
    log_.append(entry);
    dirty_from_ = std::min(dirty_from_.value_or(entry.offset), entry.offset);
}

// ---- the leader's side ---------------------------------------------------------------------

void RaftNode::on_fetch_request(const Message& message, const FetchRequest& request) {
    if (request.replica_id != message.from) return;
    if (request.current_leader_epoch > epoch()) {
        // Someone follows a newer epoch: this node's view is stale (a leader steps down).
        observe_epoch(request.current_leader_epoch, kNoNode);
    }
    FetchResponse response;
    if (request.current_leader_epoch < epoch()) {
        response.error = RaftError::fenced_leader_epoch;
    } else if (role_ != Role::leader) {
        response.error = RaftError::not_leader_or_follower;
    } else {
        response = answer_valid_fetch(request);
    }
    response.leader_id = known_leader();
    response.leader_epoch = epoch();
    send(message.from, std::move(response), message.correlation_id);
}

FetchResponse RaftNode::answer_valid_fetch(const FetchRequest& request) {
    FetchResponse response;
    response.log_start_offset = log_.start_offset();
    ReplicaProgress& progress = progress_[request.replica_id];
    progress.last_fetch_ms = now_ms_;
    Offset fetch_offset = request.fetch_offset;
    if (fetch_offset < log_.start_offset()) {
        ASSERT(snapshot_.has_value(), "log starts at {} without a snapshot", log_.start_offset());
        response.snapshot_id = snapshot_->id;
        response.high_watermark = commit_;
        return response;
    }
    if (fetch_offset > Offset(0)) {
        // KIP-595's validateOffsetAndEpoch: the fetcher's last epoch must end at or after its
        // fetch offset in our log too, or the logs diverge below it.
        std::optional<EpochEnd> end = log_.end_offset_for_epoch(request.last_fetched_epoch);
        if (!end) {
            if (snapshot_) {
                response.snapshot_id = snapshot_->id;
            } else {
                response.diverging_epoch = DivergingEpoch{LeaderEpoch(0), log_.start_offset()};
            }
            response.high_watermark = commit_;
            return response;
        }
        if (end->epoch != request.last_fetched_epoch || end->end_offset < fetch_offset) {
            response.diverging_epoch = DivergingEpoch{end->epoch, end->end_offset};
            response.high_watermark = commit_;
            return response;
        }
    }
    // A valid fetch: the fetcher's log matches ours below fetch_offset, and (RaftNode fetches
    // only then) is durable up to it.
    progress.end_offset = fetch_offset;
    maybe_advance_high_watermark();
    response.high_watermark = commit_;
    response.records =
        log_.slice(fetch_offset, options_.fetch_max_entries, options_.fetch_max_bytes);
    return response;
}

void RaftNode::maybe_advance_high_watermark() {
    ASSERT(role_ == Role::leader);
    // The largest offset durable on a majority of voters, this node counted by its own durable
    // end, the others by their last valid fetch; observers never count.
    std::vector<Offset> ends;
    for (NodeId voter : options_.voters) {
        ends.push_back(voter == id() ? durable_end_ : progress_[voter].end_offset);
    }
    std::sort(ends.begin(), ends.end(), std::greater<>());
    Offset majority_end = ends[majority() - 1];
    if (majority_end <= commit_) return;
    // Only an entry of this epoch commits by counting (Raft's figure 8): this epoch's first
    // entry, the LeaderChange record, must be on a majority before anything moves.
    if (majority_end <= epoch_start_offset_ &&
        options_.planted_bug != RaftPlantedBug::commit_older_epoch) {
        return;
    }
    if (options_.planted_bug == RaftPlantedBug::none) {
        ASSERT(log_.at(majority_end - 1).epoch == epoch(), "high watermark {} over epoch {}",
               majority_end, log_.at(majority_end - 1).epoch);
    }
    advance_commit(majority_end);
}

void RaftNode::advance_commit(Offset next) {
    ASSERT(next >= commit_, "high watermark goes back from {} to {}", commit_, next);
    ASSERT(next <= log_.end_offset(), "high watermark {} beyond the log end {}", next,
           log_.end_offset());
    commit_ = next;
}

std::vector<NodeId> RaftNode::preferred_successors() const {
    std::vector<NodeId> successors;
    for (NodeId voter : options_.voters) {
        if (voter != id()) successors.push_back(voter);
    }
    auto end_of = [&](NodeId voter) {
        auto found = progress_.find(voter);
        return found == progress_.end() ? Offset(-1) : found->second.end_offset;
    };
    std::stable_sort(successors.begin(), successors.end(),
                     [&](NodeId a, NodeId b) { return end_of(a) > end_of(b); });
    return successors;
}

void RaftNode::on_fetch_snapshot_request(const Message& message,
                                         const FetchSnapshotRequest& request) {
    if (request.replica_id != message.from) return;
    FetchSnapshotResponse response;
    response.snapshot_id = request.snapshot_id;
    if (request.current_leader_epoch < epoch()) {
        response.error = RaftError::fenced_leader_epoch;
    } else if (role_ != Role::leader || request.current_leader_epoch != epoch()) {
        response.error = RaftError::not_leader_or_follower;
    } else if (!snapshot_ || snapshot_->id != request.snapshot_id) {
        response.error = RaftError::snapshot_not_found;
    } else if (request.position < 0 ||
               request.position > static_cast<int64_t>(snapshot_->bytes.size())) {
        response.error = RaftError::position_out_of_range;
    } else {
        progress_[request.replica_id].last_fetch_ms = now_ms_;
        response.size = static_cast<int64_t>(snapshot_->bytes.size());
        response.position = request.position;
        response.bytes = snapshot_->bytes.substr(static_cast<size_t>(request.position),
                                                 options_.snapshot_chunk_bytes);
    }
    response.leader_id = known_leader();
    response.leader_epoch = epoch();
    send(message.from, std::move(response), message.correlation_id);
}

}  // namespace brook::raft
