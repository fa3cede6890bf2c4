#include "sim/sim_disk.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"

namespace brook::sim {
namespace {

std::string_view mode_name(OpenMode mode) {
    switch (mode) {
        case OpenMode::read_only:
            return "read_only";
        case OpenMode::read_write:
            return "read_write";
        case OpenMode::create:
            return "create";
        case OpenMode::create_new:
            return "create_new";
    }
    UNREACHABLE("open mode {}", static_cast<int>(mode));
}

Error dead_handle(std::string_view operation, std::string_view path) {
    return Error(ErrorCode::io_error,
                 fmt::format("{} {}: file handle from before a crash", operation, path));
}

// Calls on_gain(inode) for each entry of `after` and on_loss(inode) for each entry of `before`,
// except entries in both that name the same inode: those keep their link. Both maps are sorted
// by name, so this is one merge. A directory of hundreds of segment files is synced after every
// roll and retention, and most of its entries are old: linking them all again and dropping them
// all (each drop a candidate for collection) was most of a retention-heavy seed's time.
template <typename OnGain, typename OnLoss>
void for_each_changed_entry(const std::map<std::string, uint64_t>& before,
                            const std::map<std::string, uint64_t>& after, OnGain on_gain,
                            OnLoss on_loss) {
    auto old_entry = before.begin();
    auto new_entry = after.begin();
    while (old_entry != before.end() || new_entry != after.end()) {
        if (new_entry == after.end() ||
            (old_entry != before.end() && old_entry->first < new_entry->first)) {
            on_loss(old_entry->second);
            ++old_entry;
        } else if (old_entry == before.end() || new_entry->first < old_entry->first) {
            on_gain(new_entry->second);
            ++new_entry;
        } else {
            if (old_entry->second != new_entry->second) {
                on_gain(new_entry->second);
                on_loss(old_entry->second);
            }
            ++old_entry;
            ++new_entry;
        }
    }
}

}  // namespace

// A handle on one inode. It holds no bytes: every call goes to the disk, which knows whether
// the handle is still alive (a crash or the disk's destruction sets disk_ to null).
class SimFile final : public File {
public:
    SimFile(SimDisk& disk, uint64_t handle, SimDisk::InodeId inode, bool writable, std::string path)
        : disk_(&disk),
          handle_(handle),
          inode_(inode),
          writable_(writable),
          path_(std::move(path)) {}
    ~SimFile() override {
        if (disk_ != nullptr) disk_->file_closed(*this);
    }

    Result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override {
        if (disk_ == nullptr) return dead_handle("read", path_);
        return disk_->file_read(*this, offset, buffer);
    }
    Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) override {
        if (disk_ == nullptr) return dead_handle("write", path_);
        return disk_->file_write(*this, offset, bytes);
    }
    Result<void> sync() override {
        if (disk_ == nullptr) return dead_handle("sync", path_);
        return disk_->file_sync(*this);
    }
    Result<void> truncate(uint64_t size) override {
        if (disk_ == nullptr) return dead_handle("truncate", path_);
        return disk_->file_truncate(*this, size);
    }
    Result<uint64_t> size() override {
        if (disk_ == nullptr) return dead_handle("size", path_);
        return disk_->file_size(*this);
    }

private:
    friend class SimDisk;
    SimDisk* disk_;
    uint64_t handle_;
    SimDisk::InodeId inode_;
    bool writable_;
    std::string path_;  // as opened, for errors and the trace
};

SimDisk::SimDisk(Scheduler& scheduler, Random random, Trace& trace, std::string node_name)
    : scheduler_(scheduler), random_(random), trace_(trace), node_name_(std::move(node_name)) {
    InodeId root = new_inode(true, "");
    ASSERT(root == kRootInode);
}

SimDisk::~SimDisk() {
    for (auto& [number, handle] : handles_) handle->disk_ = nullptr;
}

