// Fiber stacks kept for reuse: a fiber's guarded stack goes back to its scheduler's pool when the
// fiber ends and the next fiber takes it, instead of an mmap, an mprotect of the guard page and a
// munmap per fiber (and page faults on fresh pages). The simulator starts a fiber per request and
// per connection, thousands per seed; allocating them was a fifth of its CPU time.
//
//   StackPool pool(Fiber::kStackBytes, StackPool::kKeptMax);
//   boost::context::stack_context stack = pool.take();   // a kept stack, or a new one
//   ...
//   pool.give_back(stack);                                // kept, or released beyond kKeptMax
//
// Every stack has its guard page below it, reused or not. A reused stack holds the bytes of the
// fiber before it, which no correct fiber reads. Addresses never decide anything, so reuse
// cannot change a simulation.
#pragma once

#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <vector>

namespace brook {

class StackPool {
public:
    // Stacks kept at most; more than this many fibers ending at once release the rest.
    static constexpr std::size_t kKeptMax = 256;

    StackPool(std::size_t stack_bytes, std::size_t kept_max);
    // Releases the kept stacks. Every stack taken must have been given back.
    ~StackPool();
    StackPool(const StackPool&) = delete;
    StackPool& operator=(const StackPool&) = delete;

    boost::context::stack_context take();
    void give_back(boost::context::stack_context& stack);

    std::size_t kept() const { return kept_.size(); }
    std::size_t outstanding() const { return outstanding_; }

private:
    boost::context::protected_fixedsize_stack allocator_;
    std::size_t kept_max_;
    std::vector<boost::context::stack_context> kept_;
    std::size_t outstanding_ = 0;
};

// The StackAllocator that Boost.Context calls when a fiber's record is destroyed.
class PooledStackAllocator {
public:
    explicit PooledStackAllocator(StackPool& pool) : pool_(&pool) {}
    boost::context::stack_context allocate() { return pool_->take(); }
    void deallocate(boost::context::stack_context& stack) noexcept { pool_->give_back(stack); }

private:
    StackPool* pool_;
};

}  // namespace brook
