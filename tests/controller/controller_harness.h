// A Controller with its log: each command's records are appended as one entry at the next
// offset (as ActiveController does) and replayed into the controller and into a follower's image, as the quorum would once they are
// committed. For the controller's unit and property tests.
//
//   ControllerHarness cluster;
//   BrokerEpoch epoch = cluster.register_broker(1);
//   cluster.unfence(1, epoch);
#pragma once

#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "core/controller/controller.h"

namespace brook::controller::testing {

class ControllerHarness {
public:
    explicit ControllerHarness(ControllerOptions options = {}) : controller(options) {
        commit(controller.bootstrap());
    }

    // Appends the command's records as one entry, at next_offset, and replays them; false (and
    // `problem` says why) if they did not apply.
    bool commit(const std::vector<MetadataRecord>& records) {
        if (records.empty()) return true;
        log.insert(log.end(), records.begin(), records.end());
        entries.push_back({next_offset, records});
        auto replayed = controller.replay(records, next_offset);
        auto followed = follower.apply_command(records, next_offset);
        next_offset = next_offset + 1;
        if (!replayed.ok() || !followed.ok()) {
            problem = (replayed.ok() ? followed : replayed).error().describe();
            return false;
        }
        return true;
    }

    template <typename Reply>
    Reply commit(ControllerResult<Reply> result) {
        commit(result.records);
        return std::move(result.reply);
    }

    static Uuid incarnation(int id, int generation = 0) {
        Uuid uuid{};
        uuid[0] = static_cast<uint8_t>(id);
        uuid[1] = static_cast<uint8_t>(generation);
        return uuid;
    }

    RegisterBrokerReply register_broker(int id, std::optional<std::string> rack = std::nullopt,
                                        int generation = 0) {
        RegisterBrokerCommand command{
            NodeId(id),
            incarnation(id, generation),
            {{"PLAINTEXT", "localhost", static_cast<uint16_t>(9090 + id), 0}},
            {},
            std::move(rack)};
        return commit(controller.register_broker(command, next_offset, now_ms));
    }

    HeartbeatReply heartbeat(int id, bool want_fence = false, bool want_shutdown = false) {
        const metadata::BrokerRegistration* broker = controller.image().broker(NodeId(id));
        BrokerEpoch epoch = broker == nullptr ? BrokerEpoch(-1) : broker->epoch;
        HeartbeatCommand command{NodeId(id), epoch, next_offset - 1, want_fence, want_shutdown};
        return commit(controller.heartbeat(command, now_ms));
    }

    // Registers brokers 1..count (racks as given, if any) and unfences them.
    void start_brokers(int count, std::vector<std::string> racks = {}) {
        for (int id = 1; id <= count; ++id) {
            std::optional<std::string> rack;
            if (!racks.empty()) rack = racks[static_cast<std::size_t>(id - 1) % racks.size()];
            register_broker(id, rack);
            heartbeat(id);
        }
    }

    CreateTopicResult create_topic(const std::string& name, int32_t partitions,
                                   int16_t replication_factor) {
        CreateTopicsCommand command{{{name, partitions, replication_factor}}};
        return commit(controller.create_topics(command, next_offset)).front();
    }

    void tick() { commit(controller.tick(now_ms)); }

    Controller controller;
    metadata::MetadataImage follower;
    Offset next_offset = Offset(0);
    int64_t now_ms = 0;
    std::string problem;
    std::vector<MetadataRecord> log;  // every record committed, in offset order
    // The same records as the log's entries: each command's records at their offset.
    std::vector<std::pair<Offset, std::vector<MetadataRecord>>> entries;
};

}  // namespace brook::controller::testing