void SimDisk::set_faults(const SimDiskFaults& faults) {
    ASSERT(faults.sync_latency_min >= Duration::zero() &&
               faults.sync_latency_min <= faults.sync_latency_max,
           "sync latency range [{}, {}] ns", faults.sync_latency_min.count(),
           faults.sync_latency_max.count());
    faults_ = faults;
    trace("disk.faults",
          "read_error_ppm={} write_error_ppm={} sync_error_ppm={} sync_directory_error_ppm={} "
          "write_bit_flip_ppm={} crash_keep_all_ppm={} crash_keep_none_ppm={} crash_tear_ppm={} "
          "capacity_bytes={} sync_latency_us={}..{}",
          faults.read_error_ppm, faults.write_error_ppm, faults.sync_error_ppm,
          faults.sync_directory_error_ppm, faults.write_bit_flip_ppm, faults.crash_keep_all_ppm,
          faults.crash_keep_none_ppm, faults.crash_tear_ppm, faults.capacity_bytes,
          faults.sync_latency_min.count() / 1000, faults.sync_latency_max.count() / 1000);
}

bool SimDisk::roll(uint32_t ppm) {
    // Certain outcomes draw nothing, so "always" and "never" profiles keep the stream short.
    if (ppm == 0) return false;
    if (ppm >= kPartsPerMillion) return true;
    return random_.chance(ppm, kPartsPerMillion);
}

Duration SimDisk::draw_sync_latency() {
    int64_t low = faults_.sync_latency_min.count();
    int64_t high = faults_.sync_latency_max.count();
    return Duration(low == high ? low : random_.between(low, high));
}

// --- Paths ---

Result<std::vector<std::string_view>> SimDisk::split_path(std::string_view path, bool allow_root) {
    std::vector<std::string_view> names;
    if (path.empty()) {
        if (allow_root) return names;
        return Error(ErrorCode::invalid_argument, "empty path");
    }
    if (path.front() == '/') {
        return Error(ErrorCode::invalid_argument, fmt::format("absolute path '{}'", path));
    }
    std::size_t start = 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        std::string_view name = path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (name.empty() || name == "." || name == "..") {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("path '{}' has an empty, '.' or '..' part", path));
        }
        names.push_back(name);
        if (slash == std::string_view::npos) return names;
        start = slash + 1;
    }
}

Result<SimDisk::InodeId> SimDisk::resolve_parent(const std::vector<std::string_view>& names,
                                                 std::string_view path) const {
    InodeId id = kRootInode;
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
        const Inode& directory = inodes_.at(id);
        auto it = directory.entries.find(std::string(names[i]));
        if (it == directory.entries.end() || !inodes_.at(it->second).directory) {
            return Error(ErrorCode::not_found,
                         fmt::format("'{}': no directory '{}'", path, names[i]));
        }
        id = it->second;
    }
    return id;
}

Result<SimDisk::InodeId> SimDisk::resolve(std::string_view path) const {
    TRY_ASSIGN(auto names, split_path(path, true));
    if (names.empty()) return kRootInode;
    TRY_ASSIGN(InodeId parent, resolve_parent(names, path));
    const Inode& directory = inodes_.at(parent);
    auto it = directory.entries.find(std::string(names.back()));
    if (it == directory.entries.end()) {
        return Error(ErrorCode::not_found, fmt::format("'{}' does not exist", path));
    }
    return it->second;
}

Result<SimDisk::InodeId> SimDisk::resolve_file(std::string_view path) const {
    TRY_ASSIGN(InodeId id, resolve(path));
    if (inodes_.at(id).directory) {
        return Error(ErrorCode::invalid_argument, fmt::format("'{}' is a directory", path));
    }
    return id;
}

// --- Inodes and entries ---

SimDisk::InodeId SimDisk::new_inode(bool directory, std::string label) {
    InodeId id = next_inode_++;
    Inode& inode = inodes_[id];
    inode.directory = directory;
    inode.label = std::move(label);
    return id;
}

void SimDisk::link(InodeId directory, const std::string& name, InodeId inode) {
    Inode& parent = inodes_.at(directory);
    ASSERT(parent.directory);
    used_bytes_.reset();
    auto [entry, added] = parent.entries.try_emplace(name, inode);
    if (!added) {
        drop_link(entry->second);
        entry->second = inode;
    }
    ++inodes_.at(inode).links;
    ++parent.entries_version;
}

void SimDisk::unlink(InodeId directory, const std::string& name) {
    Inode& parent = inodes_.at(directory);
    used_bytes_.reset();
    auto entry = parent.entries.find(name);
    ASSERT(entry != parent.entries.end(), "unlink of missing entry '{}'", name);
    drop_link(entry->second);
    parent.entries.erase(entry);
    ++parent.entries_version;
}

