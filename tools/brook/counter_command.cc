// `brook counter serve`: the toy replicated counter on real sockets and files. (Wired to the
// epoll and POSIX backends once they land.)
#include <fmt/format.h>

#include "tools/brook/commands.h"

namespace brook::tools {

int counter_command(int argc, char** argv) {
    fmt::print(stderr, "brook counter: not available yet\n");
    return 2;
}

}  // namespace brook::tools
