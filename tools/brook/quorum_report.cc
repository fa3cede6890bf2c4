#include "tools/brook/quorum_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "tools/brook/text_table.h"

namespace brook::tools {
namespace {

using client::QuorumDescription;
using client::QuorumReplica;

const QuorumReplica* leader_of(const QuorumDescription& quorum) {
    for (const QuorumReplica& voter : quorum.voters) {
        if (voter.id == quorum.leader) return &voter;
    }
    return nullptr;
}

std::string id_list(const std::vector<QuorumReplica>& replicas) {
    std::string text = "[";
    for (const QuorumReplica& replica : replicas) {
        if (text.size() > 1) text += ',';
        text += std::to_string(replica.id.value());
    }
    return text + "]";
}

int64_t lag_behind(const QuorumReplica* leader, const QuorumReplica& replica) {
    if (leader == nullptr || leader->log_end_offset.value() < 0 ||
        replica.log_end_offset.value() < 0) {
        return -1;
    }
    return leader->log_end_offset.value() - replica.log_end_offset.value();
}

std::string timestamp_text(int64_t timestamp_ms, ReplicationTimes times, int64_t now_ms) {
    if (timestamp_ms < 0) return "-1";
    if (times == ReplicationTimes::raw) return std::to_string(timestamp_ms);
    return fmt::format("{} ms ago", std::max<int64_t>(0, now_ms - timestamp_ms));
}

}  // namespace

std::string quorum_status_text(const std::optional<std::string>& cluster_id,
                               const QuorumDescription& quorum) {
    int64_t max_lag = -1;
    int64_t max_lag_time_ms = -1;
    const QuorumReplica* leader = leader_of(quorum);
    if (leader != nullptr) {
        // Kafka's choice: the voter with the smallest log end (the first such, in answer order).
        const QuorumReplica& slowest = *std::min_element(
            quorum.voters.begin(), quorum.voters.end(),
            [](const QuorumReplica& a, const QuorumReplica& b) {
                return a.log_end_offset < b.log_end_offset;
            });
        max_lag = leader->log_end_offset.value() - slowest.log_end_offset.value();
        if (&slowest == leader) {
            max_lag_time_ms = 0;
        } else if (leader->last_caught_up_ms >= 0 && slowest.last_caught_up_ms >= 0) {
            max_lag_time_ms = leader->last_caught_up_ms - slowest.last_caught_up_ms;
        }
    }
    std::string text;
    text += fmt::format("ClusterId:              {}\n", cluster_id.value_or("unknown"));
    text += fmt::format("LeaderId:               {}\n", quorum.leader.value());
    text += fmt::format("LeaderEpoch:            {}\n", quorum.leader_epoch.value());
    text += fmt::format("HighWatermark:          {}\n", quorum.high_watermark.value());
    text += fmt::format("MaxFollowerLag:         {}\n", max_lag);
    text += fmt::format("MaxFollowerLagTimeMs:   {}\n", max_lag_time_ms);
    text += fmt::format("CurrentVoters:          {}\n", id_list(quorum.voters));
    text += fmt::format("CurrentObservers:       {}\n", id_list(quorum.observers));
    return text;
}

std::string quorum_replication_text(const QuorumDescription& quorum, ReplicationTimes times,
                                    int64_t now_ms) {
    const QuorumReplica* leader = leader_of(quorum);
    std::vector<std::vector<std::string>> rows = {{"NodeId", "LogEndOffset", "Lag",
                                                   "LastFetchTimestamp", "LastCaughtUpTimestamp",
                                                   "Status"}};
    auto add = [&](const QuorumReplica& replica, const char* status) {
        rows.push_back({std::to_string(replica.id.value()),
                        std::to_string(replica.log_end_offset.value()),
                        std::to_string(lag_behind(leader, replica)),
                        timestamp_text(replica.last_fetch_ms, times, now_ms),
                        timestamp_text(replica.last_caught_up_ms, times, now_ms), status});
    };
    if (leader != nullptr) add(*leader, "Leader");
    for (const QuorumReplica& voter : quorum.voters) {
        if (&voter != leader) add(voter, "Follower");
    }
    for (const QuorumReplica& observer : quorum.observers) add(observer, "Observer");

    return table_text(rows);
}

std::string cluster_description_text(const client::ClusterDescription& cluster) {
    std::string text;
    text += fmt::format("ClusterId:    {}\n", cluster.cluster_id);
    text += fmt::format("ControllerId: {}\n", cluster.controller.value());
    text += fmt::format("Brokers:      {}\n", cluster.brokers.size());
    for (const client::ClusterBroker& broker : cluster.brokers) {
        text += fmt::format("  id: {}\thost: {}\tport: {}\track: {}\n", broker.id.value(),
                            broker.host, broker.port, broker.rack.value_or("null"));
    }
    return text;
}

}  // namespace brook::tools
