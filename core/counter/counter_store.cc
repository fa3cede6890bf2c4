#include "core/counter/counter_store.h"

#include <array>
#include <cstring>

namespace brook::counter {
namespace {
constexpr uint64_t kCheckKey = 0x5bd1e9955bd1e995ULL;

std::array<uint8_t, 16> encode(int64_t value) {
    std::array<uint8_t, 16> bytes;
    uint64_t check = static_cast<uint64_t>(value) ^ kCheckKey;
    std::memcpy(bytes.data(), &value, 8);
    std::memcpy(bytes.data() + 8, &check, 8);
    return bytes;
}
}  // namespace

Result<int64_t> CounterStore::load() {
    TRY_ASSIGN(bool exists, disk_.exists(kFileName));
    if (!exists) return int64_t{0};
    TRY_ASSIGN(auto file, disk_.open(kFileName, OpenMode::read_only));
    std::array<uint8_t, 16> bytes{};
    TRY_ASSIGN(std::size_t n, file->read_at(0, bytes));
    if (n == 0) return int64_t{0};  // created, never written
    if (n != bytes.size()) {
        return Error(ErrorCode::corruption, fmt::format("counter file has {} bytes", n));
    }
    int64_t value;
    uint64_t check;
    std::memcpy(&value, bytes.data(), 8);
    std::memcpy(&check, bytes.data() + 8, 8);
    if ((static_cast<uint64_t>(value) ^ kCheckKey) != check) {
        return Error(ErrorCode::corruption, "counter file fails its check word");
    }
    return value;
}

Result<void> CounterStore::open_for_writing() {
    if (file_) return ok();
    TRY_ASSIGN(bool existed, disk_.exists(kFileName));
    TRY_ASSIGN(auto file, disk_.open(kFileName, OpenMode::create));
    // A new file's directory entry is durable only once the directory is synced.
    if (!existed) TRY(disk_.sync_directory(""));
    file_ = std::move(file);
    return ok();
}

Result<void> CounterStore::save(int64_t value, bool sync) {
    TRY(open_for_writing());
    auto bytes = encode(value);
    TRY(file_->write_at(0, bytes));
    if (sync) TRY(file_->sync());
    return ok();
}

}  // namespace brook::counter
