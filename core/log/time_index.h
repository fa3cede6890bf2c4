// A segment's sparse time index: entries (timestamp T, relative offset o) meaning "every batch
// of this segment that starts before offset o has a maxTimestamp <= T". T never decreases. A
// timestamp lookup takes the last entry with T < target: the first batch whose maxTimestamp
// reaches the target lies at or after its offset.
//
//   TimeIndex index;
//   index.append({.timestamp_ms = 1000, .relative_offset = 40});
//   uint32_t start = index.start_for(1500);           // 40: scan from offset base + 40
//
// When a segment is sealed a last entry (segment max timestamp, relative next offset) is
// added, so the file also records the segment's largest timestamp, which time retention needs.
// On disk (`<base>.timeindex`): 12-byte entries, timestamp i64 then relative offset u32,
// big-endian, as Kafka writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/base/result.h"

namespace brook::log {

class TimeIndex {
public:
    static constexpr std::size_t kEntryBytes = 12;
    struct Entry {
        int64_t timestamp_ms = 0;
        uint32_t relative_offset = 0;
        bool operator==(const Entry&) const = default;
    };

    // Appends unless the timestamp does not exceed the last entry's (the index stays
    // monotonic; skipping an entry only makes a lookup start earlier). Relative offsets must
    // not decrease.
    void maybe_append(Entry entry);
    // The relative offset to start a search for `timestamp_ms` from (0 when no entry helps).
    uint32_t start_for(int64_t timestamp_ms) const;
    std::optional<Entry> last() const {
        if (entries_.empty()) return std::nullopt;
        return entries_.back();
    }
    const std::vector<Entry>& entries() const { return entries_; }
    void clear() { entries_.clear(); }

    std::vector<uint8_t> encode() const;
    // corruption when the size is not whole entries or the entries are not monotonic.
    static Result<TimeIndex> decode(std::span<const uint8_t> bytes);

private:
    std::vector<Entry> entries_;
};

}  // namespace brook::log
