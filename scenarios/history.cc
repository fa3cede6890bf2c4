#include "scenarios/history.h"

#include <fmt/format.h>

#include "core/base/check.h"

namespace brook::scenarios {

std::string_view operation_type_name(OperationType type) {
    switch (type) {
        case OperationType::send:
            return "send";
        case OperationType::poll:
            return "poll";
        case OperationType::commit:
            return "commit";
        case OperationType::seek:
            return "seek";
        case OperationType::assign:
            return "assign";
    }
    return "?";
}

std::string_view operation_result_name(OperationResult result) {
    switch (result) {
        case OperationResult::pending:
            return "pending";
        case OperationResult::ok:
            return "ok";
        case OperationResult::fail:
            return "fail";
        case OperationResult::info:
            return "info";
    }
    return "?";
}

std::string Operation::describe() const {
    std::string text = fmt::format("{} {} p{}", process, operation_type_name(type), partition);
    if (!group.empty()) text += fmt::format(" group {}", group);
    if (offset.value() >= 0 || type == OperationType::assign) {
        text += fmt::format(" @{}", offset);
    }
    text += fmt::format(" {}", operation_result_name(result));
    if (!messages.empty()) {
        text += " [";
        constexpr std::size_t kShown = 6;  // a poll may read hundreds: show the first few
        for (std::size_t i = 0; i < messages.size() && i < kShown; ++i) {
            text +=
                fmt::format("{}{}@{}", i == 0 ? "" : " ", messages[i].value, messages[i].offset);
        }
        if (messages.size() > kShown) text += fmt::format(" +{}", messages.size() - kShown);
        text += "]";
    }
    if (corrupt_batches > 0) text += fmt::format(" corrupt_batches={}", corrupt_batches);
    if (!error.empty()) text += fmt::format(" ({})", error);
    text += fmt::format(" {}-{}", invoked, completed);
    return text;
}

OperationId History::invoke(std::string process, OperationType type, PartitionId partition,
                            Instant now) {
    Operation& operation = operations_.emplace_back();
    operation.id = operations_.size() - 1;
    operation.process = std::move(process);
    operation.type = type;
    operation.partition = partition;
    operation.invoked = now;
    operation.completed = now;
    return operation.id;
}

Operation& History::pending(OperationId id, OperationType type) {
    ASSERT(id < operations_.size(), "no operation {}", id);
    Operation& operation = operations_[id];
    ASSERT(operation.type == type && operation.result == OperationResult::pending,
           "operation {} completed twice or as another type", id);
    return operation;
}

OperationId History::invoke_send(std::string process, PartitionId partition,
                                 const std::vector<uint64_t>& values, Instant now) {
    OperationId id = invoke(std::move(process), OperationType::send, partition, now);
    for (uint64_t value : values) operations_[id].messages.push_back({value, Offset(-1)});
    return id;
}

void History::ok_send(OperationId id, Instant now, Offset base) {
    Operation& operation = pending(id, OperationType::send);
    operation.result = OperationResult::ok;
    operation.completed = now;
    for (std::size_t i = 0; i < operation.messages.size(); ++i) {
        operation.messages[i].offset = base + static_cast<int64_t>(i);
    }
}

OperationId History::invoke_poll(std::string process, PartitionId partition, Offset from,
                                 Instant now) {
    OperationId id = invoke(std::move(process), OperationType::poll, partition, now);
    operations_[id].offset = from;
    return id;
}

void History::ok_poll(OperationId id, Instant now, std::vector<Message> records, Offset log_start,
                      int corrupt_batches) {
    Operation& operation = pending(id, OperationType::poll);
    operation.result = OperationResult::ok;
    operation.completed = now;
    operation.messages = std::move(records);
    operation.log_start = log_start;
    operation.corrupt_batches = corrupt_batches;
}

void History::seek(std::string process, PartitionId partition, Offset to, Instant now) {
    OperationId id = invoke(std::move(process), OperationType::seek, partition, now);
    operations_[id].offset = to;
    operations_[id].result = OperationResult::ok;
}

OperationId History::invoke_commit(std::string process, std::string group, PartitionId partition,
                                   Offset offset, Instant now) {
    OperationId id = invoke(std::move(process), OperationType::commit, partition, now);
    operations_[id].group = std::move(group);
    operations_[id].offset = offset;
    return id;
}

void History::ok_commit(OperationId id, Instant now) {
    Operation& operation = pending(id, OperationType::commit);
    operation.result = OperationResult::ok;
    operation.completed = now;
}

void History::assign(std::string process, std::string group, PartitionId partition, Offset position,
                     Instant now) {
    OperationId id = invoke(std::move(process), OperationType::assign, partition, now);
    operations_[id].group = std::move(group);
    operations_[id].offset = position;
    operations_[id].result = OperationResult::ok;
}

void History::fail(OperationId id, Instant now, std::string error) {
    ASSERT(id < operations_.size(), "no operation {}", id);
    Operation& operation = pending(id, operations_[id].type);
    operation.result = OperationResult::fail;
    operation.completed = now;
    operation.error = std::move(error);
}

void History::info(OperationId id, Instant now, std::string error) {
    ASSERT(id < operations_.size(), "no operation {}", id);
    Operation& operation = pending(id, operations_[id].type);
    operation.result = OperationResult::info;
    operation.completed = now;
    operation.error = std::move(error);
}

}  // namespace brook::scenarios
