#include "scenarios/kafka_history_checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace brook::scenarios {
namespace {

using Place = std::pair<int32_t, int64_t>;  // partition, offset

// Keeps every anomaly's count but the full text of only the first few of each kind: a broken
// run can produce thousands, and the first ones are the ones to read.
constexpr std::size_t kDescribedPerKind = 5;

class Checker {
public:
    Checker(const History& history, const CheckOptions& options)
        : history_(history), options_(options) {}

    CheckResult run() {
        index_sends();
        read_polls();
        check_poll_order();
        check_send_order();
        check_acknowledged();
        check_commits();
        return std::move(result_);
    }

private:
    void report(std::string_view name, std::string description) {
        std::size_t& seen = reported_[std::string(name)];
        if (++seen > kDescribedPerKind) description.clear();
        result_.anomalies.push_back({std::string(name), std::move(description)});
    }

    std::string op(OperationId id) const { return history_.operation(id).describe(); }

    // Records that `value` is stored at (partition, offset), as `by` says.
    void place(uint64_t value, PartitionId partition, Offset offset, OperationId by) {
        Place where{partition.value(), offset.value()};
        auto [at, fresh] = at_.emplace(where, std::pair(value, by));
        if (!fresh && at->second.first != value && !options_.storage_may_lose_data) {
            report(
                "inconsistent-offsets",
                fmt::format("partition {} offset {} holds {} (per {}) and {} (per {})", partition,
                            offset, at->second.first, op(at->second.second), value, op(by)));
        }
        auto [first, new_value] = placed_.emplace(value, std::pair(where, by));
        if (!new_value && first->second.first != where && !options_.allow_duplicates) {
            report("duplicate",
                   fmt::format("value {} at partition {} offset {} (per {}) and at "
                               "partition {} offset {} (per {})",
                               value, first->second.first.first, first->second.first.second,
                               op(first->second.second), partition, offset, op(by)));
        }
    }

    void index_sends() {
        for (const Operation& operation : history_.operations()) {
            if (operation.type != OperationType::send) continue;
            for (const Message& message : operation.messages) {
                sent_.emplace(message.value, operation.id);
                if (operation.result == OperationResult::ok) {
                    ++result_.acknowledged;
                    place(message.value, operation.partition, message.offset, operation.id);
                }
            }
        }
    }

    void read_polls() {
        for (const Operation& poll : history_.operations()) {
            if (poll.type != OperationType::poll || poll.result != OperationResult::ok) continue;
            int32_t partition = poll.partition.value();
            log_start_[partition] = std::max(log_start_[partition], poll.log_start.value());
            if (poll.corrupt_batches > 0 && !options_.storage_may_lose_data) {
                report("corrupt-read", fmt::format("{} batches failed their checks in {}",
                                                   poll.corrupt_batches, op(poll.id)));
            }
            for (const Message& record : poll.messages) {
                ++result_.read;
                auto send = sent_.find(record.value);
                if (send == sent_.end()) {
                    report("phantom", fmt::format("{} read value {} at offset {}, which no one "
                                                  "sent",
                                                  op(poll.id), record.value, record.offset));
                    continue;
                }
                const Operation& sender = history_.operation(send->second);
                if (sender.partition != poll.partition) {
                    report("phantom",
                           fmt::format("{} read value {} at offset {}, which was sent "
                                       "to another partition by {}",
                                       op(poll.id), record.value, record.offset, op(sender.id)));
                    continue;
                }
                if (sender.result == OperationResult::fail) {
                    report("G1a",
                           fmt::format("{} read value {} at offset {}, whose send failed: "
                                       "{}",
                                       op(poll.id), record.value, record.offset, op(sender.id)));
                }
                place(record.value, poll.partition, record.offset, poll.id);
                read_.emplace(record.value, poll.id);
                auto [furthest, first] =
                    furthest_read_.emplace(partition, std::pair(record.offset, poll.id));
                if (!first && furthest->second.first < record.offset) {
                    furthest->second = {record.offset, poll.id};
                }
            }
        }
    }

    // A consumer's reads of a partition continue where its previous read ended, unless it
    // sought or was assigned in between.
    void check_poll_order() {
        std::map<std::pair<std::string, int32_t>, std::optional<int64_t>> expected;
        std::map<std::pair<std::string, int32_t>, OperationId> previous;
        for (const Operation& operation : history_.operations()) {
            auto key = std::pair(operation.process, operation.partition.value());
            if (operation.type == OperationType::seek || operation.type == OperationType::assign) {
                if (previous.contains(key)) ++result_.seeks;
                expected[key] = operation.offset.value() >= 0
                                    ? std::optional<int64_t>(operation.offset.value())
                                    : std::nullopt;
                previous[key] = operation.id;
                continue;
            }
            if (operation.type != OperationType::poll || operation.result != OperationResult::ok) {
                continue;
            }
            std::optional<int64_t>& next = expected[key];
            if (!next) next = operation.offset.value();
            // Described only for a finding: describing every read was a seventh of a seed's CPU.
            auto before = [&] { return previous.contains(key) ? op(previous[key]) : "nothing"; };
            for (const Message& record : operation.messages) {
                if (record.offset.value() > *next) {
                    report("poll-skip", fmt::format("{} expected offset {} next and read value {} "
                                                    "at {} in {}; before: {}",
                                                    operation.process, *next, record.value,
                                                    record.offset, op(operation.id), before()));
                } else if (record.offset.value() < *next) {
                    report("nonmonotonic-poll",
                           fmt::format("{} expected offset {} next and read value {} at {} in {}; "
                                       "before: {}",
                                       operation.process, *next, record.value, record.offset,
                                       op(operation.id), before()));
                }
                next = record.offset.value() + 1;
            }
            if (!operation.messages.empty()) previous[key] = operation.id;
        }
    }

