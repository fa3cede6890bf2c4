#include "core/log/time_index.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/big_endian.h"

namespace brook::log {

void TimeIndex::maybe_append(Entry entry) {
    if (!entries_.empty()) {
        ASSERT(entry.relative_offset >= entries_.back().relative_offset,
               "time index offset {} after {}", entry.relative_offset,
               entries_.back().relative_offset);
        if (entry.timestamp_ms <= entries_.back().timestamp_ms) return;
    }
    entries_.push_back(entry);
}

uint32_t TimeIndex::start_for(int64_t timestamp_ms) const {
    auto first_reaching = std::lower_bound(
        entries_.begin(), entries_.end(), timestamp_ms,
        [](const Entry& entry, int64_t wanted) { return entry.timestamp_ms < wanted; });
    if (first_reaching == entries_.begin()) return 0;
    return (first_reaching - 1)->relative_offset;
}

std::vector<uint8_t> TimeIndex::encode() const {
    std::vector<uint8_t> bytes(entries_.size() * kEntryBytes);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        store_big_endian<int64_t>(bytes.data() + i * kEntryBytes, entries_[i].timestamp_ms);
        store_big_endian<uint32_t>(bytes.data() + i * kEntryBytes + 8,
                                   entries_[i].relative_offset);
    }
    return bytes;
}

Result<TimeIndex> TimeIndex::decode(std::span<const uint8_t> bytes) {
    if (bytes.size() % kEntryBytes != 0) {
        return Error(ErrorCode::corruption, fmt::format("time index of {} bytes", bytes.size()));
    }
    TimeIndex index;
    for (std::size_t at = 0; at < bytes.size(); at += kEntryBytes) {
        Entry entry{load_big_endian<int64_t>(bytes.data() + at),
                    load_big_endian<uint32_t>(bytes.data() + at + 8)};
        if (!index.entries_.empty() &&
            (entry.timestamp_ms <= index.entries_.back().timestamp_ms ||
             entry.relative_offset < index.entries_.back().relative_offset)) {
            return Error(ErrorCode::corruption,
                         fmt::format("time index entry {} out of order", at / kEntryBytes));
        }
        index.entries_.push_back(entry);
    }
    return index;
}

}  // namespace brook::log