bool SimDisk::is_ancestor(InodeId ancestor, InodeId inode) const {
    // Directories have one current parent, so a walk down from `ancestor` is enough.
    if (ancestor == inode) return true;
    const Inode& directory = inodes_.at(ancestor);
    if (!directory.directory) return false;
    for (const auto& [name, child] : directory.entries) {
        if (is_ancestor(child, inode)) return true;
    }
    return false;
}

uint64_t SimDisk::mark_reachable(bool through_durable_entries) const {
    uint64_t mark = ++last_mark_;
    const Inode& root = inodes_.at(kRootInode);
    root.mark = mark;
    std::vector<const Inode*>& stack = mark_stack_;
    stack.assign(1, &root);
    auto visit = [&](InodeId id) {
        const Inode& child = inodes_.at(id);
        if (child.mark == mark) return;
        child.mark = mark;
        if (child.directory) stack.push_back(&child);
    };
    while (!stack.empty()) {
        const Inode& directory = *stack.back();
        stack.pop_back();
        for (const auto& [name, child] : directory.entries) visit(child);
        if (!through_durable_entries) continue;
        for (const auto& [name, child] : directory.durable_entries) visit(child);
    }
    return mark;
}

std::size_t SimDisk::garbage_count() const {
    uint64_t reachable = mark_reachable(true);
    return static_cast<std::size_t>(
        std::count_if(inodes_.begin(), inodes_.end(), [&](const auto& entry) {
            return entry.second.mark != reachable && entry.second.open_handles == 0;
        }));
}

void SimDisk::collect_garbage(bool trace_losses) {
    uint64_t reachable = mark_reachable(true);
    for (auto it = inodes_.begin(); it != inodes_.end();) {
        if (it->second.mark == reachable || it->second.open_handles != 0) {
            ++it;
            continue;
        }
        if (trace_losses) trace("disk.crash.gone", "path={}", it->second.label);
        it = inodes_.erase(it);
    }
    count_links();
    dropped_links_.clear();
}

void SimDisk::count_links() {
    for (auto& [id, inode] : inodes_) inode.links = 0;
    for (const auto& [id, inode] : inodes_) {
        for (const auto& [name, child] : inode.entries) ++inodes_.at(child).links;
        for (const auto& [name, child] : inode.durable_entries) ++inodes_.at(child).links;
    }
}

bool SimDisk::links_counted() const {
    std::map<InodeId, uint32_t> counted;
    for (const auto& [id, inode] : inodes_) {
        for (const auto& [name, child] : inode.entries) ++counted[child];
        for (const auto& [name, child] : inode.durable_entries) ++counted[child];
    }
    return std::all_of(inodes_.begin(), inodes_.end(), [&](const auto& entry) {
        auto it = counted.find(entry.first);
        return entry.second.links == (it == counted.end() ? 0 : it->second);
    });
}

void SimDisk::drop_link(InodeId id) {
    Inode& inode = inodes_.at(id);
    ASSERT(inode.links > 0, "inode {} ('{}') loses a link it does not have", id, inode.label);
    --inode.links;
    dropped_links_.push_back(id);
}

void SimDisk::collect_dropped() {
    std::vector<InodeId> dropped;
    dropped.swap(dropped_links_);
    for (InodeId id : dropped) {
        auto it = inodes_.find(id);
        if (it == inodes_.end()) continue;  // listed twice, and gone already
        if (it->second.directory) {
            // Directories hold others up, in chains and even in cycles through the durable
            // entries that renames leave behind: a full walk decides.
            collect_garbage(false);
            return;
        }
        if (it->second.links == 0 && it->second.open_handles == 0) inodes_.erase(it);
    }
}

uint64_t SimDisk::used_bytes() const {
    if (!used_bytes_) used_bytes_ = count_used_bytes();
    return *used_bytes_;
}

uint64_t SimDisk::count_used_bytes() const {
    // Live files: reachable through current entries, or open.
    uint64_t live = mark_reachable(false);
    uint64_t total = 0;
    for (const auto& [id, inode] : inodes_) {
        if (inode.mark == live || inode.open_handles != 0) total += inode.current.size();
    }
    return total;
}

void SimDisk::resized_open_file(uint64_t old_size, uint64_t new_size) {
    if (used_bytes_) *used_bytes_ = *used_bytes_ - old_size + new_size;
}

