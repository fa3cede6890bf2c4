#include "disk/unsynced_overlay.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace brook {

Result<void> UnsyncedOverlay::write(uint64_t disk_size, uint64_t offset,
                                    std::span<const uint8_t> bytes) {
    if (extent_bytes_ + bytes.size() > kUnsyncedBytesPerFileMax) {
        return Error(ErrorCode::no_space,
                     fmt::format("more than {} unsynced bytes in one file (lose-unsynced disk)",
                                 kUnsyncedBytesPerFileMax));
    }
    if (!active_) {
        active_ = true;
        size_ = disk_size;
        disk_bytes_kept_ = disk_size;
    }
    if (bytes.empty()) return ok();
    uint64_t start = offset;
    uint64_t end = offset + bytes.size();
    // The first extent that overlaps or touches [offset, end): the last one starting at or
    // before offset if it reaches offset, else the first starting after it.
    auto first = extents_.upper_bound(offset);
    if (first != extents_.begin()) {
        auto before = std::prev(first);
        if (before->first + before->second.size() >= offset) first = before;
    }
    auto last = first;
    uint64_t replaced_bytes = 0;
    while (last != extents_.end() && last->first <= end) {
        replaced_bytes += last->second.size();
        start = std::min(start, last->first);
        end = std::max(end, last->first + last->second.size());
        ++last;
    }
    // Reuse the first merged extent's buffer when it starts the result (the append case).
    std::vector<uint8_t> merged;
    auto next = first;
    if (first != last && first->first == start) {
        merged = std::move(first->second);
        ++next;
    }
    merged.resize(end - start);
    for (auto it = next; it != last; ++it) {
        std::memcpy(merged.data() + (it->first - start), it->second.data(), it->second.size());
    }
    std::memcpy(merged.data() + (offset - start), bytes.data(), bytes.size());
    extents_.erase(first, last);
    extent_bytes_ = extent_bytes_ - replaced_bytes + merged.size();
    extents_.emplace(start, std::move(merged));
    size_ = std::max(size_, offset + bytes.size());
    return ok();
}

void UnsyncedOverlay::truncate(uint64_t disk_size, uint64_t size) {
    if (!active_) {
        active_ = true;
        size_ = disk_size;
        disk_bytes_kept_ = disk_size;
    }
    cut_extents(size);
    disk_bytes_kept_ = std::min(disk_bytes_kept_, size);
    size_ = size;
}

void UnsyncedOverlay::cut_extents(uint64_t size) {
    auto it = extents_.lower_bound(size);
    for (auto drop = it; drop != extents_.end(); ++drop) extent_bytes_ -= drop->second.size();
    extents_.erase(it, extents_.end());
    if (extents_.empty()) return;
    auto& [start, bytes] = *extents_.rbegin();
    if (start + bytes.size() > size) {
        extent_bytes_ -= start + bytes.size() - size;
        bytes.resize(size - start);
    }
}

uint64_t UnsyncedOverlay::size() const {
    ASSERT(active_, "size of an empty overlay");
    return size_;
}

Result<std::size_t> UnsyncedOverlay::read(File& file, uint64_t offset,
                                          std::span<uint8_t> buffer) const {
    ASSERT(active_, "read through an empty overlay");
    if (offset >= size_) return std::size_t{0};
    std::span<uint8_t> view = buffer.first(std::min<uint64_t>(buffer.size(), size_ - offset));
    std::fill(view.begin(), view.end(), uint8_t{0});
    if (offset < disk_bytes_kept_) {
        std::span<uint8_t> from_disk =
            view.first(std::min<uint64_t>(view.size(), disk_bytes_kept_ - offset));
        TRY(file.read_at(offset, from_disk));  // short only if the file shrank: zeros stay
    }
    uint64_t end = offset + view.size();
    auto it = extents_.upper_bound(offset);
    if (it != extents_.begin()) --it;
    for (; it != extents_.end() && it->first < end; ++it) {
        uint64_t from = std::max(offset, it->first);
        uint64_t to = std::min(end, it->first + it->second.size());
        if (from >= to) continue;
        std::memcpy(view.data() + (from - offset), it->second.data() + (from - it->first),
                    to - from);
    }
    return view.size();
}

Result<void> UnsyncedOverlay::write_out(File& file) {
    if (!active_) return ok();
    TRY_ASSIGN(uint64_t disk_size, file.size());
    if (disk_bytes_kept_ < disk_size) TRY(file.truncate(disk_bytes_kept_));
    for (const auto& [start, bytes] : extents_) TRY(file.write_at(start, bytes));
    TRY_ASSIGN(uint64_t written_size, file.size());
    if (written_size != size_) TRY(file.truncate(size_));
    active_ = false;
    size_ = 0;
    disk_bytes_kept_ = 0;
    extent_bytes_ = 0;
    extents_.clear();
    return ok();
}

}  // namespace brook
