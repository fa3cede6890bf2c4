// Errors as values. Everything that can fail while the system operates (a disk that is full, a
// peer that hung up, bytes that do not parse) returns a Result<T> instead of throwing.
// Assertions (ASSERT in core/base/check.h) are for broken invariants only, never for bad input.
//
//   Result<std::size_t> n = file.read_at(0, buffer);
//   if (!n) return n.error();               // propagate; Error converts into any Result<U>
//   use(buffer.first(*n));
//
// std::expected is not used on purpose: clang 14 (needed for libFuzzer) cannot compile it
// against Debian 12's libstdc++.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/base/check.h"

namespace brook {

// Operating error classes. Kafka's wire error codes are a separate enum, mapped at the request
// handlers; this one describes what went wrong underneath.
enum class ErrorCode {
    not_found,         // file, topic, peer or key does not exist
    already_exists,    // create of something that is there
    corruption,        // bytes from disk or network fail validation (CRC, framing, bounds)
    io_error,          // the device or the OS reported a failure (EIO, ...)
    no_space,          // ENOSPC or a configured capacity was reached
    disconnected,      // the peer closed or reset the connection, or the network is down
    timeout,           // a deadline passed before the operation completed
    invalid_argument,  // a caller passed something outside the contract of the operation
    unsupported,       // a valid request for something not implemented
    shutting_down,     // the component is stopping and refuses new work
    out_of_range,      // a position (an offset, an index) outside what exists, e.g. a fetch offset
    too_large,         // an input above a configured size limit (a batch over max.message.bytes)
};

std::string_view error_code_name(ErrorCode code);

// An error code plus a human-readable context ("open 00000000000000000000.log: EIO").
class [[nodiscard]] Error {
public:
    Error(ErrorCode code, std::string context = {}) : code_(code), context_(std::move(context)) {}

    ErrorCode code() const { return code_; }
    const std::string& context() const { return context_; }
    // "io_error: open x.log: EIO"
    std::string describe() const;

    // Prefixes the context with where the error passed through, for error messages that tell
    // the whole story: Error(io_error, "EIO").wrap("append x.log") -> "append x.log: EIO".
    Error wrap(std::string_view outer) const&;

private:
    ErrorCode code_;
    std::string context_;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        ASSERT(ok(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    const T& value() const& {
        ASSERT(ok(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    T&& value() && {
        ASSERT(ok(), "Result::value() on an error");
        return std::get<0>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& {
        ASSERT(!ok(), "Result::error() on a value");
        return std::get<1>(state_);
    }
    Error&& error() && {
        ASSERT(!ok(), "Result::error() on a value");
        return std::get<1>(std::move(state_));
    }

    T value_or(T fallback) const& { return ok() ? std::get<0>(state_) : std::move(fallback); }

private:
    std::variant<T, Error> state_;
};

// Success carries nothing; `return {};` or `return ok();` both read well.
struct Ok {};
inline Ok ok() { return {}; }

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Ok) {}
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& {
        ASSERT(failed_, "Result::error() on success");
        return error_;
    }
    Error&& error() && {
        ASSERT(failed_, "Result::error() on success");
        return std::move(error_);
    }

private:
    Error error_{ErrorCode::invalid_argument};  // meaningless unless failed_
    bool failed_ = false;
};

}  // namespace brook

// Propagates an error from an expression that yields a Result, otherwise continues.
//   TRY(file.sync());
#define TRY(expression)                                      \
    do {                                                     \
        auto brook_try_result_ = (expression);               \
        if (!brook_try_result_) return brook_try_result_.error(); \
    } while (false)

// Binds the value of a Result to a new variable, or returns its error.
//   TRY_ASSIGN(auto file, disk.open(path, OpenMode::read_write));
#define BROOK_CONCAT_INNER_(a, b) a##b
#define BROOK_CONCAT_(a, b) BROOK_CONCAT_INNER_(a, b)
#define TRY_ASSIGN(declaration, expression) \
    TRY_ASSIGN_IMPL_(BROOK_CONCAT_(brook_try_, __LINE__), declaration, expression)
#define TRY_ASSIGN_IMPL_(temporary, declaration, expression) \
    auto temporary = (expression);                           \
    if (!temporary) return std::move(temporary).error();     \
    declaration = std::move(temporary).value()