Result<void> SimDisk::check_space(uint64_t old_size, uint64_t new_size) const {
    if (new_size > kFileBytesMax) {
        return Error(ErrorCode::no_space,
                     fmt::format("size {} beyond the simulator's file limit", new_size));
    }
    if (faults_.capacity_bytes == UINT64_MAX || new_size <= old_size) return ok();
    uint64_t used = used_bytes();
    if (used + (new_size - old_size) > faults_.capacity_bytes) {
        return Error(ErrorCode::no_space,
                     fmt::format("{} bytes used, {} more needed, capacity {}", used,
                                 new_size - old_size, faults_.capacity_bytes));
    }
    return ok();
}

// --- Byte images ---

void SimDisk::apply_write(std::vector<uint8_t>& bytes, uint64_t offset,
                          std::span<const uint8_t> data) {
    if (data.empty()) return;
    if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size(), 0);
    std::copy(data.begin(), data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
}

void SimDisk::apply(std::vector<uint8_t>& bytes, const Operation& operation) {
    if (operation.kind == Operation::Kind::write) {
        apply_write(bytes, operation.offset_or_size, operation.bytes);
    } else {
        bytes.resize(operation.offset_or_size, 0);
    }
}

std::vector<uint8_t> SimDisk::replay(const Inode& inode) {
    std::vector<uint8_t> bytes = inode.durable;
    for (const Operation& operation : inode.pending) apply(bytes, operation);
    return bytes;
}

bool SimDisk::folded_matches_current(const Inode& inode, std::size_t folded) {
    std::span<const Operation> operations(inode.pending);
    bool only_writes = std::all_of(
        operations.begin(), operations.begin() + folded,
        [](const Operation& operation) { return operation.kind == Operation::Kind::write; });
    if (folded < operations.size() || !only_writes) {
        Inode rest;
        rest.durable = inode.durable;
        rest.pending.assign(operations.begin() + folded, operations.end());
        return replay(rest) == inode.current;
    }
    // Nothing is left pending, so durable must now equal current. Before the sync it did except
    // where the folded writes landed (durable + pending == current held), and writes only
    // overwrite or extend: the size and those ranges are the whole comparison.
    if (inode.durable.size() != inode.current.size()) return false;
    for (const Operation& operation : operations) {
        auto start = static_cast<std::ptrdiff_t>(operation.offset_or_size);
        auto end = start + static_cast<std::ptrdiff_t>(operation.bytes.size());
        if (!std::equal(inode.durable.begin() + start, inode.durable.begin() + end,
                        inode.current.begin() + start)) {
            return false;
        }
    }
    return true;
}

// --- Disk ---

Result<std::unique_ptr<File>> SimDisk::open(std::string_view path, OpenMode mode) {
    TRY_ASSIGN(auto names, split_path(path, false));
    TRY_ASSIGN(InodeId parent, resolve_parent(names, path));
    std::string name(names.back());
    const auto& entries = inodes_.at(parent).entries;
    auto it = entries.find(name);
    InodeId id;
    bool created = false;
    if (it == entries.end()) {
        if (mode == OpenMode::read_only || mode == OpenMode::read_write) {
            return Error(ErrorCode::not_found, fmt::format("open '{}': no such file", path));
        }
        id = new_inode(false, std::string(path));
        link(parent, name, id);
        created = true;
    } else {
        id = it->second;
        if (mode == OpenMode::create_new) {
            return Error(ErrorCode::already_exists, fmt::format("open '{}': exists", path));
        }
        if (inodes_.at(id).directory) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("open '{}': is a directory", path));
        }
    }
    uint64_t handle = next_handle_++;
    auto file = std::make_unique<SimFile>(*this, handle, id, mode != OpenMode::read_only,
                                          std::string(path));
    handles_.emplace(handle, file.get());
    ++inodes_.at(id).open_handles;
    used_bytes_.reset();
    trace("disk.open", "file={} mode={} created={} handle={}", path, mode_name(mode), created,
          handle);
    return std::unique_ptr<File>(std::move(file));
}

