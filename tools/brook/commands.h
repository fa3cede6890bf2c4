// Entry points of the `brook` subcommands. Each gets argv starting at its own name.
#pragma once

namespace brook::tools {

int sim_command(int argc, char** argv);
int counter_command(int argc, char** argv);
int bench_command(int argc, char** argv);
int serve_command(int argc, char** argv);
int format_command(int argc, char** argv);
int random_uuid_command(int argc, char** argv);
int topics_command(int argc, char** argv);
int produce_command(int argc, char** argv);
int consume_command(int argc, char** argv);
int groups_command(int argc, char** argv);
int configs_command(int argc, char** argv);
int cluster_command(int argc, char** argv);

}  // namespace brook::tools
