#include "core/quorum/fetch_parking.h"

#include <variant>

#include "core/base/check.h"

namespace brook::quorum {

void FetchParking::remember(const raft::Message& request) {
    ASSERT(std::holds_alternative<raft::FetchRequest>(request.body));
    if (park_time_ == Duration(0)) return;
    requests_[request.from] = request;
}

bool FetchParking::hold(const raft::Message& message, const raft::RaftNode& raft, Instant now) {
    const auto* response = std::get_if<raft::FetchResponse>(&message.body);
    if (response == nullptr || park_time_ == Duration(0)) return false;
    if (should_hold(message, *response, raft)) {
        parked_[message.to] =
            Parked{requests_.at(message.to), response->high_watermark, now + park_time_};
        return true;
    }
    released_.erase(message.to);
    told_high_watermark_[message.to] = response->high_watermark;
    return false;
}

bool FetchParking::should_hold(const raft::Message& message, const raft::FetchResponse& response,
                               const raft::RaftNode& raft) const {
    auto released = released_.find(message.to);
    if (released != released_.end() && released->second == message.correlation_id) return false;
    auto request = requests_.find(message.to);
    if (request == requests_.end() || request->second.correlation_id != message.correlation_id) {
        return false;
    }
    // Nothing new for the follower: no entries, no truncation or snapshot to do, and the high
    // watermark it was told last (a new one lets it commit: that is news).
    auto told = told_high_watermark_.find(message.to);
    return raft.role() == raft::Role::leader && response.error == raft::RaftError::none &&
           response.records.empty() && !response.diverging_epoch && !response.snapshot_id &&
           told != told_high_watermark_.end() && told->second == response.high_watermark;
}

std::vector<raft::Message> FetchParking::due(const raft::RaftNode& raft, Instant now) {
    std::vector<raft::Message> due;
    for (auto it = parked_.begin(); it != parked_.end();) {
        const Parked& parked = it->second;
        const auto& fetch = std::get<raft::FetchRequest>(parked.request.body);
        bool news =
            raft.role() != raft::Role::leader || raft.epoch() != fetch.current_leader_epoch ||
            raft.log_end() > fetch.fetch_offset || raft.high_watermark() != parked.high_watermark;
        if (!news && now < parked.deadline) {
            ++it;
            continue;
        }
        released_[it->first] = parked.request.correlation_id;
        due.push_back(parked.request);
        it = parked_.erase(it);
    }
    return due;
}

void FetchParking::clear() {
    requests_.clear();
    parked_.clear();
    released_.clear();
    told_high_watermark_.clear();
}

}  // namespace brook::quorum
