// Always-on assertions for internal invariants.
//
//   ASSERT(offset >= log_start_offset_, "offset {} below log start {}", offset, log_start_offset_);
//   EXPENSIVE_ASSERT(index_is_sorted());     // only in debug and simulation builds
//
// A failed ASSERT prints file, line, the expression, the formatted message and, when a simulator
// is running, its seed and virtual time (see set_check_context), then aborts. ASSERT guards what
// the program itself promises; bytes from a socket or a disk are never ASSERTed, they are
// validated and rejected with a Result error (core/base/result.h).
#pragma once

#include <fmt/format.h>

#include <string>

namespace brook {

// Describes the run in progress for a failure report, e.g. "SEED=42 t=1.203004s". The simulator
// installs one for the duration of a run; production leaves it empty.
using CheckContextFunction = std::string (*)(void* argument);
void set_check_context(CheckContextFunction function, void* argument);

[[noreturn]] void check_failed(const char* file, int line, const char* expression,
                               const std::string& message);

}  // namespace brook

#define ASSERT(condition, ...)                                                       \
    do {                                                                            \
        if (!(condition)) [[unlikely]] {                                            \
            ::brook::check_failed(__FILE__, __LINE__, #condition,                   \
                                  ::brook::detail::check_message(__VA_ARGS__));     \
        }                                                                           \
    } while (false)

#if defined(BROOK_EXPENSIVE_CHECKS)
#define EXPENSIVE_ASSERT(condition, ...) ASSERT(condition, __VA_ARGS__)
#else
#define EXPENSIVE_ASSERT(condition, ...) \
    do {                                \
    } while (false && (condition))
#endif

#define UNREACHABLE(...) ::brook::check_failed(__FILE__, __LINE__, "unreachable", \
                                               ::brook::detail::check_message(__VA_ARGS__))

namespace brook::detail {
inline std::string check_message() { return {}; }
template <typename... Args>
std::string check_message(fmt::format_string<Args...> format, Args&&... args) {
    return fmt::format(format, std::forward<Args>(args)...);
}
}  // namespace brook::detail
