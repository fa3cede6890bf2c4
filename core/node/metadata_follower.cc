#include "core/node/metadata_follower.h"

#include <span>

#include "core/base/check.h"
#include "core/metadata/metadata_record_codec.h"
#include "core/metadata/metadata_snapshot.h"

namespace brook::node {

MetadataFollower::MetadataFollower(Scheduler& scheduler, Logger logger)
    : logger_(std::move(logger)), changes_(scheduler) {}

quorum::QuorumCallbacks MetadataFollower::callbacks() {
    return quorum::QuorumCallbacks{
        .apply = [this](const raft::Entry& entry) { apply(entry); },
        .load_snapshot = [this](const raft::Snapshot& snapshot) { load_snapshot(snapshot); },
        .create_snapshot = [this] { return create_snapshot(); },
        .state_changed = {},
    };
}

void MetadataFollower::apply(const raft::Entry& entry) {
    ASSERT(entry.offset > applied_offset_, "entry {} applied after {}", entry.offset,
           applied_offset_);
    applied_offset_ = entry.offset;
    if (entry.kind == raft::EntryKind::data) {
        auto bytes =
            std::span(reinterpret_cast<const uint8_t*>(entry.data.data()), entry.data.size());
        // An entry is one controller command: all of its records apply, or none.
        Result<std::vector<metadata::MetadataRecord>> records = metadata::decode_record_list(bytes);
        if (!records) {
            logger_.error("skipping the metadata entry at offset {}: {}", entry.offset,
                          records.error().describe());
        } else if (Result<void> applied = image_.apply_command(*records, entry.offset); !applied) {
            logger_.error("the metadata command at offset {} does not apply: {}", entry.offset,
                          applied.error().describe());
        } else {
            ASSERT(image_.applied_offset() == entry.offset, "the command at {} applied at {}",
                   entry.offset, image_.applied_offset());
        }
    }
    changed();
}

void MetadataFollower::load_snapshot(const raft::Snapshot& snapshot) {
    Result<metadata::MetadataImage> image =
        metadata::decode_snapshot(snapshot.bytes, snapshot.id.end_offset);
    if (!image) {
        // Bytes the snapshot file's CRC (or the leader) vouched for and still not an image: a bug
        // or a foreign cluster. Logged loudly; the node goes on from an empty image rather than
        // one that mixes the old state with the entries after the snapshot.
        logger_.error("cannot load the metadata snapshot ending at {}: {}", snapshot.id.end_offset,
                      image.error().describe());
        image_ = metadata::MetadataImage{};
    } else {
        image_ = std::move(*image);
    }
    applied_offset_ = snapshot.id.end_offset - 1;
    changed();
}

std::string MetadataFollower::create_snapshot() const { return metadata::encode_snapshot(image_); }

void MetadataFollower::changed() {
    ++version_;
    changes_.notify_all();
}

bool MetadataFollower::wait_for_change(uint64_t seen, Instant deadline) {
    while (version_ <= seen) {
        if (!changes_.wait(deadline)) return version_ > seen;  // May suspend.
    }
    return true;
}

bool MetadataFollower::wait_for_offset(Offset offset, Instant deadline) {
    while (applied_offset_ < offset) {
        if (!changes_.wait(deadline)) return applied_offset_ >= offset;  // May suspend.
    }
    return true;
}

}  // namespace brook::node
