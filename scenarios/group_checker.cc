#include "scenarios/group_checker.h"

#include <fmt/format.h>

namespace brook::scenarios {

void GroupChecker::acknowledged(const client::TopicPartition& tp, Offset offset) {
    acknowledged_.insert({tp, offset});
}

void GroupChecker::assigned(const std::string& group, const std::string& member, int32_t generation,
                            const std::set<client::TopicPartition>& owned) {
    auto& owners = owners_[{group, generation}];
    for (const client::TopicPartition& tp : owned) {
        auto [at, inserted] = owners.try_emplace(tp, member);
        if (!inserted && at->second != member) {
            violation(fmt::format("split-ownership: group {} generation {}: {} owned by {} and {}",
                                  group, generation, tp.to_string(), at->second, member));
        }
    }
}

void GroupChecker::commit_acknowledged(const std::string& group, const client::TopicPartition& tp,
                                       Offset offset, Instant at) {
    ++commits_;
    std::vector<Commit>& commits = commits_by_partition_[{group, tp}];
    if (!commits.empty() && offset < commits.back().offset) {
        violation(
            fmt::format("commit-went-backward: group {} {}: {} acknowledged at {} after "
                        "{} acknowledged at {}",
                        group, tp.to_string(), offset.value(), at, commits.back().offset.value(),
                        commits.back().at));
    }
    commits.push_back({offset, at});
}

void GroupChecker::started(const std::string& group, const std::string& member,
                           const client::TopicPartition& tp, Offset offset, Instant asked_at) {
    ++starts_;
    auto found = commits_by_partition_.find({group, tp});
    if (found == commits_by_partition_.end()) return;
    // The highest commit acknowledged before the OffsetFetch went out (commits only grow, so
    // it is the last of those).
    const Commit* before = nullptr;
    for (const Commit& commit : found->second) {
        if (commit.at <= asked_at) before = &commit;
    }
    if (before != nullptr && offset < before->offset) {
        violation(
            fmt::format("commit-not-honoured: group {} member {} started {} at {}, below "
                        "the commit {} acknowledged at {} (OffsetFetch sent at {})",
                        group, member, tp.to_string(), offset.value(), before->offset.value(),
                        before->at, asked_at));
    }
}

void GroupChecker::delivered(const std::string& group, const client::TopicPartition& tp,
                             Offset offset) {
    delivered_[group].insert({tp, offset});
}

void GroupChecker::violation(std::string what) { violations_.push_back(std::move(what)); }

std::vector<std::pair<client::TopicPartition, Offset>> GroupChecker::undelivered(
    const std::string& group, std::size_t limit) const {
    std::vector<std::pair<client::TopicPartition, Offset>> missing;
    auto found = delivered_.find(group);
    for (const auto& record : acknowledged_) {
        if (missing.size() >= limit) break;
        if (found == delivered_.end() || !found->second.contains(record)) missing.push_back(record);
    }
    return missing;
}

std::optional<std::string> GroupChecker::check(const std::vector<std::string>& groups) const {
    if (!violations_.empty()) {
        return fmt::format("{} (and {} more)", violations_.front(), violations_.size() - 1);
    }
    for (const std::string& group : groups) {
        auto missing = undelivered(group, 3);
        if (missing.empty()) continue;
        std::string which;
        for (const auto& [tp, offset] : missing) {
            which += fmt::format(" {}@{}", tp.to_string(), offset.value());
        }
        return fmt::format("lost-record: group {} never delivered acknowledged records:{}", group,
                           which);
    }
    return std::nullopt;
}

}  // namespace brook::scenarios
