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

const GroupChecker::Commit* GroupChecker::highest_before(const std::vector<Commit>& commits,
                                                         Instant time) const {
    const Commit* highest = nullptr;
    for (const Commit& commit : commits) {
        if (commit.at < time && (highest == nullptr || commit.offset > highest->offset)) {
            highest = &commit;
        }
    }
    return highest;
}

void GroupChecker::commit_acknowledged(const std::string& group, const client::TopicPartition& tp,
                                       Offset offset, Instant sent_at, Instant acknowledged_at) {
    ++commits_;
    std::vector<Commit>& commits = commits_by_partition_[{group, tp}];
    const Commit* before = highest_before(commits, sent_at);
    if (before != nullptr && offset < before->offset) {
        violation(
            fmt::format("commit-went-backward: group {} {}: {} (sent at {}, acknowledged at "
                        "{}) after {} acknowledged at {}",
                        group, tp.to_string(), offset.value(), sent_at, acknowledged_at,
                        before->offset.value(), before->at));
    }
    commits.push_back({offset, sent_at, acknowledged_at});
}

void GroupChecker::started(const std::string& group, const std::string& member,
                           const client::TopicPartition& tp, Offset offset, Instant asked_at) {
    ++starts_;
    auto found = commits_by_partition_.find({group, tp});
    if (found == commits_by_partition_.end()) return;
    // What the coordinator must answer at least: the highest commit acknowledged before the
    // OffsetFetch went out.
    const Commit* before = highest_before(found->second, asked_at);
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
