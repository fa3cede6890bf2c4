// `brook counter serve`: the toy replicated counter (core/counter/) on real sockets and files,
// the same code the `counter` simulation scenario runs.
#include <fmt/format.h>

#include "core/counter/counter_server.h"
#include "tools/brook/arguments.h"
#include "tools/brook/commands.h"
#include "tools/brook/real_runtime.h"

namespace brook::tools {
namespace {

constexpr const char* kCounterUsage = R"(usage:
  brook counter serve --listen HOST:PORT --data DIR [--backup HOST:PORT]...
      serves the counter; with --backup it is the primary and replicates every increment to
      each backup before acknowledging it. Protocol, one line each way:
        INC -> OK <value>      GET -> VALUE <value>      SET <v> -> ACK <v> (backups)
      SIGTERM or SIGINT stops it.
)";

int usage_error(const std::string& message) {
    fmt::print(stderr, "brook counter: {}\n\n{}", message, kCounterUsage);
    return 2;
}

}  // namespace

int counter_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    if (args.flag("--help") || args.positional().empty()) {
        fmt::print("{}", kCounterUsage);
        return args.positional().empty() ? 2 : 0;
    }
    if (args.positional().front() != "serve") {
        return usage_error(fmt::format("unknown verb '{}'", args.positional().front()));
    }
    counter::CounterOptions options;
    std::optional<std::string> listen = args.value("--listen");
    std::optional<std::string> data = args.value("--data");
    if (!listen || !data) return usage_error("--listen and --data are required");
    Result<Address> address = Address::parse(*listen);
    if (!address) return usage_error(address.error().describe());
    options.listen = *address;
    for (const std::string& backup : args.values("--backup")) {
        Result<Address> parsed = Address::parse(backup);
        if (!parsed) return usage_error(parsed.error().describe());
        options.backups.push_back(*parsed);
    }
    if (auto problem = args.problem(/*takes_positional=*/true)) return usage_error(*problem);

    Result<std::unique_ptr<RealRuntime>> runtime = RealRuntime::create(*data);
    if (!runtime) {
        fmt::print(stderr, "brook counter: {}\n", runtime.error().describe());
        return 1;
    }
    int status = 0;
    Logger log((*runtime)->log_sink(), "counter");
    (*runtime)->scheduler().spawn("counter", [&] {
        counter::CounterServer server((*runtime)->environment(), options);
        Result<void> served = server.run();
        if (!served) status = 1;
        (*runtime)->scheduler().stop();
    });
    (*runtime)->scheduler().run();
    log.info("stopped");
    return status;
}

}  // namespace brook::tools
