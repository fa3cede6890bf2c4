// The Catch2 runner. It prints the random seed first so that any failure can be replayed with
// `brook_tests --rng-seed <seed> "<test name>"`. RapidCheck properties take their seed from
// RC_PARAMS, which defaults to the same seed (see tests/README.md).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    Catch::Session session;
    int status = session.applyCommandLine(argc, argv);
    if (status != 0) return status;
    unsigned seed = session.config().rngSeed();
    // RapidCheck draws its own seed from the OS unless told; tie it to Catch's so one number
    // replays both. An explicit RC_PARAMS still wins.
    if (std::getenv("RC_PARAMS") == nullptr) {
        std::string params = "seed=" + std::to_string(seed);
        ::setenv("RC_PARAMS", params.c_str(), 1);
    }
    std::printf("SEED=%u (replay: --rng-seed %u; RC_PARAMS=\"%s\")\n", seed, seed,
                std::getenv("RC_PARAMS"));
    return session.run();
}
