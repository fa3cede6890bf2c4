#include "core/io/disk.h"

#include <fmt/format.h>

namespace brook {

std::string_view parent_directory(std::string_view path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return {};
    return path.substr(0, slash);
}

Result<void> replace_file_durably(Disk& disk, std::string_view path,
                                  std::span<const uint8_t> bytes) {
    std::string temporary = std::string(path) + ".tmp";
    {
        TRY_ASSIGN(std::unique_ptr<File> file, disk.open(temporary, OpenMode::create));
        TRY(file->truncate(0));
        TRY(file->write_at(0, bytes));
        TRY(file->sync());  // May suspend.
    }
    TRY(disk.rename(temporary, path));
    return disk.sync_directory(parent_directory(path));  // May suspend.
}

Result<std::optional<std::string>> read_small_file(Disk& disk, std::string_view path,
                                                   uint64_t max_bytes) {
    TRY_ASSIGN(bool present, disk.exists(path));  // May suspend.
    if (!present) return std::optional<std::string>();
    TRY_ASSIGN(std::unique_ptr<File> file, disk.open(path, OpenMode::read_only));
    TRY_ASSIGN(uint64_t size, file->size());
    if (size > max_bytes) {
        return Error(
            ErrorCode::corruption,
            fmt::format("{}: {} bytes, more than the {} it may hold", path, size, max_bytes));
    }
    std::string text(size, '\0');
    TRY_ASSIGN(std::size_t read,
               file->read_at(0, std::span(reinterpret_cast<uint8_t*>(text.data()), text.size())));
    text.resize(read);
    return std::optional<std::string>(std::move(text));
}

}  // namespace brook
