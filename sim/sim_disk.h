// SimDisk: one node's disk, in memory, with an explicit durability model and injected faults.
//
//   SimDisk disk(scheduler, random.fork(), trace, "n1");
//   disk.set_faults({.write_error_ppm = 1000, .sync_latency_max = milliseconds(20)});
//   ... the node's code uses it as a Disk ...
//   scheduler.kill_group(node_group);   // the node's process dies: its fibers unwind
//   disk.crash();                       // power loss: unsynced state is dropped or torn
//
// THE DURABILITY MODEL (the contract of core/io/disk.h, made exact)
//
// A file is an inode with two things: its `durable` bytes, which a crash cannot take away, and
// the list of `pending` operations made since then, in order: write_at {offset, bytes} and
// truncate {size}. Reads, size() and the space accounting see the current state: the durable
// bytes with every pending operation applied, as a page cache would show them.
//
// A directory has `current` entries (name -> inode), which every lookup uses, and `durable`
// entries, a copy of the current ones taken when a sync_directory() of that directory started.
// Directories are themselves entries of their parent. create (open with create/create_new),
// make_directory, rename and remove change current entries only. The root "" always exists.
//
// What is durable when:
//   - File::sync() returns ok: every operation that was pending when the sync STARTED has been
//     folded into the durable bytes. Operations made while the sync waited stay pending.
//   - sync_directory(d) returns ok: d's durable entries are its current entries as of the start
//     of that sync, less any file removed meanwhile that nothing else kept (no durable entry, no
//     open handle): that removal counts as synced too. Nothing else: the entry of d in its own
//     parent needs the parent's sync, and a synced file whose entry is not durable is lost with
//     its entry.
//   - A failed sync (io_error) makes nothing durable and drops nothing; the operations stay
//     pending, so a crash may still keep or lose them.
//
// What a crash keeps (crash(), after the simulator killed the node's fibers):
//   1. Every file inode keeps its durable bytes plus a PREFIX of its pending operations: all of
//      them, none, or a random count, as SimDiskFaults::crash_* chooses. Operations are never
//      kept out of order: if write 3 survived, writes 1 and 2 did too.
//   2. If the last kept operation is a write, it may be torn: only its first t bytes reach the
//      disk, where offset + t is either the write's start or a multiple of 512 (a sector
//      boundary of the file) inside the write. The rest of its range keeps the old bytes; the
//      file grows only as far as the bytes that arrived.
//   3. Every directory reverts to its durable entries. An inode that is no longer reachable
//      from the root through them is gone (an unsynced create vanishes; an unsynced remove or
//      rename is undone).
//   4. What remains is the new durable baseline: nothing is pending anymore. File handles from
//      before the crash are dead: every operation on them fails with io_error.
//   A sync still waiting when the node crashed never completes: its fiber was killed and made
//   nothing durable. A rename between two directories is two entry changes, each durable only
//   with its own directory, so after a crash the file may be under the old name, the new name,
//   both or neither, depending on which directories were synced. Rename within one directory.
//
// Faults while running (SimDiskFaults, odds in parts per million, changeable at any time):
//   - read, write, sync and sync_directory fail with io_error. A failed write has written a
//     random prefix (maybe empty, maybe whole) of its bytes, as a pending operation like any
//     other. A failed read, sync or sync_directory changes nothing.
//   - a silent bit flip: a write stores its bytes with one bit flipped at a random position and
//     reports success. corrupt() and flip_random_bit() inject the same into durable bytes.
//   - no_space: the current sizes of all live files (linked or open) may not exceed
//     capacity_bytes. A write or growing truncate that would exceed it fails and changes
//     nothing; raising the capacity makes space return.
//   - latency: sync and sync_directory park the calling fiber for a random time in
//     [sync_latency_min, sync_latency_max] of virtual time. Reads and writes never wait.
//
// Every operation and every fault is recorded in the Trace with the node name as actor.
// Recording never draws randomness; with all odds at zero, only latencies and crashes draw.
// Nothing iterates an unordered or pointer-keyed container: a seed replays exactly.
//
// The SimDisk must outlive the fibers that use it (kill the node's group before destroying
// it). File handles may outlive it: they then fail with io_error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/time.h"
#include "core/io/disk.h"
#include "core/io/random.h"
#include "core/runtime/scheduler.h"
#include "sim/trace.h"

