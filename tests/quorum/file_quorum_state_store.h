// A QuorumStateStore for tests on a Disk: "<epoch> <voted id> <leader id>" in one file, replaced
// durably. It stands in for Kafka's quorum-state JSON file (core/quorum/quorum_state_file.h,
// written with the wire codec) until that lands; the driver sees only the interface.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <string>

#include "core/io/disk.h"
#include "core/quorum/quorum_state_store.h"

namespace brook::quorum::testing {

class FileQuorumStateStore final : public QuorumStateStore {
public:
    explicit FileQuorumStateStore(Disk& disk, std::string path = "quorum-state")
        : disk_(disk), path_(std::move(path)) {}

    Result<std::optional<raft::QuorumState>> load() override {
        TRY_ASSIGN(bool present, disk_.exists(path_));
        if (!present) return std::optional<raft::QuorumState>();
        TRY_ASSIGN(std::unique_ptr<File> file, disk_.open(path_, OpenMode::read_only));
        std::string text(64, '\0');
        TRY_ASSIGN(std::size_t read,
                   file->read_at(0, std::span(reinterpret_cast<uint8_t*>(text.data()), 64)));
        text.resize(read);
        int epoch = 0, voted = 0, leader = 0;
        if (std::sscanf(text.c_str(), "%d %d %d", &epoch, &voted, &leader) != 3) {
            return Error(ErrorCode::corruption, fmt::format("{}: '{}'", path_, text));
        }
        return std::optional<raft::QuorumState>(
            raft::QuorumState{LeaderEpoch(epoch), NodeId(voted), NodeId(leader)});
    }

    Result<void> save(const raft::QuorumState& state) override {
        std::string text = fmt::format("{} {} {}", state.epoch, state.voted_for, state.leader);
        TRY(replace_file_durably(
            disk_, path_, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
        if (on_saved) on_saved(state);
        return {};
    }

    // Told each state once it is durable.
    std::function<void(const raft::QuorumState&)> on_saved;

private:
    Disk& disk_;
    std::string path_;
};

}  // namespace brook::quorum::testing
