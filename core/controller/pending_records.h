// The records one controller command is writing, applied as they are written to a copy of the
// image, so each next decision of the same command sees the earlier ones (two brokers fenced by
// one tick, two topics of one CreateTopics). Kafka's controller gets the same from its timeline
// data structures; a copy is simpler and, at the size of a cluster's metadata, cheap enough. It
// is made at the first record only: the commands that run all the time (a heartbeat of a broker
// in service, a tick with no session expiring) write nothing and copy nothing.
//
//   PendingRecords pending(image_);
//   pending.emit(TopicRecord{name, id});
//   if (pending.image().topic(name)) ...      // true
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/metadata/metadata_image.h"

namespace brook::controller {

class PendingRecords {
public:
    // `committed` must outlive this.
    explicit PendingRecords(const metadata::MetadataImage& committed) : committed_(committed) {}

    // The image with every record emitted so far applied.
    const metadata::MetadataImage& image() const { return written_ ? *written_ : committed_; }
    std::size_t size() const { return records_.size(); }

    // The controller never writes a record that contradicts the image: it is checked here,
    // before it can reach the log.
    void emit(metadata::MetadataRecord record) {
        if (!written_) written_.emplace(committed_);
        auto applied = written_->apply(record, written_->applied_offset() + 1);
        ASSERT(applied.ok(), "the controller wrote a record that does not apply: {}",
               applied.error().describe());
        records_.push_back(std::move(record));
    }

    // Whether broker `id` may lead now: registered, unfenced, not in controlled shutdown.
    bool may_lead(NodeId id) const {
        const metadata::BrokerRegistration* broker = image().broker(id);
        return broker != nullptr && broker->active();
    }

    std::vector<metadata::MetadataRecord> take() && { return std::move(records_); }

private:
    const metadata::MetadataImage& committed_;
    std::optional<metadata::MetadataImage> written_;  // committed_ and records_, once there is one
    std::vector<metadata::MetadataRecord> records_;
};

}  // namespace brook::controller
