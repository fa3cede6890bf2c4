#include "core/runtime/stack_pool.h"

#include "core/base/check.h"

namespace brook {

StackPool::StackPool(std::size_t stack_bytes, std::size_t kept_max)
    : allocator_(stack_bytes), kept_max_(kept_max) {
    kept_.reserve(kept_max);
}

StackPool::~StackPool() {
    ASSERT(outstanding_ == 0, "{} fiber stacks still in use", outstanding_);
    for (boost::context::stack_context& stack : kept_) allocator_.deallocate(stack);
}

boost::context::stack_context StackPool::take() {
    ++outstanding_;
    if (kept_.empty()) return allocator_.allocate();
    boost::context::stack_context stack = kept_.back();
    kept_.pop_back();
    return stack;
}

void StackPool::give_back(boost::context::stack_context& stack) {
    ASSERT(outstanding_ > 0);
    --outstanding_;
    if (kept_.size() < kept_max_) {
        kept_.push_back(stack);
    } else {
        allocator_.deallocate(stack);
    }
}

}  // namespace brook
