// MetadataLog::open: the latest valid snapshot, the segments cut at the first bad entry, and
// the two joined. Every repair is logged and made durable before the node acts on the result.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/base/check.h"
#include "core/quorum/metadata_entry_codec.h"
#include "core/quorum/metadata_log.h"
#include "core/quorum/snapshot_file.h"

namespace brook::quorum {
namespace {

std::optional<Offset> parse_segment_file_name(std::string_view name) {
    constexpr std::size_t kDigits = 20;
    if (name.size() != kDigits + 4 || !name.ends_with(".log")) return std::nullopt;
    int64_t base = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + kDigits, base);
    if (error != std::errc() || end != name.data() + kDigits || base < 0) return std::nullopt;
    return Offset(base);
}

// May suspend.
Result<std::vector<uint8_t>> read_whole(File& file) {
    TRY_ASSIGN(uint64_t size, file.size());
    std::vector<uint8_t> bytes(size);
    TRY_ASSIGN(std::size_t read, file.read_at(0, bytes));
    bytes.resize(read);
    return bytes;
}

}  // namespace

Result<OpenedMetadataLog> MetadataLog::open(Disk& disk, Logger logger, std::string directory,
                                            MetadataLogOptions options) {
    TRY(disk.make_directory(directory));
    // A new directory's own entry is durable only with its parent's sync.
    TRY(disk.sync_directory(parent_directory(directory)));  // May suspend.
    TRY_ASSIGN(std::vector<std::string> names, disk.list_directory(directory));
    std::unique_ptr<MetadataLog> log(
        new MetadataLog(disk, std::move(logger), std::move(directory), options));
    for (const std::string& name : names) {
        if (name.ends_with(".tmp")) TRY(disk.remove(log->path_of(name)));  // an unfinished write
    }
    TRY_ASSIGN(std::optional<raft::Snapshot> snapshot, log->load_latest_snapshot(names));
    TRY_ASSIGN(std::vector<raft::Entry> entries, log->load_segments(names));
    TRY_ASSIGN(entries, log->join_snapshot(snapshot, std::move(entries)));
    TRY(log->sync());  // May suspend.
    log->logger_.info("recovered: snapshot {}, entries [{}, {}) in {} segments",
                      snapshot ? snapshot_file_name(snapshot->id) : std::string("none"),
                      log->end_ - static_cast<int64_t>(entries.size()), log->end_,
                      log->segments_.size());
    return OpenedMetadataLog{std::move(log), std::move(snapshot), std::move(entries)};
}

Result<std::optional<raft::Snapshot>> MetadataLog::load_latest_snapshot(
    const std::vector<std::string>& names) {
    std::vector<raft::SnapshotId> ids;
    for (const std::string& name : names) {
        if (auto id = parse_snapshot_file_name(name)) ids.push_back(*id);
    }
    std::sort(ids.begin(), ids.end(), [](const raft::SnapshotId& a, const raft::SnapshotId& b) {
        return a.end_offset != b.end_offset ? a.end_offset < b.end_offset : a.epoch < b.epoch;
    });
    while (!ids.empty()) {
        std::string path = path_of(snapshot_file_name(ids.back()));
        TRY_ASSIGN(std::unique_ptr<File> file, disk_.open(path, OpenMode::read_only));
        TRY_ASSIGN(std::vector<uint8_t> bytes, read_whole(*file));
        Result<raft::Snapshot> snapshot = decode_snapshot_file(bytes);
        if (snapshot.ok() && snapshot->id == ids.back()) {
            snapshots_ = ids;
            return std::optional<raft::Snapshot>(std::move(*snapshot));
        }
        // Written durably before anything relied on it, so a bad one is damage, not a crash.
        logger_.warn("removing snapshot {}: {}", path,
                     snapshot.ok() ? std::string("its id disagrees with its name")
                                   : snapshot.error().describe());
        file.reset();
        TRY(disk_.remove(path));
        directory_dirty_ = true;
        ids.pop_back();
    }
    return std::optional<raft::Snapshot>();
}

