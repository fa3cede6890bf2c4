// Distinct integer types for distinct quantities, so an offset cannot be passed where a partition
// id is expected (after Redpanda's named_type).
//
//   using Offset = StrongInt<int64_t, struct OffsetTag>;
//   Offset next = Offset(41) + 1;     // arithmetic with plain integers keeps the type
//   int64_t raw = next.value();
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace brook {

template <typename T, typename Tag>
class StrongInt {
public:
    using ValueType = T;

    constexpr StrongInt() = default;
    constexpr explicit StrongInt(T value) : value_(value) {}

    constexpr T value() const { return value_; }

    constexpr auto operator<=>(const StrongInt&) const = default;

    constexpr StrongInt operator+(T delta) const { return StrongInt(value_ + delta); }
    constexpr StrongInt operator-(T delta) const { return StrongInt(value_ - delta); }
    constexpr T operator-(StrongInt other) const { return value_ - other.value_; }
    constexpr StrongInt& operator+=(T delta) {
        value_ += delta;
        return *this;
    }
    constexpr StrongInt& operator++() {
        ++value_;
        return *this;
    }

private:
    T value_{};
};

// Kafka's integers.
using Offset = StrongInt<int64_t, struct OffsetTag>;
using PartitionId = StrongInt<int32_t, struct PartitionIdTag>;
using NodeId = StrongInt<int32_t, struct NodeIdTag>;
using LeaderEpoch = StrongInt<int32_t, struct LeaderEpochTag>;
using ProducerId = StrongInt<int64_t, struct ProducerIdTag>;

}  // namespace brook

template <typename T, typename Tag>
struct std::hash<brook::StrongInt<T, Tag>> {
    std::size_t operator()(brook::StrongInt<T, Tag> id) const { return std::hash<T>()(id.value()); }
};

template <typename T, typename Tag>
struct fmt::formatter<brook::StrongInt<T, Tag>> : fmt::formatter<T> {
    template <typename Context>
    auto format(brook::StrongInt<T, Tag> id, Context& context) const {
        return fmt::formatter<T>::format(id.value(), context);
    }
};
