#include "scenarios/client_checker.h"

#include <fmt/format.h>

namespace brook::scenarios {

void ClientChecker::sent(const std::string& producer, uint64_t sequence) {
    uint64_t& count = sent_[producer];
    if (sequence + 1 > count) count = sequence + 1;
}

void ClientChecker::acknowledged(const std::string& producer, uint64_t sequence,
                                 PartitionId partition, Offset offset) {
    auto [at, fresh] =
        acknowledged_.emplace(RecordId{producer, sequence}, Placement{partition, offset});
    if (!fresh) {
        violation(fmt::format("double-report: {} #{} reported at {}/{} and at {}/{}", producer,
                              sequence, at->second.partition, at->second.offset, partition,
                              offset));
    }
}

void ClientChecker::read(const std::string& consumer, PartitionId partition, Offset offset,
                         const std::string& producer, uint64_t sequence) {
    ++reads_;
    auto sent = sent_.find(producer);
    if (sent == sent_.end() || sequence >= sent->second) {
        violation(fmt::format("phantom-read: {} read {} #{} at {}/{}, never sent", consumer,
                              producer, sequence, partition, offset));
        return;
    }
    reads_seen_.push_back({{partition, offset}, {producer, sequence}});
}

void ClientChecker::final_read(PartitionId partition, Offset offset, const std::string& producer,
                               uint64_t sequence) {
    auto sent = sent_.find(producer);
    if (sent == sent_.end() || sequence >= sent->second) {
        violation(fmt::format("phantom-read: the verifier read {} #{} at {}/{}, never sent",
                              producer, sequence, partition, offset));
    }
    final_[{partition, offset}] = {producer, sequence};
}

void ClientChecker::violation(std::string what) { violations_.push_back(std::move(what)); }

std::optional<std::string> ClientChecker::check() const {
    if (!violations_.empty()) return violations_.front();
    for (const auto& [id, placement] : acknowledged_) {
        auto stored = final_.find({placement.partition, placement.offset});
        if (stored == final_.end() || stored->second != id) {
            return fmt::format("lost-write: {} #{} was acknowledged at {}/{}, which holds {}",
                               id.first, id.second, placement.partition, placement.offset,
                               stored == final_.end() ? std::string("nothing")
                                                      : fmt::format("{} #{}", stored->second.first,
                                                                    stored->second.second));
        }
    }
    // acknowledged_ is ordered by (producer, sequence): offsets must grow along it per partition.
    std::map<std::pair<std::string, PartitionId>, std::pair<uint64_t, Offset>> last;
    for (const auto& [id, placement] : acknowledged_) {
        auto key = std::pair(id.first, placement.partition);
        auto previous = last.find(key);
        if (previous != last.end() && previous->second.second >= placement.offset) {
            return fmt::format("reordered: {} #{} is at {}/{} but the earlier #{} is at offset {}",
                               id.first, id.second, placement.partition, placement.offset,
                               previous->second.first, previous->second.second);
        }
        last[key] = {id.second, placement.offset};
    }
    for (const auto& [where, id] : reads_seen_) {
        auto stored = final_.find(where);
        if (stored == final_.end() || stored->second != id) {
            return fmt::format("unstable-read: {} #{} was read at {}/{}, which finally holds {}",
                               id.first, id.second, where.first, where.second,
                               stored == final_.end() ? std::string("nothing")
                                                      : fmt::format("{} #{}", stored->second.first,
                                                                    stored->second.second));
        }
    }
    return std::nullopt;
}

}  // namespace brook::scenarios
