#include "core/quorum/metadata_entry_codec.h"

#include <algorithm>
#include <string>

#include "core/base/big_endian.h"
#include "core/base/check.h"
#include "core/base/crc32c.h"

namespace brook::quorum {

std::vector<uint8_t> encode_metadata_entry(const raft::Entry& entry) {
    std::size_t body_bytes = kEntryBodyFixedBytes + entry.data.size();
    ASSERT(body_bytes <= kEntryBodyMaxBytes, "metadata entry of {} bytes", body_bytes);
    std::vector<uint8_t> frame(kEntryFrameHeaderBytes + body_bytes);
    uint8_t* body = frame.data() + kEntryFrameHeaderBytes;
    store_big_endian<int64_t>(body, entry.offset.value());
    store_big_endian<int32_t>(body + 8, entry.epoch.value());
    body[12] = static_cast<uint8_t>(entry.kind);
    std::copy(entry.data.begin(), entry.data.end(), body + kEntryBodyFixedBytes);
    store_big_endian<uint32_t>(frame.data(), static_cast<uint32_t>(body_bytes));
    store_big_endian<uint32_t>(frame.data() + 4, crc32c({body, body_bytes}));
    return frame;
}

DecodedEntry decode_metadata_entry(std::span<const uint8_t> bytes) {
    if (bytes.size() < kEntryFrameHeaderBytes) return {.problem = EntryProblem::incomplete};
    std::size_t body_bytes = load_big_endian<uint32_t>(bytes.data());
    if (body_bytes < kEntryBodyFixedBytes || body_bytes > kEntryBodyMaxBytes) {
        return {.problem = EntryProblem::corrupt};
    }
    if (bytes.size() < kEntryFrameHeaderBytes + body_bytes) {
        return {.problem = EntryProblem::incomplete};
    }
    std::span<const uint8_t> body = bytes.subspan(kEntryFrameHeaderBytes, body_bytes);
    if (crc32c(body) != load_big_endian<uint32_t>(bytes.data() + 4)) {
        return {.problem = EntryProblem::corrupt};
    }
    uint8_t kind = body[12];
    if (kind > static_cast<uint8_t>(raft::EntryKind::leader_change)) {
        return {.problem = EntryProblem::corrupt};
    }
    int64_t offset = load_big_endian<int64_t>(body.data());
    int32_t epoch = load_big_endian<int32_t>(body.data() + 8);
    if (offset < 0 || epoch < 0) return {.problem = EntryProblem::corrupt};
    raft::Entry entry{Offset(offset), LeaderEpoch(epoch), static_cast<raft::EntryKind>(kind),
                      std::string(body.begin() + kEntryBodyFixedBytes, body.end())};
    return {.problem = EntryProblem::none,
            .entry = std::move(entry),
            .size = kEntryFrameHeaderBytes + body_bytes};
}

}  // namespace brook::quorum
