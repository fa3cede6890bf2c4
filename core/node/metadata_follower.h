// The committed metadata every node keeps: the MetadataImage the quorum's committed entries
// build, and the offset of the last entry applied. It gives the QuorumNode its callbacks (each
// committed entry, one controller command's records, decoded with metadata::decode_record_list
// and applied all or none; snapshots are the image's encode_snapshot / decode_snapshot) and lets
// other fibers wait for news. Waiters wake between entries, so nobody sees part of a command.
//
//   MetadataFollower follower(env.scheduler, Logger(env.log_sink, "metadata"));
//   QuorumNode::open(env, channel, store, options, follower.callbacks());
//   uint64_t seen = follower.version();
//   follower.wait_for_change(seen, deadline);                   // May suspend.
//   follower.wait_for_offset(Offset(42), deadline);              // May suspend.
//   const MetadataImage& image = follower.image();
//
// applied_offset() counts every entry, LeaderChange control entries included, so "applied up to
// the LeaderChange entry of my epoch" can be asked; the image's own applied_offset() counts only
// records. A data entry whose bytes do not decode, or one of whose records contradicts the
// image, is logged and skipped whole (the image consumes its offset): a foreign or corrupt log
// never kills a node. The callbacks never suspend; they wake the waiters.
#pragma once

#include <cstdint>

#include "core/base/logger.h"
#include "core/base/time.h"
#include "core/metadata/metadata_image.h"
#include "core/quorum/quorum_node.h"
#include "core/runtime/scheduler.h"
#include "core/runtime/wait_queue.h"

namespace brook::node {

class MetadataFollower {
public:
    MetadataFollower(Scheduler& scheduler, Logger logger);
    MetadataFollower(const MetadataFollower&) = delete;
    MetadataFollower& operator=(const MetadataFollower&) = delete;

    // The QuorumNode's apply, load_snapshot and create_snapshot; they refer to this follower,
    // which must outlive the node.
    quorum::QuorumCallbacks callbacks();

    const metadata::MetadataImage& image() const { return image_; }
    // The offset of the last committed entry applied (any kind), -1 before the first.
    Offset applied_offset() const { return applied_offset_; }
    // Grows by one with every entry applied and every snapshot loaded.
    uint64_t version() const { return version_; }

    // Waits until version() > seen (true) or the deadline passes (false). May suspend.
    bool wait_for_change(uint64_t seen, Instant deadline);
    // Waits until applied_offset() >= offset (true) or the deadline passes (false). May suspend.
    bool wait_for_offset(Offset offset, Instant deadline);

    // The entry points of callbacks(), public for tests that drive a follower without a node.
    void apply(const raft::Entry& entry);
    void load_snapshot(const raft::Snapshot& snapshot);
    std::string create_snapshot() const;

private:
    void changed();

    Logger logger_;
    metadata::MetadataImage image_;
    Offset applied_offset_ = Offset(-1);
    uint64_t version_ = 0;
    WaitQueue changes_;
};

}  // namespace brook::node