namespace brook::sim {

struct SimDiskFaults {
    // io_error odds per operation.
    uint32_t read_error_ppm = 0;
    uint32_t write_error_ppm = 0;
    uint32_t sync_error_ppm = 0;
    uint32_t sync_directory_error_ppm = 0;
    // A successful write silently stores one flipped bit.
    uint32_t write_bit_flip_ppm = 0;

    // Crash, per file with pending operations: keep all of them with crash_keep_all_ppm, else
    // none with crash_keep_none_ppm, else a uniform random prefix of 0..n. Then, if the last
    // kept operation is a write, it is torn with crash_tear_ppm.
    //   "lose everything unsynced": keep_all 0, keep_none 1'000'000.
    //   "the OS flushed it all":    keep_all 1'000'000, tear 0.
    uint32_t crash_keep_all_ppm = 0;
    uint32_t crash_keep_none_ppm = 0;
    uint32_t crash_tear_ppm = 500'000;

    // Sum of the current sizes of live files; beyond it writes fail with no_space.
    uint64_t capacity_bytes = UINT64_MAX;

    // How long a sync or sync_directory parks the caller, in virtual time.
    Duration sync_latency_min = microseconds(100);
    Duration sync_latency_max = milliseconds(2);
};

class SimFile;

class SimDisk final : public Disk {
public:
    static constexpr uint64_t kSectorBytes = 512;
    // A file can not grow past this: the simulator holds every byte in memory.
    static constexpr uint64_t kFileBytesMax = uint64_t{1} << 32;

    SimDisk(Scheduler& scheduler, Random random, Trace& trace, std::string node_name);
    // File handles still open become dead (io_error on every operation).
    ~SimDisk() override;
    SimDisk(const SimDisk&) = delete;
    SimDisk& operator=(const SimDisk&) = delete;

    // --- Disk ---
    Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override;
    Result<void> rename(std::string_view from, std::string_view to) override;
    Result<void> remove(std::string_view path) override;
    Result<void> make_directory(std::string_view path) override;
    Result<std::vector<std::string>> list_directory(std::string_view path) override;
    // May suspend.
    Result<void> sync_directory(std::string_view path) override;
    Result<bool> exists(std::string_view path) override;

    // --- Simulator control ---
    void set_faults(const SimDiskFaults& faults);
    const SimDiskFaults& faults() const { return faults_; }

    // Power loss after the node's process died (its fibers must be dead already): applies the
    // crash rules of the model above and makes the result the new durable state.
    void crash();

    // Flips one random bit of the durable byte at `offset` of the file at `path` (a latent
    // sector error). Reads show it unless a pending write covers the byte. invalid_argument
    // when offset is not below the durable size, not_found when there is no such file.
    Result<void> corrupt(std::string_view path, uint64_t offset);
    // The same at a random offset of the durable bytes; returns the offset chosen.
    Result<uint64_t> flip_random_bit(std::string_view path);

    // --- Inspection, for tests and checkers only (simulator-only; draws no randomness) ---
    // The file's bytes as reads see them now.
    Result<std::vector<uint8_t>> current_contents(std::string_view path) const;
    // The file's durable bytes (what a crash keeping no pending operation would leave).
    Result<std::vector<uint8_t>> durable_contents(std::string_view path) const;
    Result<std::size_t> pending_operation_count(std::string_view path) const;
    // The durable entries of a directory, sorted (what a crash would revert it to).
    Result<std::vector<std::string>> durable_entries(std::string_view directory) const;
    // The bytes counted against capacity_bytes.
    uint64_t used_bytes() const;
    uint64_t crash_count() const { return crash_count_; }
    std::size_t open_file_count() const { return handles_.size(); }

private:
    friend class SimFile;
    using InodeId = uint64_t;
    static constexpr InodeId kRootInode = 1;

    struct Operation {
        enum class Kind { write, truncate };
        Kind kind;
        uint64_t offset_or_size;     // write: offset; truncate: new size
        std::vector<uint8_t> bytes;  // write only
        uint64_t sequence;           // per inode, increasing: which ops a sync covers
    };
    struct Inode {
        bool directory = false;
        std::string label;  // the path it was created or last renamed under, for the trace
        // Files.
        std::vector<uint8_t> durable;
        std::vector<uint8_t> current;
        std::vector<Operation> pending;
        uint64_t next_sequence = 0;
        // Directories.
        std::map<std::string, InodeId> entries;
        std::map<std::string, InodeId> durable_entries;
        uint64_t entries_version = 0;
        uint64_t durable_version = 0;
        // Both.
        uint32_t open_handles = 0;
        // Entries naming it, current and durable, in any directory. Between operations every
        // inode is reachable or open (collect_garbage), so a file that loses its last link and
        // is not open is garbage: collecting it needs no walk.
        uint32_t links = 0;
        mutable uint64_t mark = 0;  // == the latest mark_reachable() result: reachable then
    };

