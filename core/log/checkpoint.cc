#include "core/log/checkpoint.h"

#include <array>

#include <fmt/format.h>

#include "core/base/big_endian.h"
#include "core/base/crc32c.h"

namespace brook::log {
namespace {

constexpr std::size_t kCheckpointBytes = 28;
constexpr std::size_t kCrcAt = 22;
constexpr uint32_t kMagic = 0x424B4350;  // "BKCP"
constexpr uint16_t kVersion = 1;

std::string path_of(std::string_view directory, std::string_view name) {
    return directory.empty() ? std::string(name) : fmt::format("{}/{}", directory, name);
}

}  // namespace

Result<void> write_checkpoint(Disk& disk, std::string_view directory, const Checkpoint& checkpoint) {
    std::array<uint8_t, kCheckpointBytes> bytes{};
    store_big_endian<uint32_t>(bytes.data(), kMagic);
    store_big_endian<uint16_t>(bytes.data() + 4, kVersion);
    store_big_endian<int64_t>(bytes.data() + 6, checkpoint.recovery_point.value());
    store_big_endian<int64_t>(bytes.data() + 14, checkpoint.log_start.value());
    store_big_endian<uint32_t>(bytes.data() + kCrcAt,
                               crc32c(std::span<const uint8_t>(bytes).first(kCrcAt)));
    return replace_file_durably(disk, path_of(directory, kCheckpointName), bytes);  // May suspend.
}

Result<Checkpoint> read_checkpoint(Disk& disk, std::string_view directory) {
    std::string path = path_of(directory, kCheckpointName);
    TRY_ASSIGN(std::unique_ptr<File> file, disk.open(path, OpenMode::read_only));
    std::array<uint8_t, kCheckpointBytes + 1> bytes{};
    TRY_ASSIGN(std::size_t length, file->read_at(0, bytes));
    if (length != kCheckpointBytes || load_big_endian<uint32_t>(bytes.data()) != kMagic ||
        load_big_endian<uint16_t>(bytes.data() + 4) != kVersion ||
        load_big_endian<uint32_t>(bytes.data() + kCrcAt) !=
            crc32c(std::span<const uint8_t>(bytes).first(kCrcAt))) {
        return Error(ErrorCode::corruption, fmt::format("{}: invalid checkpoint", path));
    }
    Checkpoint checkpoint{Offset(load_big_endian<int64_t>(bytes.data() + 6)),
                          Offset(load_big_endian<int64_t>(bytes.data() + 14))};
    if (checkpoint.log_start < Offset(0) || checkpoint.recovery_point < checkpoint.log_start) {
        return Error(ErrorCode::corruption, fmt::format("{}: impossible offsets", path));
    }
    return checkpoint;
}

}  // namespace brook::log
