// `brook cluster`: the KRaft cluster's own state. `quorum` is Kafka's `kafka-metadata-quorum
// describe` (DescribeQuorum on a controller listener, or on a broker that forwards it),
// `describe` prints DescribeCluster, and `unsafe-reset-quorum` is the last resort after a
// majority of the voters is lost for good (core/quorum/quorum_reset.h says what it may lose).
#include <fmt/format.h>

#include <filesystem>
#include <functional>

#include "core/broker/kraft_config.h"
#include "core/client/cluster_calls.h"
#include "core/cluster/meta_properties.h"
#include "core/quorum/quorum_reset.h"
#include "tools/brook/client_command.h"
#include "tools/brook/commands.h"
#include "tools/brook/quorum_report.h"
#include "tools/brook/server_properties.h"

namespace brook::tools {
namespace {

constexpr const char* kClusterUsage = R"(usage:
  brook cluster quorum [--status | --replication [--human-readable]]
                       (--bootstrap-controller HOST:PORT[,...] | --bootstrap-server HOST:PORT[,...])
  brook cluster describe [--bootstrap-server HOST:PORT[,...]]
  brook cluster unsafe-reset-quorum --config server.properties --voters ID@HOST:PORT[,...]
                       [--override key=value]...

  quorum                 the metadata quorum, like kafka-metadata-quorum describe: asks
                         DescribeQuorum on a CONTROLLER listener (--bootstrap-controller) or on
                         a broker, which forwards it (--bootstrap-server), trying each address
                         in turn until one answers
    --status             (the default) ClusterId, LeaderId, LeaderEpoch, HighWatermark,
                         MaxFollowerLag, MaxFollowerLagTimeMs, CurrentVoters, CurrentObservers;
                         ClusterId is "unknown" where the listener does not answer
                         DescribeCluster
    --replication        a row per replica: NodeId, LogEndOffset, Lag, LastFetchTimestamp,
                         LastCaughtUpTimestamp, Status (Leader, Follower, Observer)
    --human-readable     with --replication: the timestamps as "N ms ago"
  describe               DescribeCluster on a broker: the cluster id, the controller and the
                         live brokers
  unsafe-reset-quorum    UNSAFE. For a quorum that lost a majority of its voters for good:
                         run it on every surviving voter while its node is stopped. It rewrites
                         the node's quorum-state (under log.dirs, beside its metadata log) for
                         the new voter set --voters, which must include the node, with a new
                         epoch and no vote. Then set controller.quorum.voters to the same list on every
                         surviving node (brokers too) and start them. Metadata the lost majority
                         committed and no survivor received is lost, and entries a survivor holds
                         that were never committed become committed. A lost voter must never
                         come back with its old data: format it again.

common options:
  --timeout-ms N         give up after N ms (10000)
  --help                 this text
)";

struct QuorumOptions {
    bool replication = false;
    bool human_readable = false;
    bool through_controller = false;
    int64_t timeout_ms = 10'000;
};

// Runs `ask` on a connection to each address in turn until it succeeds (it prints the answer);
// otherwise the command fails naming every address and its error:
// "no broker answered DescribeCluster:\n  host:port: ...". May suspend.
int ask_each(ClientCommand& command, ClientContext& context, Instant deadline,
             std::string_view who, std::string_view api,
             const std::function<Result<void>(client::KafkaConnection&)>& ask) {
    std::string failures;
    for (const Address& address : context.bootstrap) {
        auto connected = client::KafkaConnection::connect(context.env.network, address, deadline,
                                                          "brook-cli");
        Result<void> answered = connected ? ask(**connected) : Result<void>(connected.error());
        if (answered) return 0;
        failures += fmt::format("\n  {}: {}", address.to_string(), answered.error().describe());
    }
    return command.fail(fmt::format("no {} answered {}:{}", who, api, failures));
}

// DescribeQuorum at each address in turn; the first answer is printed. May suspend.
int describe_quorum(ClientCommand& command, ClientContext& context, const QuorumOptions& options) {
    Instant deadline = context.env.clock.now() + milliseconds(options.timeout_ms);
    return ask_each(
        command, context, deadline, options.through_controller ? "controller" : "broker",
        "DescribeQuorum", [&](client::KafkaConnection& kafka) -> Result<void> {
            TRY_ASSIGN(client::QuorumDescription quorum, client::describe_quorum(kafka, deadline));
            if (options.replication) {
                ReplicationTimes times = options.human_readable ? ReplicationTimes::relative
                                                                : ReplicationTimes::raw;
                fmt::print("{}", quorum_replication_text(quorum, times,
                                                         wall_ms(context.env.clock.wall_now())));
                return {};
            }
            // Kafka's tool takes the cluster id from DescribeCluster; a controller listener
            // that does not serve it closes the connection, which costs nothing now.
            std::optional<std::string> cluster_id;
            if (auto cluster = client::describe_cluster(kafka, deadline)) {
                cluster_id = cluster->cluster_id;
            }
            fmt::print("{}", quorum_status_text(cluster_id, quorum));
            return {};
        });
}

int quorum_command(Arguments& args) {
    ClientCommand command("cluster quorum", kClusterUsage);
    std::optional<std::string> controllers = args.value("--bootstrap-controller");
    bool gave_server = args.value("--bootstrap-server").has_value();
    if (auto exit = command.parse_common(args)) return *exit;
    QuorumOptions options;
    bool status = args.flag("--status");
    options.replication = args.flag("--replication");
    options.human_readable = args.flag("--human-readable");
    if (auto exit = command.read_integer(args, "--timeout-ms", options.timeout_ms, 1, 3'600'000)) {
        return *exit;
    }
    if (auto exit = command.check_unused(args)) return *exit;
    if (status && options.replication) {
        return command.usage_error("give one of --status and --replication");
    }
    if (options.human_readable && !options.replication) {
        return command.usage_error("--human-readable goes with --replication");
    }
    if (controllers.has_value() == gave_server) {
        return command.usage_error("give one of --bootstrap-controller and --bootstrap-server");
    }
    std::vector<Address> addresses = command.bootstrap();
    if (controllers) {
        Result<std::vector<Address>> parsed = parse_bootstrap_servers(*controllers);
        if (!parsed) return command.usage_error(parsed.error().context());
        addresses = std::move(*parsed);
        options.through_controller = true;
    }
    return command.run([&](ClientContext& context) {
        context.bootstrap = addresses;
        return describe_quorum(command, context, options);
    });
}

int describe_command(Arguments& args) {
    ClientCommand command("cluster describe", kClusterUsage);
    if (auto exit = command.parse_common(args)) return *exit;
    int64_t timeout_ms = 10'000;
    if (auto exit = command.read_integer(args, "--timeout-ms", timeout_ms, 1, 3'600'000)) {
        return *exit;
    }
    if (auto exit = command.check_unused(args)) return *exit;
    return command.run([&](ClientContext& context) {
        Instant deadline = context.env.clock.now() + milliseconds(timeout_ms);
        return ask_each(command, context, deadline, "broker", "DescribeCluster",
                        [&](client::KafkaConnection& kafka) -> Result<void> {
                            TRY_ASSIGN(client::ClusterDescription cluster,
                                       client::describe_cluster(kafka, deadline));
                            fmt::print("{}", cluster_description_text(cluster));
                            return {};
                        });
    });
}

// What the operator must read after a reset: what happened, what may be lost, what to do next.
void print_reset(const quorum::QuorumReset& reset, const std::string& directory,
                 const std::string& voters_text) {
    auto ids = [](const std::vector<raft::NodeId>& nodes) {
        std::string text;
        for (raft::NodeId node : nodes) text += fmt::format("{}{}", text.empty() ? "" : ",", node);
        return text;
    };
    fmt::print(
        "UNSAFE quorum reset of {}:\n"
        "  epoch {} -> {} (no vote, no leader); voters [{}] -> [{}]\n"
        "  this node's metadata log ends at offset {} (last entry of epoch {})\n"
        "What may be lost: metadata records at offset {} and after that the lost voters "
        "committed (this node never received them), e.g. topics created or brokers registered "
        "last; records in this node's log that were never committed become committed.\n"
        "Next: run this on every other surviving voter, set\n"
        "  controller.quorum.voters={}\n"
        "on every surviving node (brokers too), and start them. Never start a lost voter with "
        "its old data: format it again.\n",
        directory, reset.before.state.epoch, reset.after.state.epoch, ids(reset.before.voters),
        ids(reset.after.voters), reset.log_end_offset, reset.last_log_epoch,
        reset.log_end_offset, voters_text);
}

int unsafe_reset_command(Arguments& args) {
    auto usage_error = [](std::string_view message) {
        fmt::print(stderr, "brook cluster unsafe-reset-quorum: {}\n\n{}", message, kClusterUsage);
        return 2;
    };
    auto fail = [](std::string_view message) {
        fmt::print(stderr, "brook cluster unsafe-reset-quorum: {}\n", message);
        return 1;
    };
    if (args.flag("--help")) {
        fmt::print("{}", kClusterUsage);
        return 0;
    }
    std::optional<std::string> config_path = args.value("--config");
    std::optional<std::string> voters_text = args.value("--voters");
    std::vector<std::string> overrides = args.values("--override");
    if (auto problem = args.problem()) return usage_error(*problem);
    if (!config_path || !voters_text) return usage_error("--config and --voters are required");
    broker::KraftConfig parsed_voters;
    if (Result<bool> set = parsed_voters.set("controller.quorum.voters", *voters_text); !set) {
        return usage_error("--voters: " + set.error().context());
    }
    Result<broker::BrokerConfig> config = load_server_properties(config_path, overrides);
    if (!config) return fail(config.error().context());
    if (!config->kraft.controller_role) {
        return fail(fmt::format("{} is not a voter's: process.roles lacks controller",
                                *config_path));
    }
    // Where `brook serve` keeps the node's metadata log and quorum-state: under the log
    // directory, the root of its Disk, even when metadata.log.dir names another directory (that
    // one holds only its meta.properties; core/node/kraft_node.cc says why).
    const std::string& directory = config->log_dir;
    // RealRuntime creates its directory; a missing one is simply not this node's.
    if (!std::filesystem::is_directory(directory)) {
        return fail(fmt::format("{} is not formatted: no such directory", directory));
    }
    Result<std::unique_ptr<RealRuntime>> runtime = RealRuntime::create(directory, LogLevel::warn);
    if (!runtime) return fail(runtime.error().describe());
    int status = 1;
    (*runtime)->scheduler().spawn("unsafe-reset-quorum", [&] {
        Environment& env = (*runtime)->environment();
        Result<std::optional<cluster::MetaProperties>> meta = cluster::read_meta_properties(env.disk);
        if (!meta || !*meta) {
            status = fail(fmt::format("{} is not formatted: {}", directory,
                                      meta ? "no meta.properties" : meta.error().describe()));
        } else if ((*meta)->node_id != config->node_id) {
            status = fail(fmt::format("{}/meta.properties has node.id={}, the configuration {}",
                                      directory, (*meta)->node_id, config->node_id));
        } else {
            quorum::QuorumResetRequest request{.self = config->node_id,
                                               .cluster_id = (*meta)->cluster_id};
            for (const broker::QuorumVoter& voter : parsed_voters.quorum_voters) {
                request.voters.push_back(voter.id);
            }
            Result<quorum::QuorumReset> reset =
                quorum::unsafe_reset_quorum(env.disk, Logger(env.log_sink, "quorum-reset"),
                                            std::move(request));
            if (!reset) {
                status = fail(reset.error().describe());
            } else {
                print_reset(*reset, directory, *voters_text);
                status = 0;
            }
        }
        (*runtime)->scheduler().stop();
    });
    (*runtime)->scheduler().run();
    return status;
}

}  // namespace

int cluster_command(int argc, char** argv) {
    std::string_view action = argc >= 2 ? std::string_view(argv[1]) : std::string_view();
    Arguments args(argc, argv, 2);
    if (action == "quorum") return quorum_command(args);
    if (action == "describe") return describe_command(args);
    if (action == "unsafe-reset-quorum") return unsafe_reset_command(args);
    if (action == "--help" || action == "-h") {
        fmt::print("{}", kClusterUsage);
        return 0;
    }
    fmt::print(stderr, "brook cluster: {}\n\n{}",
               action.empty() ? "which action?" : fmt::format("unknown action '{}'", action),
               kClusterUsage);
    return 2;
}

}  // namespace brook::tools
