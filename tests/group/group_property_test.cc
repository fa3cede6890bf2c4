// RapidCheck: random interleavings of joins, syncs, heartbeats, leaves, crashes (silence) and
// time never give two members the same partition in one generation, and the generations the
// group hands out never decrease.
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "core/group/group.h"

namespace brook::group {
namespace {

constexpr int kAssignedPartitions = 6;
constexpr int kClients = 4;

enum class Action { join, sync, heartbeat, leave, go_silent, advance };

struct Step {
    Action action;
    int client;
    int millis;
};

// A client as the real ones behave: it remembers its member id and generation, and the leader
// assigns partitions round-robin over the members it was told about.
struct Client {
    std::string member_id;
    int32_t generation = -1;
    std::vector<std::string> members;  // set when it led the last round
    bool silent = false;
};

Bytes encode_partitions(const std::vector<int>& partitions) {
    return Bytes(partitions.begin(), partitions.end());
}

}  // namespace

TEST_CASE("group property: one owner per partition per generation, generations only increase",
          "[group]") {
    rc::prop("", [] {
        Group group("app", GroupLimits{.initial_rebalance_delay = milliseconds(0),
                                       .min_session_timeout = milliseconds(10),
                                       .max_session_timeout = seconds(60)});
        Instant now{seconds(1)};
        std::vector<Client> clients(kClients);
        std::map<uint64_t, int> join_tickets;                      // ticket -> client
        std::map<uint64_t, std::pair<int, int32_t>> sync_tickets;  // ticket -> client, gen
        std::map<int32_t, std::map<int, std::string>> owners;      // gen -> partition -> member
        int32_t highest_generation = 0;
        uint64_t next_ticket = 1;
        int next_member = 1;

        auto on_join = [&](int client, const JoinResult& result) {
            if (result.error != KafkaError::none) {
                if (result.error == KafkaError::unknown_member_id)
                    clients[client].member_id.clear();
                return;
            }
            RC_ASSERT(result.generation >= highest_generation);
            highest_generation = result.generation;
            clients[client].member_id = result.member_id;
            clients[client].generation = result.generation;
            clients[client].members.clear();
            for (const JoinMember& m : result.members)
                clients[client].members.push_back(m.member_id);
        };
        auto on_sync = [&](int client, int32_t generation, const SyncResult& result) {
            if (result.error != KafkaError::none) return;
            for (uint8_t partition : result.assignment) {
                auto [it, fresh] = owners[generation].emplace(partition, clients[client].member_id);
                RC_ASSERT(fresh || it->second == clients[client].member_id);
            }
        };
        auto collect = [&] {
            for (Completion& done : group.take_completions()) {
                if (done.join) {
                    on_join(join_tickets.at(done.ticket), *done.join);
                } else {
                    auto [client, generation] = sync_tickets.at(done.ticket);
                    on_sync(client, generation, *done.sync);
                }
            }
        };

        std::vector<Step> steps = *rc::gen::container<std::vector<Step>>(rc::gen::build<Step>(
            rc::gen::set(&Step::action,
                         rc::gen::element(Action::join, Action::sync, Action::heartbeat,
                                          Action::leave, Action::go_silent, Action::advance)),
            rc::gen::set(&Step::client, rc::gen::inRange(0, kClients)),
            rc::gen::set(&Step::millis, rc::gen::inRange(1, 4000))));
        for (const Step& step : steps) {
            Client& client = clients[step.client];
            switch (step.action) {
                case Action::join: {
                    client.silent = false;
                    uint64_t ticket = next_ticket++;
                    join_tickets[ticket] = step.client;
                    JoinInput in{.member_id = client.member_id,
                                 .group_instance_id = std::nullopt,
                                 .fresh_member_id = fmt::format("m{}", next_member++),
                                 .client_id = "c",
                                 .client_host = "/h",
                                 .session_timeout = milliseconds(3000),
                                 .rebalance_timeout = milliseconds(5000),
                                 .protocol_type = "consumer",
                                 .protocols = {Protocol{"range", {}}},
                                 .require_known_member_id = false};
                    JoinReply reply = group.join(in, now, ticket);
                    if (!reply.parked()) on_join(step.client, *reply.now);
                    break;
                }
                case Action::sync: {
                    if (client.member_id.empty() || client.silent) break;
                    SyncInput in{client.member_id, std::nullopt, client.generation,
                                 std::nullopt,     std::nullopt, {}};
                    for (std::size_t m = 0; m < client.members.size(); ++m) {
                        std::vector<int> mine;
                        for (int p = static_cast<int>(m); p < kAssignedPartitions;
                             p += static_cast<int>(client.members.size())) {
                            mine.push_back(p);
                        }
                        in.assignments[client.members[m]] = encode_partitions(mine);
                    }
                    uint64_t ticket = next_ticket++;
                    sync_tickets[ticket] = {step.client, client.generation};
                    SyncReply reply = group.sync(in, ticket);
                    if (!reply.parked()) on_sync(step.client, client.generation, *reply.now);
                    break;
                }
                case Action::heartbeat:
                    if (!client.member_id.empty() && !client.silent) {
                        (void)group.heartbeat(client.member_id, std::nullopt, client.generation,
                                              now);
                    }
                    break;
                case Action::leave:
                    if (!client.member_id.empty()) {
                        (void)group.leave({LeaveInput{client.member_id, std::nullopt}}, now);
                        client = Client{};
                    }
                    break;
                case Action::go_silent:
                    client.silent = true;
                    break;
                case Action::advance:
                    now += milliseconds(step.millis);
                    group.advance(now);
                    break;
            }
            collect();
            RC_ASSERT(group.generation() >= highest_generation);
            RC_ASSERT(group.next_deadline() > now || group.next_deadline() == kNever ||
                      group.state() == GroupState::preparing_rebalance);
        }
        // Every parked request is answered once time runs past every timeout.
        now += seconds(120);
        group.advance(now);
        collect();
        now += seconds(120);
        group.advance(now);
        collect();
        RC_ASSERT(group.state() == GroupState::empty);
    });
}

}  // namespace brook::group
