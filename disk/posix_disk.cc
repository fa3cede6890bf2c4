#include "disk/posix_disk.h"

#include "disk/sync_worker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/base/check.h"
#include "os/errno_text.h"

namespace brook {
namespace {

ErrorCode error_code_of(int error) {
    switch (error) {
        case ENOENT: return ErrorCode::not_found;
        case EEXIST: return ErrorCode::already_exists;
        case ENOSPC: case EDQUOT: return ErrorCode::no_space;
        // The caller asked for something outside the contract: a file where a directory is
        // expected, removing a directory that is not empty, ...
        case EINVAL: case EISDIR: case ENOTDIR: case ENOTEMPTY: case ENAMETOOLONG:
            return ErrorCode::invalid_argument;
        default: return ErrorCode::io_error;  // EIO, EROFS, EACCES, EMFILE, ...
    }
}

// "pwrite /data/x.log: ENOSPC (No space left on device)"
Error os_error(std::string_view operation, std::string_view path, int error) {
    return Error(error_code_of(error),
                 fmt::format("{} {}: {}", operation, path, errno_text(error)));
}

// Each part of a relative path must name something: no "", "." or "..".
bool is_valid_relative_path(std::string_view path) {
    if (path.empty() || path.front() == '/') return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = std::min(path.find('/', start), path.size());
        std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        if (part.find('\0') != std::string_view::npos) return false;
        start = end + 1;
    }
    return true;
}

class PosixFile final : public File {
public:
    PosixFile(int fd, std::string path, SyncWorker* sync_worker)
        : fd_(fd), path_(std::move(path)), sync_worker_(sync_worker) {}
    ~PosixFile() override { ::close(fd_); }  // close(2) never syncs; errors here mean nothing
    PosixFile(const PosixFile&) = delete;
    PosixFile& operator=(const PosixFile&) = delete;

    Result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override {
        std::size_t filled = 0;
        while (filled < buffer.size()) {
            ssize_t n = ::pread(fd_, buffer.data() + filled, buffer.size() - filled,
                                static_cast<off_t>(offset + filled));
            if (n > 0) {
                filled += static_cast<std::size_t>(n);
            } else if (n == 0) {
                break;  // end of file
            } else if (errno != EINTR) {
                return os_error("pread", path_, errno);
            }
        }
        return filled;
    }

    Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) override {
        std::size_t written = 0;
        while (written < bytes.size()) {
            ssize_t n = ::pwrite(fd_, bytes.data() + written, bytes.size() - written,
                                 static_cast<off_t>(offset + written));
            if (n >= 0) {
                // A short write (a full disk, a signal) continues where it stopped; the next
                // pwrite reports the cause if it persists.
                written += static_cast<std::size_t>(n);
            } else if (errno != EINTR) {
                return os_error("pwrite", path_, errno);
            }
        }
        return ok();
    }

    Result<void> sync() override {
        // fdatasync also flushes the size, which the data needs to be read back. After a
        // failure the kernel may have dropped the dirty pages: nothing is known to be durable.
        int error = sync_worker_ != nullptr ? sync_worker_->sync(fd_, /*full=*/false)
                    : ::fdatasync(fd_) != 0     ? errno
                                                : 0;
        if (error != 0) return os_error("fdatasync", path_, error);
        return ok();
    }

    Result<void> truncate(uint64_t size) override {
        while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
            if (errno != EINTR) return os_error("ftruncate", path_, errno);
        }
        return ok();
    }

    Result<uint64_t> size() override {
        struct stat status {};
        if (::fstat(fd_, &status) != 0) return os_error("fstat", path_, errno);
        return static_cast<uint64_t>(status.st_size);
    }

private:
    int fd_;
    std::string path_;
    SyncWorker* sync_worker_;
};

int open_flags(OpenMode mode) {
    switch (mode) {
        case OpenMode::read_only: return O_RDONLY;
        case OpenMode::read_write: return O_RDWR;
        case OpenMode::create: return O_RDWR | O_CREAT;
        case OpenMode::create_new: return O_RDWR | O_CREAT | O_EXCL;
    }
    UNREACHABLE("open mode {}", static_cast<int>(mode));
}

