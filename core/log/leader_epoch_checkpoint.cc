#include "core/log/leader_epoch_checkpoint.h"

#include <charconv>

#include <fmt/format.h>

#include "core/base/check.h"

namespace brook::log {
namespace {

constexpr int64_t kFormatVersion = 0;

std::string epoch_file_path(std::string_view directory) {
    return directory.empty() ? std::string(kLeaderEpochCheckpointName)
                             : fmt::format("{}/{}", directory, kLeaderEpochCheckpointName);
}

// Reads the text one field at a time; every field is a non-negative decimal ending in
// `separator`.
class FieldReader {
public:
    explicit FieldReader(std::string_view text) : text_(text) {}

    std::optional<int64_t> number(char separator) {
        std::size_t end = text_.find(separator, at_);
        if (end == std::string_view::npos || end == at_ || end - at_ > 19) return std::nullopt;
        std::string_view digits = text_.substr(at_, end - at_);
        // Digits only (from_chars alone would take "-0"), and no leading zero.
        if (digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
        if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
        int64_t value = 0;
        auto [stop, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (error != std::errc() || stop != digits.data() + digits.size()) {
            return std::nullopt;
        }
        at_ = end + 1;
        return value;
    }
    bool at_end() const { return at_ == text_.size(); }

private:
    std::string_view text_;
    std::size_t at_ = 0;
};

Error malformed(std::string_view why) {
    return Error(ErrorCode::corruption, fmt::format("leader epoch checkpoint: {}", why));
}

}  // namespace

std::string encode_leader_epoch_checkpoint(const std::vector<EpochEntry>& entries) {
    ASSERT(entries.size() <= kLeaderEpochEntriesMax, "{} leader epoch entries", entries.size());
    std::string text = fmt::format("{}\n{}\n", kFormatVersion, entries.size());
    for (const EpochEntry& entry : entries) {
        text += fmt::format("{} {}\n", entry.epoch.value(), entry.start_offset.value());
    }
    return text;
}

Result<std::vector<EpochEntry>> parse_leader_epoch_checkpoint(std::string_view text) {
    FieldReader reader(text);
    std::optional<int64_t> version = reader.number('\n');
    if (version != kFormatVersion) return malformed("not version 0");
    std::optional<int64_t> count = reader.number('\n');
    if (!count || *count > static_cast<int64_t>(kLeaderEpochEntriesMax)) {
        return malformed("bad entry count");
    }
    std::vector<EpochEntry> entries;
    for (int64_t i = 0; i < *count; ++i) {
        std::optional<int64_t> epoch = reader.number(' ');
        std::optional<int64_t> start = reader.number('\n');
        if (!epoch || !start || *epoch > INT32_MAX) {
            return malformed(fmt::format("bad entry {} of {}", i, *count));
        }
        entries.push_back(EpochEntry{LeaderEpoch(static_cast<int32_t>(*epoch)), Offset(*start)});
    }
    if (!reader.at_end()) return malformed("text after the last entry");
    if (!LeaderEpochCache::well_ordered(entries)) return malformed("entries out of order");
    return entries;
}

Result<void> write_leader_epoch_checkpoint(Disk& disk, std::string_view directory,
                                           const std::vector<EpochEntry>& entries) {
    std::string text = encode_leader_epoch_checkpoint(entries);
    return replace_file_durably(  // May suspend.
        disk, epoch_file_path(directory),
        std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Result<std::optional<std::vector<EpochEntry>>> read_leader_epoch_checkpoint(
    Disk& disk, std::string_view directory) {
    std::string path = epoch_file_path(directory);
    TRY_ASSIGN(std::optional<std::string> text,
               read_small_file(disk, path, kLeaderEpochCheckpointBytesMax));  // May suspend.
    if (!text) return std::optional<std::vector<EpochEntry>>();
    Result<std::vector<EpochEntry>> entries = parse_leader_epoch_checkpoint(*text);
    if (!entries) return entries.error().wrap(path);
    return std::optional<std::vector<EpochEntry>>(std::move(*entries));
}

}  // namespace brook::log
