#include "core/counter/counter_store.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace brook::counter {
namespace {
constexpr uint64_t kCheckKey = 0x5bd1e9955bd1e995ULL;
using SlotBytes = std::array<uint8_t, 16>;

SlotBytes encode(int64_t value) {
    SlotBytes bytes;
    uint64_t check = static_cast<uint64_t>(value) ^ kCheckKey;
    std::memcpy(bytes.data(), &value, 8);
    std::memcpy(bytes.data() + 8, &check, 8);
    return bytes;
}

std::optional<int64_t> decode(const SlotBytes& bytes) {
    int64_t value;
    uint64_t check;
    std::memcpy(&value, bytes.data(), 8);
    std::memcpy(&check, bytes.data() + 8, 8);
    if ((static_cast<uint64_t>(value) ^ kCheckKey) != check || value < 0) return std::nullopt;
    return value;
}
}  // namespace

Result<int64_t> CounterStore::load() {
    TRY_ASSIGN(bool exists, disk_.exists(kFileName));
    if (!exists) return int64_t{0};
    TRY_ASSIGN(auto file, disk_.open(kFileName, OpenMode::read_only));
    TRY_ASSIGN(uint64_t size, file->size());
    if (size == 0) return int64_t{0};  // created, never written
    std::optional<int64_t> best;
    bool damaged = false;
    for (uint64_t slot = 0; slot < 2; ++slot) {
        SlotBytes bytes{};
        TRY_ASSIGN(std::size_t n, file->read_at(slot * kSlotBytes, bytes));
        if (n == 0) continue;  // the second slot was never written
        std::optional<int64_t> value = n == bytes.size() ? decode(bytes) : std::nullopt;
        if (!value) {
            damaged = true;
            continue;
        }
        best = std::max(best.value_or(0), *value);
    }
    if (!best) {
        if (!damaged) return int64_t{0};
        return Error(ErrorCode::corruption, "no slot of the counter file passes its check word");
    }
    return *best;
}

Result<void> CounterStore::open_for_writing() {
    if (file_) return ok();
    TRY_ASSIGN(auto file, disk_.open(kFileName, OpenMode::create));
    // The file's directory entry is durable only once the directory is synced. Sync it even
    // when the file was already there: an earlier attempt may have created it and then failed
    // to sync, or a process that never synced may have created it before a restart. (The
    // simulator found exactly that: an entry whose sync failed was never synced again.)
    TRY(disk_.sync_directory(""));
    file_ = std::move(file);
    return ok();
}

Result<void> CounterStore::save(int64_t value, bool sync) {
    TRY(open_for_writing());
    SlotBytes bytes = encode(value);
    TRY(file_->write_at(static_cast<uint64_t>(value % 2) * kSlotBytes, bytes));
    if (sync) TRY(file_->sync());
    return ok();
}

}  // namespace brook::counter
