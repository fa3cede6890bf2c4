// core/ must not touch the OS: the simulator controls only what passes through the seams in
// core/io/. This test reads every file under core/ and fails on any header or call that would
// reach around them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct ForbiddenPattern {
    std::string what;
    std::regex pattern;
};

const std::vector<ForbiddenPattern>& rules() {
    static const std::vector<ForbiddenPattern> all = {
        {"OS header", std::regex(R"(#\s*include\s*<(sys/|unistd\.h|fcntl\.h|netinet/|arpa/|netdb\.h|poll\.h|signal\.h|csignal|pthread|dirent\.h|dlfcn\.h))")},
        {"thread or lock header", std::regex(R"(#\s*include\s*<(thread|mutex|shared_mutex|condition_variable|future|atomic|stop_token|semaphore)>)")},
        {"file or random header", std::regex(R"(#\s*include\s*<(random|filesystem|fstream|ctime|time\.h)>)")},
        {"system clock", std::regex(R"(std::chrono::(system_clock|steady_clock|high_resolution_clock|utc_clock|file_clock))")},
        {"OS randomness", std::regex(R"(random_device|[^_a-zA-Z0-9.>:]s?rand\s*\(|getrandom|arc4random)")},
        {"environment", std::regex(R"(getenv\s*\(|secure_getenv)")},
        {"wall-clock call", std::regex(R"([^_a-zA-Z0-9.>:]time\s*\(|gettimeofday|clock_gettime|[^_a-zA-Z0-9.>]clock\s*\(\))")},
        {"thread", std::regex(R"(std::(thread|jthread|async|mutex)\b)")},
        {"file or socket call", std::regex(R"([^_a-zA-Z0-9.>]::(open|read|write|close|socket|connect|accept|fsync|fdatasync|sleep|usleep)\s*\(|\bfopen\s*\()")},
    };
    return all;
}

// Where a rule may not apply, and why.
bool allowed(const std::string& relative_path, const std::string& what) {
    // An assertion failure prints its report to stderr just before abort(); that output
    // cannot influence a run.
    return relative_path == "core/base/check.cc" && what == "OS header";
}

std::vector<std::string> violations_in(const std::string& relative_path, std::istream& text) {
    std::vector<std::string> found;
    std::string line;
    int number = 0;
    while (std::getline(text, line)) {
        ++number;
        std::string code = line.substr(0, line.find("//"));  // comments may name anything
        for (const ForbiddenPattern& rule : rules()) {
            if (std::regex_search(" " + code, rule.pattern) && !allowed(relative_path, rule.what)) {
                found.push_back(relative_path + ":" + std::to_string(number) + ": " + rule.what +
                                ": " + line);
            }
        }
    }
    return found;
}

TEST_CASE("purity: core/ uses no OS headers, threads, system clocks, rand or getenv") {
    namespace fs = std::filesystem;
    fs::path root = BROOK_SOURCE_DIR;
    std::vector<std::string> violations;
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root / "core")) {
        std::string extension = entry.path().extension().string();
        if (extension != ".h" && extension != ".cc") continue;
        ++files;
        std::ifstream in(entry.path());
        std::string relative = fs::relative(entry.path(), root).string();
        for (std::string& violation : violations_in(relative, in)) violations.push_back(violation);
    }
    INFO("scanned " << files << " files");
    REQUIRE(files > 10);
    for (const std::string& violation : violations) UNSCOPED_INFO(violation);
    REQUIRE(violations.empty());
}

TEST_CASE("purity: the scanner flags what it must") {
    const std::vector<std::string> forbidden = {
        "#include <sys/socket.h>",  "#include <thread>",
        "#include <random>",        "auto t = std::chrono::steady_clock::now();",
        "int x = rand();",          "const char* home = getenv(\"HOME\");",
        "time_t now = time(nullptr);", "std::thread worker([]{});",
        "int fd = ::open(path, 0);",   "std::random_device device;",
    };
    for (const std::string& line : forbidden) {
        std::istringstream text(line);
        INFO(line);
        REQUIRE(violations_in("core/x.cc", text).size() >= 1);
    }
    const std::vector<std::string> fine = {
        "WallTime wall_time() const;", "Instant deadline = clock.now() + seconds(1);",
        "// std::thread is banned here", "Result<std::size_t> n = file.read_at(0, buffer);",
        "clock.sleep_for(milliseconds(5));", "#include <chrono>",
    };
    for (const std::string& line : fine) {
        std::istringstream text(line);
        INFO(line);
        REQUIRE(violations_in("core/x.cc", text).empty());
    }
}

}  // namespace
