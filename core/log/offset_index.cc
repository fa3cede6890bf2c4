#include "core/log/offset_index.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/base/big_endian.h"

namespace brook::log {

void OffsetIndex::append(Entry entry) {
    ASSERT(entries_.empty() || (entry.relative_offset > entries_.back().relative_offset &&
                                entry.position > entries_.back().position),
           "offset index entry ({}, {}) does not increase", entry.relative_offset, entry.position);
    entries_.push_back(entry);
}

OffsetIndex::Entry OffsetIndex::floor(uint32_t relative_offset) const {
    auto after = std::upper_bound(
        entries_.begin(), entries_.end(), relative_offset,
        [](uint32_t wanted, const Entry& entry) { return wanted < entry.relative_offset; });
    if (after == entries_.begin()) return Entry{};
    return *(after - 1);
}

std::vector<uint8_t> OffsetIndex::encode() const {
    std::vector<uint8_t> bytes(entries_.size() * kEntryBytes);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        store_big_endian<uint32_t>(bytes.data() + i * kEntryBytes, entries_[i].relative_offset);
        store_big_endian<uint32_t>(bytes.data() + i * kEntryBytes + 4, entries_[i].position);
    }
    return bytes;
}

Result<OffsetIndex> OffsetIndex::decode(std::span<const uint8_t> bytes, uint64_t segment_bytes) {
    if (bytes.size() % kEntryBytes != 0) {
        return Error(ErrorCode::corruption, fmt::format("offset index of {} bytes", bytes.size()));
    }
    OffsetIndex index;
    for (std::size_t at = 0; at < bytes.size(); at += kEntryBytes) {
        Entry entry{load_big_endian<uint32_t>(bytes.data() + at),
                    load_big_endian<uint32_t>(bytes.data() + at + 4)};
        bool increases = index.entries_.empty() ||
                         (entry.relative_offset > index.entries_.back().relative_offset &&
                          entry.position > index.entries_.back().position);
        if (!increases || entry.position >= segment_bytes) {
            return Error(ErrorCode::corruption,
                         fmt::format("offset index entry {} ({}, {}) out of order or range",
                                     at / kEntryBytes, entry.relative_offset, entry.position));
        }
        index.entries_.push_back(entry);
    }
    return index;
}

}  // namespace brook::log
