#include "core/io/disk.h"

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

}  // namespace brook
