#include "core/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace brook {
namespace {
CheckContextFunction g_context_function = nullptr;
void* g_context_argument = nullptr;
}  // namespace

void set_check_context(CheckContextFunction function, void* argument) {
    g_context_function = function;
    g_context_argument = argument;
}

void check_failed(const char* file, int line, const char* expression, const std::string& message) {
    std::string report = fmt::format("ASSERT failed at {}:{}: {}", file, line, expression);
    if (!message.empty()) report += fmt::format(" ({})", message);
    if (g_context_function != nullptr) {
        report += fmt::format(" [{}]", g_context_function(g_context_argument));
    }
    std::fprintf(stderr, "%s\n", report.c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace brook