// mkdir -p: the common case (the parent exists) costs one syscall.
Result<void> make_directories(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) == 0) return ok();
    int error = errno;
    if (error == ENOENT) {
        std::size_t slash = path.rfind('/');
        if (slash == std::string::npos || slash == 0) return os_error("mkdir", path, error);
        TRY(make_directories(path.substr(0, slash)));
        if (::mkdir(path.c_str(), 0755) == 0) return ok();
        error = errno;
    }
    if (error != EEXIST) return os_error("mkdir", path, error);
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return os_error("stat", path, errno);
    if (!S_ISDIR(status.st_mode)) {
        return Error(ErrorCode::already_exists, fmt::format("mkdir {}: a file is in the way", path));
    }
    return ok();
}

}  // namespace

PosixDisk::PosixDisk(std::string root) : root_(std::move(root)) {
    ASSERT(!root_.empty(), "a PosixDisk needs a root directory");
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Result<std::string> PosixDisk::full_path(std::string_view operation, std::string_view path,
                                         bool allow_root) const {
    if (path.empty() && allow_root) return root_;
    if (!is_valid_relative_path(path)) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("{} '{}': not a relative path without '.' or '..' parts",
                                 operation, path));
    }
    return fmt::format("{}/{}", root_, path);
}

Result<std::unique_ptr<File>> PosixDisk::open(std::string_view path, OpenMode mode) {
    TRY_ASSIGN(std::string full, full_path("open", path, /*allow_root=*/false));
    int fd = -1;
    do {
        fd = ::open(full.c_str(), open_flags(mode) | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return os_error("open", full, errno);
    auto file = std::make_unique<PosixFile>(fd, full, sync_worker_);  // closes fd on every return below
    // O_RDONLY opens a directory without complaint; a File is always a regular file.
    struct stat status {};
    if (::fstat(fd, &status) != 0) return os_error("fstat", full, errno);
    if (!S_ISREG(status.st_mode)) return os_error("open", full, EISDIR);
    return std::unique_ptr<File>(std::move(file));
}

Result<void> PosixDisk::rename(std::string_view from, std::string_view to) {
    TRY_ASSIGN(std::string full_from, full_path("rename", from, /*allow_root=*/false));
    TRY_ASSIGN(std::string full_to, full_path("rename", to, /*allow_root=*/false));
    if (::rename(full_from.c_str(), full_to.c_str()) != 0) {
        return os_error("rename", fmt::format("{} -> {}", full_from, full_to), errno);
    }
    return ok();
}

Result<void> PosixDisk::remove(std::string_view path) {
    TRY_ASSIGN(std::string full, full_path("remove", path, /*allow_root=*/false));
    if (::unlink(full.c_str()) == 0) return ok();
    // Linux answers EISDIR for a directory (POSIX says EPERM).
    if (errno != EISDIR && errno != EPERM) return os_error("unlink", full, errno);
    if (::rmdir(full.c_str()) != 0) return os_error("rmdir", full, errno);
    return ok();
}

Result<void> PosixDisk::make_directory(std::string_view path) {
    TRY_ASSIGN(std::string full, full_path("make_directory", path, /*allow_root=*/true));
    return make_directories(full);
}

Result<std::vector<std::string>> PosixDisk::list_directory(std::string_view path) {
    TRY_ASSIGN(std::string full, full_path("list_directory", path, /*allow_root=*/true));
    DIR* directory = ::opendir(full.c_str());
    if (directory == nullptr) return os_error("opendir", full, errno);
    std::vector<std::string> names;
    while (true) {
        errno = 0;
        dirent* entry = ::readdir(directory);
        if (entry == nullptr) break;
        std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        names.emplace_back(name);
    }
    int error = errno;
    ::closedir(directory);
    if (error != 0) return os_error("readdir", full, error);
    std::sort(names.begin(), names.end());  // std::string compares as unsigned bytes
    return names;
}

Result<void> PosixDisk::sync_directory(std::string_view path) {
    TRY_ASSIGN(std::string full, full_path("sync_directory", path, /*allow_root=*/true));
    int fd = ::open(full.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return os_error("open directory", full, errno);
    int error = sync_worker_ != nullptr ? sync_worker_->sync(fd, /*full=*/true)
                : ::fsync(fd) != 0          ? errno
                                            : 0;
    ::close(fd);
    if (error != 0) return os_error("fsync directory", full, error);
    return ok();
}

Result<bool> PosixDisk::exists(std::string_view path) {
    TRY_ASSIGN(std::string full, full_path("exists", path, /*allow_root=*/true));
    struct stat status {};
    if (::stat(full.c_str(), &status) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return os_error("stat", full, errno);
}

}  // namespace brook
