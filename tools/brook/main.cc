// The `brook` command line: one binary, one subcommand per file in tools/brook/.
#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: brook <command> [options]\n");
        return 2;
    }
    std::fprintf(stderr, "brook: unknown command '%s'\n", argv[1]);
    return 2;
}