Result<std::vector<raft::Entry>> MetadataLog::load_segments(const std::vector<std::string>& names) {
    std::vector<Offset> bases;
    for (const std::string& name : names) {
        if (auto base = parse_segment_file_name(name)) bases.push_back(*base);
    }
    std::sort(bases.begin(), bases.end());
    std::vector<raft::Entry> entries;
    std::optional<std::string> cut;  // why the rest of the log goes
    for (Offset base : bases) {
        if (cut) {
            TRY(disk_.remove(path_of(segment_file_name(base))));
            directory_dirty_ = true;
            continue;
        }
        if (!segments_.empty() && base != end_) {
            cut = fmt::format("segment {} does not follow the log end {}", base, end_);
            logger_.warn("cutting the log: {}", *cut);
            TRY(disk_.remove(path_of(segment_file_name(base))));
            directory_dirty_ = true;
            continue;
        }
        TRY_ASSIGN(std::unique_ptr<File> file,
                   disk_.open(path_of(segment_file_name(base)), OpenMode::read_write));
        TRY_ASSIGN(std::vector<uint8_t> bytes, read_whole(*file));
        if (segments_.empty()) end_ = base;
        Segment segment{.file = std::move(file), .size = 0, .positions = {}, .dirty = false};
        std::span<const uint8_t> rest(bytes);
        while (!rest.empty()) {
            DecodedEntry decoded = decode_metadata_entry(rest);
            if (decoded.problem != EntryProblem::none) {
                cut = decoded.problem == EntryProblem::incomplete ? "a torn entry"
                                                                  : "an entry fails its CRC";
            } else if (decoded.entry.offset != end_) {
                cut = fmt::format("offset {} where {} was due", decoded.entry.offset, end_);
            } else if (!entries.empty() && decoded.entry.epoch < entries.back().epoch) {
                cut = fmt::format("epoch {} after {}", decoded.entry.epoch, entries.back().epoch);
            }
            if (cut) break;
            segment.positions.push_back(segment.size);
            segment.size += decoded.size;
            entries.push_back(std::move(decoded.entry));
            end_ = end_ + 1;
            rest = rest.subspan(decoded.size);
        }
        if (cut) {
            logger_.warn("cutting the log at offset {} ({} bytes of segment {}): {}", end_,
                         bytes.size() - segment.size, base, *cut);
            TRY(segment.file->truncate(segment.size));
            segment.dirty = true;
        }
        segments_[base] = std::move(segment);
    }
    return entries;
}

Result<std::vector<raft::Entry>> MetadataLog::join_snapshot(
    const std::optional<raft::Snapshot>& snapshot, std::vector<raft::Entry> entries) {
    Offset start = segments_.empty() ? Offset(0) : segments_.begin()->first;
    if (!snapshot) {
        if (start != Offset(0)) {
            return Error(ErrorCode::corruption,
                         fmt::format("{}: the log starts at {} and no snapshot covers what is "
                                     "below",
                                     directory_, start));
        }
        if (segments_.empty()) TRY(create_segment(Offset(0)));
        return entries;
    }
    raft::SnapshotId id = snapshot->id;
    // The log goes on from the snapshot if it reaches the snapshot's end and agrees with it
    // there (same epoch at the same offset: the same history, by Raft's log matching). A log
    // that does not is the one an install was replacing when the node crashed.
    bool joins = !segments_.empty() && start <= id.end_offset && end_ >= id.end_offset &&
                 (id.end_offset == start ||
                  entries[static_cast<std::size_t>(id.end_offset - start) - 1].epoch == id.epoch);
    if (!joins) {
        if (!segments_.empty()) {
            logger_.warn("dropping the log [{}, {}): it does not continue snapshot {}", start, end_,
                         snapshot_file_name(id));
        }
        while (!segments_.empty()) TRY(remove_segment(segments_.rbegin()->first));
        TRY(create_segment(id.end_offset));
        end_ = id.end_offset;
        return std::vector<raft::Entry>();
    }
    entries.erase(entries.begin(), entries.begin() + (id.end_offset - start));
    return entries;
}

}  // namespace brook::quorum