Result<void> SimDisk::rename(std::string_view from, std::string_view to) {
    TRY_ASSIGN(auto from_names, split_path(from, false));
    TRY_ASSIGN(auto to_names, split_path(to, false));
    TRY_ASSIGN(InodeId from_parent, resolve_parent(from_names, from));
    TRY_ASSIGN(InodeId to_parent, resolve_parent(to_names, to));
    std::string from_name(from_names.back());
    std::string to_name(to_names.back());
    const auto& from_entries = inodes_.at(from_parent).entries;
    auto source = from_entries.find(from_name);
    if (source == from_entries.end()) {
        return Error(ErrorCode::not_found, fmt::format("rename '{}': no such entry", from));
    }
    InodeId id = source->second;
    if (from_parent == to_parent && from_name == to_name) {
        trace("disk.rename", "from={} to={} replaced=false", from, to);
        return ok();
    }
    bool moving_directory = inodes_.at(id).directory;
    if (moving_directory && is_ancestor(id, to_parent)) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("rename '{}' into itself as '{}'", from, to));
    }
    const auto& to_entries = inodes_.at(to_parent).entries;
    auto target = to_entries.find(to_name);
    bool replaced = target != to_entries.end();
    if (replaced) {
        const Inode& existing = inodes_.at(target->second);
        if (existing.directory != moving_directory || !existing.entries.empty()) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("rename '{}' over '{}': not a file over a file or a "
                                     "directory over an empty directory",
                                     from, to));
        }
    }
    unlink(from_parent, from_name);
    link(to_parent, to_name, id);
    inodes_.at(id).label = std::string(to);
    trace("disk.rename", "from={} to={} replaced={}", from, to, replaced);
    collect_dropped();
    return ok();
}

Result<void> SimDisk::remove(std::string_view path) {
    TRY_ASSIGN(auto names, split_path(path, false));
    TRY_ASSIGN(InodeId parent, resolve_parent(names, path));
    std::string name(names.back());
    const auto& entries = inodes_.at(parent).entries;
    auto it = entries.find(name);
    if (it == entries.end()) {
        return Error(ErrorCode::not_found, fmt::format("remove '{}': no such entry", path));
    }
    const Inode& inode = inodes_.at(it->second);
    if (inode.directory && !inode.entries.empty()) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("remove '{}': directory not empty", path));
    }
    unlink(parent, name);
    trace("disk.remove", "path={}", path);
    collect_dropped();
    return ok();
}

Result<void> SimDisk::make_directory(std::string_view path) {
    TRY_ASSIGN(auto names, split_path(path, true));
    InodeId id = kRootInode;
    std::string prefix;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i != 0) prefix += '/';
        prefix += names[i];
        std::string name(names[i]);
        const auto& entries = inodes_.at(id).entries;
        auto it = entries.find(name);
        if (it == entries.end()) {
            InodeId created = new_inode(true, prefix);
            link(id, name, created);
            trace("disk.mkdir", "path={}", prefix);
            id = created;
        } else if (inodes_.at(it->second).directory) {
            id = it->second;
        } else {
            return Error(ErrorCode::already_exists,
                         fmt::format("make_directory '{}': '{}' is a file", path, prefix));
        }
    }
    return ok();
}

Result<std::vector<std::string>> SimDisk::list_directory(std::string_view path) {
    TRY_ASSIGN(InodeId id, resolve(path));
    const Inode& directory = inodes_.at(id);
    if (!directory.directory) {
        return Error(ErrorCode::invalid_argument, fmt::format("list '{}': not a directory", path));
    }
    std::vector<std::string> names;
    for (const auto& [name, child] : directory.entries) names.push_back(name);
    trace("disk.list", "path={} entries={}", path, names.size());
    return names;
}