    // File operations, called by SimFile.
    Result<std::size_t> file_read(SimFile& file, uint64_t offset, std::span<uint8_t> buffer);
    Result<void> file_write(SimFile& file, uint64_t offset, std::span<const uint8_t> bytes);
    Result<void> file_sync(SimFile& file);
    Result<void> file_truncate(SimFile& file, uint64_t size);
    Result<uint64_t> file_size(SimFile& file);
    void file_closed(SimFile& file);

    // Paths: checks syntax and splits into names; "" is the root and has no names.
    static Result<std::vector<std::string_view>> split_path(std::string_view path, bool allow_root);
    // The inode a path names through current entries.
    Result<InodeId> resolve(std::string_view path) const;
    // The directory inode that should hold the last name of `names` (not_found if missing).
    Result<InodeId> resolve_parent(const std::vector<std::string_view>& names,
                                   std::string_view path) const;
    Result<InodeId> resolve_file(std::string_view path) const;

    InodeId new_inode(bool directory, std::string label);
    void link(InodeId directory, const std::string& name, InodeId inode);
    void unlink(InodeId directory, const std::string& name);
    bool is_ancestor(InodeId ancestor, InodeId inode) const;
    // Marks every inode reachable from the root through current entries (and through durable
    // ones if asked) with a new mark, and returns it. A walk, no allocation: it runs at every
    // close, remove and directory sync.
    uint64_t mark_reachable(bool through_durable_entries) const;
    // Drops inodes unreachable through current or durable entries and not open, by a full walk,
    // and counts every inode's links again. After a crash, and when a directory lost a link.
    void collect_garbage(bool trace_losses);
    std::size_t garbage_count() const;  // what collect_garbage would drop now
    void count_links();
    bool links_counted() const;  // whether every inode's links are right (a check)
    // An entry naming `id` went away; the inode is a candidate for collect_dropped().
    void drop_link(InodeId id);
    // Drops the candidates that became garbage: a file without links that is not open. Called at
    // the end of every operation that removes entries, so there is no garbage between
    // operations.
    void collect_dropped();
    // Durable bytes with every pending operation applied: what `current` must equal.
    static std::vector<uint8_t> replay(const Inode& inode);
    // After a sync applied the first `folded` pending operations to the durable bytes (and before
    // they leave the pending list): do durable + the rest of pending still give current? Without
    // copying the file in the common case where nothing is left pending.
    static bool folded_matches_current(const Inode& inode, std::size_t folded);
    Result<void> check_space(uint64_t old_size, uint64_t new_size) const;
    // used_bytes() is asked before every write once a capacity is set, so it is kept: counted
    // again after any change of entries or open handles, adjusted when an open file changes size.
    uint64_t count_used_bytes() const;
    void resized_open_file(uint64_t old_size, uint64_t new_size);

    static void apply(std::vector<uint8_t>& bytes, const Operation& operation);
    static void apply_write(std::vector<uint8_t>& bytes, uint64_t offset,
                            std::span<const uint8_t> data);
    void crash_file(InodeId id, Inode& inode);
    Duration draw_sync_latency();
    bool roll(uint32_t ppm);

    template <typename... Args>
    void trace(std::string_view kind, fmt::format_string<Args...> format, Args&&... args) {
        trace_.recordf(scheduler_.now(), node_name_, kind, format, std::forward<Args>(args)...);
    }

    Scheduler& scheduler_;
    Random random_;
    Trace& trace_;
    std::string node_name_;
    SimDiskFaults faults_;
    std::map<InodeId, Inode> inodes_;
    mutable std::optional<uint64_t> used_bytes_;    // see count_used_bytes()
    std::vector<InodeId> dropped_links_;            // see drop_link()
    mutable uint64_t last_mark_ = 0;                // see mark_reachable()
    mutable std::vector<const Inode*> mark_stack_;  // its walk, kept to reuse the storage
    InodeId next_inode_ = kRootInode;
    std::map<uint64_t, SimFile*> handles_;  // by handle number; dead handles are removed
    uint64_t next_handle_ = 1;
    uint64_t crash_count_ = 0;
};

}  // namespace brook::sim
