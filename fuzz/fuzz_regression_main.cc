// Runs a fuzz target over every file of the corpus folders (or files) named on the command line,
// so fuzz targets double as regression tests in builds without libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void run_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}
}  // namespace

int main(int argc, char** argv) {
    int inputs = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path path(argv[i]);
        if (std::filesystem::is_directory(path)) {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::directory_iterator(path)) {
                files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end());
            for (const auto& file : files) {
                run_file(file);
                ++inputs;
            }
        } else if (std::filesystem::exists(path)) {
            run_file(path);
            ++inputs;
        }
    }
    // Also the empty input, so a target with no corpus yet is still exercised.
    LLVMFuzzerTestOneInput(nullptr, 0);
    std::printf("%d corpus inputs ran\n", inputs);
    return 0;
}