Result<void> SimDisk::sync_directory(std::string_view path) {
    TRY_ASSIGN(InodeId id, resolve(path));
    if (!inodes_.at(id).directory) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("sync_directory '{}': not a directory", path));
    }
    // Everything is decided before parking: a fiber killed while parked (the node crashed)
    // unwinds from park() and leaves nothing half done.
    std::map<std::string, InodeId> snapshot = inodes_.at(id).entries;
    uint64_t version = inodes_.at(id).entries_version;
    Duration latency = draw_sync_latency();
    bool fail = roll(faults_.sync_directory_error_ppm);
    uint64_t crashes = crash_count_;
    trace("disk.sync_directory", "path={} entries={} latency_us={}", path, snapshot.size(),
          latency.count() / 1000);
    Instant deadline = scheduler_.now() + latency;
    while (scheduler_.now() < deadline) scheduler_.park(deadline);
    // Other fibers ran meanwhile: the directory may be gone, or a later sync may have finished.
    if (crash_count_ != crashes) {
        return Error(ErrorCode::io_error, fmt::format("sync_directory '{}': crashed", path));
    }
    if (fail) {
        trace("disk.fault", "kind=sync_directory_error path={}", path);
        return Error(ErrorCode::io_error, fmt::format("sync_directory '{}': EIO", path));
    }
    auto it = inodes_.find(id);
    if (it != inodes_.end() && version > it->second.durable_version) {
        // A file removed while the sync waited, and collected (closed, no durable entry), is
        // gone: its entry is not made durable (see the model at the top of sim_disk.h).
        std::erase_if(snapshot, [&](const auto& entry) { return !inodes_.contains(entry.second); });
        for_each_changed_entry(
            it->second.durable_entries, snapshot, [&](InodeId gained) { ++inodes_.at(gained).links; },
            [&](InodeId lost) { drop_link(lost); });
        it->second.durable_entries = std::move(snapshot);
        it->second.durable_version = version;
    }
    trace("disk.synced_directory", "path={}", path);
    collect_dropped();
    return ok();
}

Result<bool> SimDisk::exists(std::string_view path) {
    TRY(split_path(path, true));  // a malformed path is an error, not "absent"
    Result<InodeId> id = resolve(path);
    trace("disk.exists", "path={} exists={}", path, id.ok());
    return id.ok();
}

// --- Files ---

Result<std::size_t> SimDisk::file_read(SimFile& file, uint64_t offset, std::span<uint8_t> buffer) {
    const Inode& inode = inodes_.at(file.inode_);
    if (roll(faults_.read_error_ppm)) {
        trace("disk.fault", "kind=read_error file={} offset={} length={}", file.path_, offset,
              buffer.size());
        return Error(ErrorCode::io_error, fmt::format("read '{}': EIO", file.path_));
    }
    uint64_t size = inode.current.size();
    std::size_t count = offset >= size ? 0 : std::min<uint64_t>(buffer.size(), size - offset);
    if (count > 0) {  // an empty file's vector may have no storage at all: no iterator math
        std::copy_n(inode.current.begin() + static_cast<std::ptrdiff_t>(offset), count,
                    buffer.begin());
    }
    trace("disk.read", "file={} offset={} length={} read={}", file.path_, offset, buffer.size(),
          count);
    return count;
}

Result<void> SimDisk::file_write(SimFile& file, uint64_t offset, std::span<const uint8_t> bytes) {
    if (!file.writable_) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("write '{}': opened read-only", file.path_));
    }
    Inode& inode = inodes_.at(file.inode_);
    if (offset > kFileBytesMax || bytes.size() > kFileBytesMax - offset) {
        return Error(ErrorCode::no_space, fmt::format("write '{}' at {}: beyond the simulator's "
                                                      "file limit",
                                                      file.path_, offset));
    }
    uint64_t old_size = inode.current.size();
    uint64_t new_size = std::max<uint64_t>(old_size, offset + bytes.size());
    if (auto space = check_space(old_size, new_size); !space) {
        trace("disk.fault", "kind=no_space file={} offset={} length={}", file.path_, offset,
              bytes.size());
        return Error(space.error()).wrap(fmt::format("write '{}'", file.path_));
    }
    Operation operation{
        Operation::Kind::write, offset, {bytes.begin(), bytes.end()}, inode.next_sequence};
    bool fail = roll(faults_.write_error_ppm);
    if (fail) {
        // A failed write may have written any prefix of its bytes (disk.h allows any part).
        operation.bytes.resize(random_.uniform(bytes.size() + 1));
        trace("disk.fault", "kind=write_error file={} offset={} length={} written={}", file.path_,
              offset, bytes.size(), operation.bytes.size());
    } else if (!bytes.empty() && roll(faults_.write_bit_flip_ppm)) {
        uint64_t bit = random_.uniform(bytes.size() * 8);
        operation.bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        trace("disk.fault", "kind=bit_flip file={} offset={} bit={}", file.path_, offset + bit / 8,
              bit % 8);
    }
    if (!operation.bytes.empty()) {
        apply(inode.current, operation);
        resized_open_file(old_size, inode.current.size());
        ++inode.next_sequence;
        inode.pending.push_back(std::move(operation));
    }
    if (fail) return Error(ErrorCode::io_error, fmt::format("write '{}': EIO", file.path_));
    trace("disk.write", "file={} offset={} length={}", file.path_, offset, bytes.size());
    return ok();
}

