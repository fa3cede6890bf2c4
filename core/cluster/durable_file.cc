#include "core/cluster/durable_file.h"

#include <charconv>
#include <vector>

#include "core/base/crc32c.h"
#include "core/cluster/limits.h"

namespace brook::cluster {
namespace {

constexpr std::string_view kCrcPrefix = "#crc32c=";

uint32_t checksum(std::string_view content) {
    return crc32c({reinterpret_cast<const uint8_t*>(content.data()), content.size()});
}

}  // namespace

Result<void> write_file_durably(Disk& disk, std::string_view path, std::string_view content) {
    std::string bytes(content);
    if (!bytes.empty() && bytes.back() != '\n') bytes += '\n';
    bytes += fmt::format("{}{:08x}\n", kCrcPrefix, checksum(bytes));
    ASSERT(bytes.size() <= kSmallFileBytesMax, "small file {} grew to {} bytes", path,
           bytes.size());
    std::string_view directory = parent_directory(path);
    if (!directory.empty()) TRY(disk.make_directory(directory));
    return replace_file_durably(
        disk, path,
        {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});  // May suspend.
}

Result<std::optional<std::string>> read_durable_file(Disk& disk, std::string_view path) {
    TRY_ASSIGN(std::optional<std::string> content,
               read_small_file(disk, path, kSmallFileBytesMax));  // May suspend.
    if (!content) return content;
    std::string& text = *content;
    // The last line is the checksum of everything before it.
    std::size_t at = text.rfind(kCrcPrefix);
    if (at == std::string::npos || (at > 0 && text[at - 1] != '\n')) {
        return Error(ErrorCode::corruption, fmt::format("{}: no checksum line", path));
    }
    std::string_view hex = std::string_view(text).substr(at + kCrcPrefix.size());
    if (!hex.empty() && hex.back() == '\n') hex.remove_suffix(1);
    uint32_t stored = 0;
    auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), stored, 16);
    if (error != std::errc() || end != hex.data() + hex.size() || hex.size() != 8) {
        return Error(ErrorCode::corruption, fmt::format("{}: malformed checksum line", path));
    }
    text.resize(at);
    if (checksum(text) != stored) {
        return Error(ErrorCode::corruption, fmt::format("{}: checksum mismatch", path));
    }
    return std::optional<std::string>(std::move(text));
}

Result<void> remove_directory_durably(Disk& disk, std::string_view path) {
    TRY_ASSIGN(bool present, disk.exists(path));
    if (!present) return {};
    TRY_ASSIGN(std::vector<std::string> names, disk.list_directory(path));
    for (const std::string& name : names) {
        TRY(disk.remove(fmt::format("{}/{}", path, name)));
    }
    TRY(disk.remove(path));
    return disk.sync_directory(parent_directory(path));  // May suspend.
}

}  // namespace brook::cluster
