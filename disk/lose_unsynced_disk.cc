#include "disk/lose_unsynced_disk.h"

#include <fmt/format.h>

#include <vector>

namespace brook {
namespace {

class LoseUnsyncedFile final : public File {
public:
    LoseUnsyncedFile(std::unique_ptr<File> inner, std::shared_ptr<UnsyncedOverlay> overlay,
                     std::string path, bool writable)
        : inner_(std::move(inner)),
          overlay_(std::move(overlay)),
          path_(std::move(path)),
          writable_(writable) {}

    Result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override {
        if (overlay_->empty()) return inner_->read_at(offset, buffer);
        return overlay_->read(*inner_, offset, buffer);
    }

    Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) override {
        TRY(check_writable("write"));
        TRY_ASSIGN(uint64_t disk_size, disk_size_if_first_change());
        return overlay_->write(disk_size, offset, bytes);
    }

    Result<void> sync() override {
        // Every handle syncs the file's whole overlay, as fdatasync flushes the inode's dirty
        // pages whichever descriptor asks. The overlay's bytes are in the file from here on;
        // writes made while the sync below waits go into the overlay, pending again.
        TRY(overlay_->write_out(*inner_));
        return inner_->sync();  // May suspend.
    }

    Result<void> truncate(uint64_t size) override {
        TRY(check_writable("truncate"));
        TRY_ASSIGN(uint64_t disk_size, disk_size_if_first_change());
        overlay_->truncate(disk_size, size);
        return ok();
    }

    Result<uint64_t> size() override {
        if (overlay_->empty()) return inner_->size();
        return overlay_->size();
    }

private:
    // The file underneath is opened read-write even for a read-only handle, so that any
    // handle can write the overlay out on sync; the handle itself stays read-only.
    Result<void> check_writable(std::string_view operation) const {
        if (writable_) return ok();
        return Error(ErrorCode::io_error,
                     fmt::format("{} {}: EBADF (opened read-only)", operation, path_));
    }

    // The overlay needs the size on disk only when it starts; later changes skip the fstat.
    Result<uint64_t> disk_size_if_first_change() {
        if (!overlay_->empty()) return uint64_t{0};
        return inner_->size();
    }

    std::unique_ptr<File> inner_;
    std::shared_ptr<UnsyncedOverlay> overlay_;
    std::string path_;
    bool writable_;
};

bool is_same_or_under(std::string_view path, std::string_view directory) {
    return path == directory || (path.size() > directory.size() && path.starts_with(directory) &&
                                 path[directory.size()] == '/');
}

}  // namespace

Result<std::unique_ptr<File>> LoseUnsyncedDisk::open(std::string_view path, OpenMode mode) {
    OpenMode inner_mode = mode == OpenMode::read_only ? OpenMode::read_write : mode;
    TRY_ASSIGN(std::unique_ptr<File> inner, inner_.open(path, inner_mode));
    std::shared_ptr<UnsyncedOverlay>& overlay = overlays_[std::string(path)];
    // A file that create_new just made has no past, whatever entry the map held.
    if (overlay == nullptr || mode == OpenMode::create_new) {
        overlay = std::make_shared<UnsyncedOverlay>();
    }
    return std::unique_ptr<File>(std::make_unique<LoseUnsyncedFile>(
        std::move(inner), overlay, std::string(path), mode != OpenMode::read_only));
}

Result<void> LoseUnsyncedDisk::rename(std::string_view from, std::string_view to) {
    TRY(inner_.rename(from, to));
    if (from == to) return ok();  // rename(2) of a file onto itself changes nothing
    // The replaced file's overlay stays with its open handles only. A renamed directory takes
    // the overlays of the files under it along.
    overlays_.erase(std::string(to));
    std::vector<std::string> moved;
    for (auto it = overlays_.lower_bound(from); it != overlays_.end(); ++it) {
        if (!it->first.starts_with(from)) break;
        if (is_same_or_under(it->first, from)) moved.push_back(it->first);
    }
    for (const std::string& path : moved) {
        auto node = overlays_.extract(path);
        node.key() = fmt::format("{}{}", to, std::string_view(path).substr(from.size()));
        overlays_.insert(std::move(node));
    }
    return ok();
}

Result<void> LoseUnsyncedDisk::remove(std::string_view path) {
    TRY(inner_.remove(path));
    if (auto it = overlays_.find(path); it != overlays_.end()) overlays_.erase(it);
    return ok();
}

Result<void> LoseUnsyncedDisk::make_directory(std::string_view path) {
    return inner_.make_directory(path);
}

Result<std::vector<std::string>> LoseUnsyncedDisk::list_directory(std::string_view path) {
    return inner_.list_directory(path);
}

Result<void> LoseUnsyncedDisk::sync_directory(std::string_view path) {
    return inner_.sync_directory(path);  // May suspend.
}

Result<bool> LoseUnsyncedDisk::exists(std::string_view path) {
    return inner_.exists(path);
}

}  // namespace brook