Result<void> SimDisk::file_truncate(SimFile& file, uint64_t size) {
    if (!file.writable_) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("truncate '{}': opened read-only", file.path_));
    }
    Inode& inode = inodes_.at(file.inode_);
    if (auto space = check_space(inode.current.size(), size); !space) {
        trace("disk.fault", "kind=no_space file={} truncate={}", file.path_, size);
        return Error(space.error()).wrap(fmt::format("truncate '{}'", file.path_));
    }
    Operation operation{Operation::Kind::truncate, size, {}, inode.next_sequence++};
    uint64_t old_size = inode.current.size();
    apply(inode.current, operation);
    resized_open_file(old_size, inode.current.size());
    inode.pending.push_back(std::move(operation));
    trace("disk.truncate", "file={} size={}", file.path_, size);
    return ok();
}

Result<uint64_t> SimDisk::file_size(SimFile& file) {
    uint64_t size = inodes_.at(file.inode_).current.size();
    trace("disk.size", "file={} size={}", file.path_, size);
    return size;
}

Result<void> SimDisk::file_sync(SimFile& file) {
    // Decide everything, then park; see sync_directory. Only operations pending now are
    // covered: those made while this sync waits stay pending.
    uint64_t covered = inodes_.at(file.inode_).next_sequence;
    std::size_t pending = inodes_.at(file.inode_).pending.size();
    Duration latency = draw_sync_latency();
    bool fail = roll(faults_.sync_error_ppm);
    uint64_t crashes = crash_count_;
    trace("disk.sync", "file={} pending={} latency_us={}", file.path_, pending,
          latency.count() / 1000);
    Instant deadline = scheduler_.now() + latency;
    while (scheduler_.now() < deadline) scheduler_.park(deadline);
    if (file.disk_ == nullptr || crash_count_ != crashes) {
        return Error(ErrorCode::io_error, fmt::format("sync '{}': crashed", file.path_));
    }
    if (fail) {
        trace("disk.fault", "kind=sync_error file={}", file.path_);
        return Error(ErrorCode::io_error, fmt::format("sync '{}': EIO", file.path_));
    }
    Inode& inode = inodes_.at(file.inode_);  // still there: the open handle keeps it
    std::size_t folded = 0;
    while (folded < inode.pending.size() && inode.pending[folded].sequence < covered) {
        apply(inode.durable, inode.pending[folded]);
        ++folded;
    }
    EXPENSIVE_ASSERT(folded_matches_current(inode, folded),
                     "sync '{}' broke durable+pending==current", file.path_);
    inode.pending.erase(inode.pending.begin(),
                        inode.pending.begin() + static_cast<std::ptrdiff_t>(folded));
    trace("disk.synced", "file={} made_durable={} still_pending={}", file.path_, folded,
          inode.pending.size());
    return ok();
}

void SimDisk::file_closed(SimFile& file) {
    handles_.erase(file.handle_);
    Inode& inode = inodes_.at(file.inode_);
    ASSERT(inode.open_handles > 0);
    --inode.open_handles;
    used_bytes_.reset();
    trace("disk.close", "file={} handle={}", file.path_, file.handle_);
    // Only this inode can have become garbage, and not while an entry names it.
    if (inode.open_handles == 0 && inode.links == 0) inodes_.erase(file.inode_);
}

// --- Crash and injected corruption ---

void SimDisk::crash() {
    EXPENSIVE_ASSERT(!used_bytes_ || *used_bytes_ == count_used_bytes(),
                     "the used bytes kept up to date ({}) are not the bytes used ({})",
                     used_bytes_.value_or(0), count_used_bytes());
    EXPENSIVE_ASSERT(garbage_count() == 0, "{} unreachable inodes before a crash", garbage_count());
    EXPENSIVE_ASSERT(links_counted(), "an inode's count of the entries naming it is wrong");
    used_bytes_.reset();
    ++crash_count_;
    trace("disk.crash", "inodes={} open_handles={}", inodes_.size(), handles_.size());
    for (auto& [number, handle] : handles_) handle->disk_ = nullptr;
    handles_.clear();
    for (auto& [id, inode] : inodes_) {
        inode.open_handles = 0;
        if (inode.directory) {
            inode.entries = inode.durable_entries;
            // In-flight directory syncs died with the node, so versions only need to agree.
            inode.durable_version = inode.entries_version;
        } else {
            crash_file(id, inode);
        }
    }
    collect_garbage(true);
}

