#include "core/quorum/snapshot_file.h"

#include <fmt/format.h>

#include <charconv>

#include "core/base/big_endian.h"
#include "core/base/crc32c.h"

namespace brook::quorum {
namespace {

constexpr std::string_view kSuffix = ".checkpoint";
constexpr std::size_t kOffsetDigits = 20;
constexpr std::size_t kEpochDigits = 10;
constexpr std::size_t kHeaderBytes = 4 + 8 + 4;  // CRC, end offset, epoch

template <typename T>
std::optional<T> parse_digits(std::string_view digits) {
    T value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string snapshot_file_name(raft::SnapshotId id) {
    return fmt::format("{:020}-{:010}{}", id.end_offset.value(), id.epoch.value(), kSuffix);
}

std::optional<raft::SnapshotId> parse_snapshot_file_name(std::string_view name) {
    if (name.size() != kOffsetDigits + 1 + kEpochDigits + kSuffix.size() ||
        !name.ends_with(kSuffix) || name[kOffsetDigits] != '-') {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < kOffsetDigits + 1 + kEpochDigits; ++i) {
        if (i != kOffsetDigits && (name[i] < '0' || name[i] > '9')) return std::nullopt;
    }
    auto end = parse_digits<int64_t>(name.substr(0, kOffsetDigits));
    auto epoch = parse_digits<int32_t>(name.substr(kOffsetDigits + 1, kEpochDigits));
    if (!end || !epoch) return std::nullopt;
    return raft::SnapshotId{Offset(*end), LeaderEpoch(*epoch)};
}

std::vector<uint8_t> encode_snapshot_file(const raft::Snapshot& snapshot) {
    std::vector<uint8_t> bytes(kHeaderBytes + snapshot.bytes.size());
    store_big_endian<int64_t>(bytes.data() + 4, snapshot.id.end_offset.value());
    store_big_endian<int32_t>(bytes.data() + 12, snapshot.id.epoch.value());
    std::copy(snapshot.bytes.begin(), snapshot.bytes.end(), bytes.begin() + kHeaderBytes);
    store_big_endian<uint32_t>(bytes.data(), crc32c(std::span(bytes).subspan(4)));
    return bytes;
}

Result<raft::Snapshot> decode_snapshot_file(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderBytes) {
        return Error(ErrorCode::corruption, fmt::format("snapshot of {} bytes", bytes.size()));
    }
    if (crc32c(bytes.subspan(4)) != load_big_endian<uint32_t>(bytes.data())) {
        return Error(ErrorCode::corruption, "snapshot CRC mismatch");
    }
    int64_t end = load_big_endian<int64_t>(bytes.data() + 4);
    int32_t epoch = load_big_endian<int32_t>(bytes.data() + 12);
    if (end < 0 || epoch < 0) {
        return Error(ErrorCode::corruption, fmt::format("snapshot id {}-{}", end, epoch));
    }
    return raft::Snapshot{raft::SnapshotId{Offset(end), LeaderEpoch(epoch)},
                          std::string(bytes.begin() + kHeaderBytes, bytes.end())};
}

}  // namespace brook::quorum
