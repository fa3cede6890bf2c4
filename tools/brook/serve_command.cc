// `brook serve`: the Kafka-compatible broker on real sockets and files, the same code the
// simulation scenarios run: without process.roles the single-node broker (core/broker/), with it
// a KRaft cluster member (core/node/kraft_node.h).
#include <fmt/format.h>

#include <cstdio>

#include "core/broker/broker.h"
#include "core/cluster/directory_identity.h"
#include "core/node/kraft_node.h"
#include "disk/posix_disk.h"
#include "tools/brook/arguments.h"
#include "tools/brook/commands.h"
#include "tools/brook/real_runtime.h"
#include "tools/brook/server_properties.h"

namespace brook::tools {
namespace {

constexpr const char* kServeUsage = R"(usage:
  brook serve [--config server.properties] [--override key=value]...
              [--unsafe-lose-unsynced-writes]
      runs a Kafka-compatible broker. The configuration uses Kafka's server.properties
      format and key names (listeners, advertised.listeners, log.dirs, node.id,
      num.partitions, log.retention.hours, log.segment.bytes, auto.create.topics.enable,
      ...); each --override is applied on top of the file.
      Defaults: listeners=PLAINTEXT://127.0.0.1:9092 log.dirs=./data node.id=1.
      Without process.roles: a single-node broker; its data directory is formatted on first
      start. With process.roles (Kafka's KRaft keys: docs/design/cluster.md) a member of a
      cluster: process.roles=broker,controller (a voter of the metadata quorum and a
      broker), controller (a voter only) or broker (follows the quorum as an observer);
      controller.quorum.voters names the voters, a CONTROLLER listener in listeners serves
      the quorum. `brook format` must have formatted the directory for this node
      (tools/cluster/README.md starts three on one machine).
      SIGTERM or SIGINT: stop accepting, hand leaderships over (controlled shutdown, in a
      cluster), answer what is in flight, flush, exit 0.
  --unsafe-lose-unsynced-writes
      A TEST MODE that loses data: writes not yet covered by an fsync are held in the
      process's memory and reach the files only when synced, so kill -9 loses exactly what
      a power loss would (directory entries excepted: disk/lose_unsynced_disk.h). For
      durability tests with real processes on one machine; never for data that matters.
)";

int fail(const std::string& message) {
    fmt::print(stderr, "brook serve: {}\n", message);
    return 1;
}

// With process.roles set and metadata.log.dir naming another directory, that directory must be
// formatted for this node too; its cluster id is the one the log directory must hold. Runs
// before the scheduler: its disk has no sync worker, so a write (a missing directory.id) blocks.
Result<std::optional<std::string>> check_metadata_directory(const broker::BrokerConfig& config,
                                                            Random& random) {
    const std::string& directory = config.kraft.metadata_log_dir;
    if (!config.kraft.enabled() || directory.empty() || directory == config.log_dir) {
        return std::optional<std::string>();
    }
    PosixDisk disk(directory);
    cluster::DirectoryExpectation expected{directory, config.node_id,
                                           /*format_if_missing=*/false, std::nullopt};
    TRY_ASSIGN(cluster::MetaProperties meta,
               cluster::load_directory_identity(disk, random, expected));
    return std::optional<std::string>(std::move(meta.cluster_id));
}

// Runs `server` (a Broker or a KraftNode) until a signal asks it to stop and it has; 1 when it
// could not start or failed.
template <typename Server>
int serve_until_stopped(RealRuntime& runtime, Logger& log, Server& server) {
    int status = 0;
    runtime.on_shutdown_signal([&] {
        log.info("shutdown signal received");
        server.begin_shutdown();
    });
    runtime.scheduler().spawn("server", [&] {
        Result<void> ran = server.run();
        if (!ran) {
            log.error("{}", ran.error().describe());
            status = 1;
        }
        runtime.scheduler().stop();
    });
    runtime.scheduler().run();
    return status;
}

}  // namespace

int serve_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    if (args.flag("--help")) {
        fmt::print("{}", kServeUsage);
        return 0;
    }
    std::optional<std::string> config_path = args.value("--config");
    std::vector<std::string> overrides = args.values("--override");
    DiskMode disk_mode = args.flag("--unsafe-lose-unsynced-writes") ? DiskMode::lose_unsynced_writes
                                                                    : DiskMode::durable;
    if (auto problem = args.problem()) {
        fmt::print(stderr, "brook serve: {}\n\n{}", *problem, kServeUsage);
        return 2;
    }
    Result<broker::BrokerConfig> loaded = load_server_properties(config_path, overrides);
    if (!loaded) return fail(loaded.error().context());
    broker::BrokerConfig config = std::move(*loaded);
    Random random(seed_from_os());
    Result<std::optional<std::string>> cluster_id = check_metadata_directory(config, random);
    if (!cluster_id) return fail(cluster_id.error().describe());

    Result<std::unique_ptr<RealRuntime>> runtime =
        RealRuntime::create(config.log_dir, LogLevel::info, disk_mode);
    if (!runtime) return fail(runtime.error().describe());
    Logger log((*runtime)->log_sink(), "serve");
    if (disk_mode == DiskMode::lose_unsynced_writes) {
        log.warn("UNSAFE TEST MODE --unsafe-lose-unsynced-writes: writes not yet fsynced live "
                 "only in this process and die with it (kill -9 = power loss); never use it for "
                 "data that matters");
    }
    for (const std::string& key : config.ignored_keys()) {
        log.warn("ignoring {}: Brook has no use for it", key);
    }
    if (config.kraft.enabled()) {
        node::KraftNode node((*runtime)->environment(), config);
        if (*cluster_id) node.expect_cluster_id(**cluster_id);
        return serve_until_stopped(**runtime, log, node);
    }
    broker::Broker broker((*runtime)->environment(), config);
    if (*cluster_id) broker.expect_cluster_id(**cluster_id);
    return serve_until_stopped(**runtime, log, broker);
}

}  // namespace brook::tools