    void check_send_order() {
        if (options_.storage_may_lose_data) return;
        std::vector<const Operation*> acknowledged;
        for (const Operation& operation : history_.operations()) {
            if (operation.type == OperationType::send && operation.result == OperationResult::ok &&
                !operation.messages.empty()) {
                acknowledged.push_back(&operation);
            }
        }
        std::stable_sort(
            acknowledged.begin(), acknowledged.end(),
            [](const Operation* a, const Operation* b) { return a->completed < b->completed; });
        std::map<std::pair<std::string, int32_t>, const Operation*> last;
        for (const Operation* send : acknowledged) {
            auto key = std::pair(send->process, send->partition.value());
            auto [at, first] = last.emplace(key, send);
            if (first) continue;
            if (send->messages.front().offset < at->second->messages.front().offset) {
                report("nonmonotonic-send", fmt::format("{} was acknowledged after {}",
                                                        op(send->id), op(at->second->id)));
            }
            at->second = send;
        }
    }

    void check_acknowledged() {
        if (options_.storage_may_lose_data) return;
        for (const Operation& send : history_.operations()) {
            if (send.type != OperationType::send || send.result != OperationResult::ok) continue;
            int32_t partition = send.partition.value();
            for (const Message& message : send.messages) {
                if (read_.contains(message.value)) continue;
                if (message.offset.value() < log_start_[partition]) continue;  // retention
                auto furthest = furthest_read_.find(partition);
                if (furthest != furthest_read_.end() && furthest->second.first > message.offset) {
                    report("lost-write",
                           fmt::format("value {} acknowledged at partition {} offset {} by {} "
                                       "was never read, though {} read offset {}",
                                       message.value, send.partition, message.offset, op(send.id),
                                       op(furthest->second.second), furthest->second.first));
                } else if (options_.final_reads) {
                    report("unseen",
                           fmt::format("value {} acknowledged at partition {} offset {} "
                                       "by {} was never read by the end",
                                       message.value, send.partition, message.offset, op(send.id)));
                }
            }
        }
    }

    // A resume must start at the last commit that completed before it began, or at a commit
    // whose outcome was unknown or which raced it.
    void check_commits() {
        for (const Operation& resume : history_.operations()) {
            if (resume.type != OperationType::assign || resume.group.empty()) continue;
            ++result_.resumes;
            const Operation* last = nullptr;
            std::vector<const Operation*> commits;
            for (const Operation& commit : history_.operations()) {
                if (commit.type != OperationType::commit || commit.group != resume.group ||
                    commit.partition != resume.partition || commit.invoked > resume.completed) {
                    continue;
                }
                commits.push_back(&commit);
                if (commit.result == OperationResult::ok && commit.completed <= resume.invoked &&
                    (last == nullptr || commit.completed >= last->completed)) {
                    last = &commit;
                }
            }
            std::vector<int64_t> allowed{last != nullptr ? last->offset.value() : -1};
            for (const Operation* commit : commits) {
                bool superseded = last != nullptr && commit != last &&
                                  commit->result == OperationResult::ok &&
                                  commit->completed < last->invoked;
                bool possible = commit->result == OperationResult::ok ||
                                commit->result == OperationResult::info ||
                                commit->result == OperationResult::pending;
                if (possible && !superseded) allowed.push_back(commit->offset.value());
            }
            if (std::find(allowed.begin(), allowed.end(), resume.offset.value()) == allowed.end()) {
                report("unhonoured-commit",
                       fmt::format("{} resumed at {}, but the last commit before it was {}",
                                   op(resume.id), resume.offset,
                                   last != nullptr ? op(last->id) : std::string("none")));
            }
        }
    }

    const History& history_;
    const CheckOptions& options_;
    CheckResult result_;
    std::map<std::string, std::size_t> reported_;
    std::map<uint64_t, OperationId> sent_;                      // value -> its send
    std::map<Place, std::pair<uint64_t, OperationId>> at_;      // place -> value, witness
    std::map<uint64_t, std::pair<Place, OperationId>> placed_;  // value -> place, witness
    std::map<uint64_t, OperationId> read_;                      // value -> first poll of it
    std::map<int32_t, std::pair<Offset, OperationId>> furthest_read_;
    std::map<int32_t, int64_t> log_start_;  // largest seen per partition
};

}  // namespace

bool CheckResult::has(std::string_view name) const {
    return std::any_of(anomalies.begin(), anomalies.end(),
                       [&](const Anomaly& anomaly) { return anomaly.name == name; });
}

std::string CheckResult::summary() const {
    if (anomalies.empty()) {
        return fmt::format("{} values acknowledged, {} records read, {} seeks, {} resumes",
                           acknowledged, read, seeks, resumes);
    }
    std::map<std::string, std::size_t> counts;
    std::vector<const Anomaly*> first;
    for (const Anomaly& anomaly : anomalies) {
        if (counts[anomaly.name]++ == 0) first.push_back(&anomaly);
    }
    std::string text;
    for (const auto& [name, count] : counts) {
        text += fmt::format("{}{} x{}", text.empty() ? "" : ", ", name, count);
    }
    for (const Anomaly* anomaly : first) {
        text += fmt::format("; {}: {}", anomaly->name, anomaly->description);
    }
    return text;
}

CheckResult check_kafka_history(const History& history, const CheckOptions& options) {
    return Checker(history, options).run();
}

}  // namespace brook::scenarios
