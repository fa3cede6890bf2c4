// The `brook` command line: one binary, one subcommand per file in tools/brook/.
#include <cstdio>
#include <string_view>

#include "tools/brook/commands.h"

namespace {

struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"serve", "run the single-node Kafka-compatible broker", brook::tools::serve_command},
    {"format", "format data directories for a KRaft cluster (kafka-storage format)",
     brook::tools::format_command},
    {"random-uuid", "print a new cluster id", brook::tools::random_uuid_command},
    {"sim", "run, list and replay simulation scenarios", brook::tools::sim_command},
    {"counter", "run the toy replicated counter on real sockets and files",
     brook::tools::counter_command},
    {"bench", "benchmarks with baselines measured in the same run", brook::tools::bench_command},
    {"topics", "create, list, describe, alter and delete topics", brook::tools::topics_command},
    {"produce", "send stdin lines as records", brook::tools::produce_command},
    {"consume", "print records, one a line", brook::tools::consume_command},
    {"groups", "list and describe consumer groups", brook::tools::groups_command},
    {"configs", "describe and alter topic configs", brook::tools::configs_command},
    {"cluster", "the KRaft metadata quorum and the cluster; unsafe quorum recovery",
     brook::tools::cluster_command},
};

void print_usage(std::FILE* out) {
    std::fprintf(out, "usage: brook <command> [options]\n\ncommands:\n");
    for (const Command& command : kCommands) {
        std::fprintf(out, "  %-12.*s %.*s\n", static_cast<int>(command.name.size()),
                     command.name.data(), static_cast<int>(command.summary.size()),
                     command.summary.data());
    }
    std::fprintf(out, "\n`brook <command> --help` describes each command.\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(stdout);
        return 0;
    }
    for (const Command& command : kCommands) {
        if (command.name == name) return command.run(argc - 1, argv + 1);
    }
    std::fprintf(stderr, "brook: unknown command '%s'\n\n", argv[1]);
    print_usage(stderr);
    return 2;
}
