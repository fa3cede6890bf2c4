#include "scenarios/broker_checker.h"

#include <fmt/format.h>

namespace brook::scenarios {

void BrokerChecker::violation(std::string what) {
    if (!violation_) violation_ = std::move(what);
}

void BrokerChecker::sent(const std::string& producer, uint64_t id, PartitionId partition) {
    sent_[id] = partition;
}

void BrokerChecker::acknowledged(const std::string& producer, uint64_t id, PartitionId partition,
                                 Offset offset) {
    acknowledged_.push_back({producer, id, partition, offset});
}

void BrokerChecker::observe(PartitionId partition, Offset offset, uint64_t id,
                            const std::string& who) {
    auto sent = sent_.find(id);
    if (sent == sent_.end()) {
        return violation(fmt::format("phantom-read: {} read id {} at partition {} offset {}, "
                                     "which no producer sent",
                                     who, id, partition, offset));
    }
    if (sent->second != partition) {
        return violation(fmt::format("wrong-partition: {} read id {} (sent to partition {}) "
                                     "from partition {}",
                                     who, id, sent->second, partition));
    }
    auto [at, inserted] = observed_.emplace(std::pair(partition.value(), offset.value()), id);
    if (!inserted && at->second != id) {
        return violation(fmt::format("unstable-read: {} read id {} at partition {} offset {}, "
                                     "where id {} was read before",
                                     who, id, partition, offset, at->second));
    }
    auto [place, first] = placed_.emplace(id, std::pair(partition.value(), offset.value()));
    if (!first && place->second != std::pair(partition.value(), offset.value())) {
        violation(fmt::format("duplicate: id {} stored at partition {} offsets {} and {}", id,
                              partition, place->second.second, offset));
    }
}

void BrokerChecker::read(const std::string& consumer, PartitionId partition, Offset offset,
                         uint64_t id, Offset expected) {
    ++reads_;
    if (offset != expected) {
        violation(fmt::format("gap: {} asked partition {} for offset {} and got a batch at {}",
                              consumer, partition, expected, offset));
    }
    observe(partition, offset, id, consumer);
}

void BrokerChecker::final_read(PartitionId partition, Offset offset, uint64_t id) {
    final_[{partition.value(), offset.value()}] = id;
    observe(partition, offset, id, "verifier");
}

std::optional<std::string> BrokerChecker::check() const {
    if (violation_) return violation_;
    std::map<std::pair<std::string, int32_t>, Ack> last;  // per producer and partition
    for (const Ack& ack : acknowledged_) {
        auto at = final_.find({ack.partition.value(), ack.offset.value()});
        if (at == final_.end() || at->second != ack.id) {
            return fmt::format("lost-write: {}'s id {} acknowledged at partition {} offset {} "
                               "is {} at the end",
                               ack.producer, ack.id, ack.partition, ack.offset,
                               at == final_.end() ? std::string("missing")
                                                  : fmt::format("replaced by id {}", at->second));
        }
        auto key = std::pair(ack.producer, ack.partition.value());
        if (auto previous = last.find(key); previous != last.end()) {
            if (previous->second.offset >= ack.offset) {
                return fmt::format("nonmonotonic: {} had id {} acknowledged at partition {} "
                                   "offset {} after id {} at offset {}",
                                   ack.producer, ack.id, ack.partition, ack.offset,
                                   previous->second.id, previous->second.offset);
            }
        }
        last[key] = ack;
    }
    return std::nullopt;
}

}  // namespace brook::scenarios
