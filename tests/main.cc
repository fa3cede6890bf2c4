// The Catch2 runner. It prints the random seed first so that any failure can be replayed with
// `brook_tests --rng-seed <seed> "<test name>"`. RapidCheck properties take their seed from
// RC_PARAMS (see tests/README.md).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    Catch::Session session;
    int status = session.applyCommandLine(argc, argv);
    if (status != 0) return status;
    std::printf("SEED=%u (replay: --rng-seed %u)\n", session.config().rngSeed(),
                session.config().rngSeed());
    return session.run();
}