void SimDisk::crash_file(InodeId id, Inode& inode) {
    std::size_t count = inode.pending.size();
    if (count == 0) return;
    std::size_t kept;
    if (roll(faults_.crash_keep_all_ppm)) {
        kept = count;
    } else if (roll(faults_.crash_keep_none_ppm)) {
        kept = 0;
    } else {
        kept = random_.uniform(count + 1);
    }
    for (std::size_t i = 0; i + 1 < kept; ++i) apply(inode.durable, inode.pending[i]);
    std::string torn = "no";
    if (kept > 0) {
        const Operation& last = inode.pending[kept - 1];
        if (last.kind == Operation::Kind::write && roll(faults_.crash_tear_ppm)) {
            // Tear points: the write's start, or a sector boundary strictly inside it.
            uint64_t start = last.offset_or_size;
            uint64_t end = start + last.bytes.size();
            uint64_t first_boundary = (start / kSectorBytes + 1) * kSectorBytes;
            uint64_t inner =
                first_boundary < end ? (end - 1 - first_boundary) / kSectorBytes + 1 : 0;
            uint64_t choice = random_.uniform(inner + 1);
            uint64_t tear = choice == 0 ? start : first_boundary + (choice - 1) * kSectorBytes;
            apply_write(inode.durable, start,
                        std::span<const uint8_t>(last.bytes).first(tear - start));
            torn = fmt::format("{}", tear);
        } else {
            apply(inode.durable, last);
        }
    }
    inode.pending.clear();
    inode.current = inode.durable;
    trace("disk.crash.file", "path={} inode={} kept={}/{} torn_at={} size={}", inode.label, id,
          kept, count, torn, inode.durable.size());
}

Result<void> SimDisk::corrupt(std::string_view path, uint64_t offset) {
    TRY_ASSIGN(InodeId id, resolve_file(path));
    Inode& inode = inodes_.at(id);
    if (offset >= inode.durable.size()) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("corrupt '{}' at {}: durable size is {}", path, offset,
                                 inode.durable.size()));
    }
    uint64_t bit = random_.uniform(8);
    inode.durable[offset] ^= static_cast<uint8_t>(1u << bit);
    inode.current = replay(inode);  // a pending write over the byte hides it from reads
    used_bytes_.reset();
    trace("disk.fault", "kind=corrupt path={} offset={} bit={}", path, offset, bit);
    return ok();
}

Result<uint64_t> SimDisk::flip_random_bit(std::string_view path) {
    TRY_ASSIGN(InodeId id, resolve_file(path));
    uint64_t size = inodes_.at(id).durable.size();
    if (size == 0) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("flip_random_bit '{}': no durable bytes", path));
    }
    uint64_t offset = random_.uniform(size);
    TRY(corrupt(path, offset));
    return offset;
}

// --- Inspection ---

Result<std::vector<uint8_t>> SimDisk::current_contents(std::string_view path) const {
    TRY_ASSIGN(InodeId id, resolve_file(path));
    return inodes_.at(id).current;
}

Result<std::vector<uint8_t>> SimDisk::durable_contents(std::string_view path) const {
    TRY_ASSIGN(InodeId id, resolve_file(path));
    return inodes_.at(id).durable;
}

Result<std::size_t> SimDisk::pending_operation_count(std::string_view path) const {
    TRY_ASSIGN(InodeId id, resolve_file(path));
    return inodes_.at(id).pending.size();
}

Result<std::vector<std::string>> SimDisk::durable_entries(std::string_view directory) const {
    TRY_ASSIGN(InodeId id, resolve(directory));
    const Inode& inode = inodes_.at(id);
    if (!inode.directory) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("'{}' is not a directory", directory));
    }
    std::vector<std::string> names;
    for (const auto& [name, child] : inode.durable_entries) names.push_back(name);
    return names;
}

}  // namespace brook::sim
