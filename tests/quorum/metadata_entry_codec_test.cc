#include "core/quorum/metadata_entry_codec.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include "core/quorum/snapshot_file.h"

namespace brook::quorum {
namespace {

raft::Entry entry_of(int64_t offset, int32_t epoch, bool leader_change, std::string data) {
    return raft::Entry{Offset(offset), LeaderEpoch(epoch),
                       leader_change ? raft::EntryKind::leader_change : raft::EntryKind::data,
                       std::move(data)};
}

TEST_CASE("metadata entry codec: round trips and tells torn from corrupt") {
    rc::prop("an entry round trips",
             [](uint32_t offset, uint16_t epoch, bool leader_change, const std::string& data) {
                 raft::Entry entry = entry_of(offset, epoch, leader_change, data);
                 std::vector<uint8_t> frame = encode_metadata_entry(entry);
                 DecodedEntry decoded = decode_metadata_entry(frame);
                 RC_ASSERT(decoded.problem == EntryProblem::none);
                 RC_ASSERT(decoded.entry == entry);
                 RC_ASSERT(decoded.size == frame.size());
             });
    rc::prop("every strict prefix is incomplete", [](const std::string& data, uint8_t cut) {
        std::vector<uint8_t> frame = encode_metadata_entry(entry_of(3, 1, false, data));
        std::size_t keep = cut % frame.size();
        RC_ASSERT(decode_metadata_entry(std::span(frame).first(keep)).problem ==
                  EntryProblem::incomplete);
    });
    rc::prop("a flipped bit never decodes", [](const std::string& data, uint16_t at) {
        std::vector<uint8_t> frame = encode_metadata_entry(entry_of(9, 2, false, data));
        std::size_t bit = at % (frame.size() * 8);
        frame[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        RC_ASSERT(decode_metadata_entry(frame).problem != EntryProblem::none);
    });
    rc::prop("arbitrary bytes never crash the decoder", [](const std::vector<uint8_t>& bytes) {
        DecodedEntry decoded = decode_metadata_entry(bytes);
        if (decoded.problem == EntryProblem::none) RC_ASSERT(decoded.size <= bytes.size());
    });
}

TEST_CASE("snapshot file: names and bytes round trip, damage is refused") {
    raft::SnapshotId id{Offset(120), LeaderEpoch(3)};
    CHECK(snapshot_file_name(id) == "00000000000000000120-0000000003.checkpoint");
    CHECK(parse_snapshot_file_name("00000000000000000120-0000000003.checkpoint") == id);
    CHECK(!parse_snapshot_file_name("00000000000000000120-0000000003.checkpoint.tmp"));
    CHECK(!parse_snapshot_file_name("00000000000000000120.log"));
    CHECK(!parse_snapshot_file_name("0000000000000000012x-0000000003.checkpoint"));
    rc::prop("a snapshot round trips", [](uint32_t end, uint16_t epoch, const std::string& state) {
        raft::Snapshot snapshot{raft::SnapshotId{Offset(end), LeaderEpoch(epoch)}, state};
        RC_ASSERT(parse_snapshot_file_name(snapshot_file_name(snapshot.id)) == snapshot.id);
        std::vector<uint8_t> bytes = encode_snapshot_file(snapshot);
        Result<raft::Snapshot> decoded = decode_snapshot_file(bytes);
        RC_ASSERT(decoded.ok());
        RC_ASSERT(*decoded == snapshot);
        bytes.pop_back();
        RC_ASSERT(!decode_snapshot_file(bytes).ok());
    });
}

}  // namespace
}  // namespace brook::quorum
