// A move-only `void()` callable: the body of a fiber, which may own what it works on.
//
//   auto connection = listener.accept();
//   scheduler.spawn("serve", [c = std::move(connection).value()]() mutable { serve(*c); });
//
// std::function would require the lambda to be copyable, which a unique_ptr capture is not
// (std::move_only_function is C++23).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace brook {

class Task {
public:
    Task() = default;
    Task(std::nullptr_t) {}

    template <typename Function,
              typename = std::enable_if_t<!std::is_same_v<std::decay_t<Function>, Task> &&
                                          std::is_invocable_v<std::decay_t<Function>&>>>
    Task(Function&& function)
        : callable_(std::make_unique<Holder<std::decay_t<Function>>>(
              std::forward<Function>(function))) {}

    Task(Task&&) noexcept = default;
    Task& operator=(Task&&) noexcept = default;

    explicit operator bool() const { return callable_ != nullptr; }
    void operator()() { callable_->call(); }

private:
    struct Callable {
        virtual ~Callable() = default;
        virtual void call() = 0;
    };
    template <typename Function>
    struct Holder final : Callable {
        explicit Holder(Function&& function) : function(std::move(function)) {}
        explicit Holder(const Function& function) : function(function) {}
        void call() override { function(); }
        Function function;
    };

    std::unique_ptr<Callable> callable_;
};

}  // namespace brook
