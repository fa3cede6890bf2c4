// Kafka's uuid type: 16 raw bytes on the wire, most significant byte first. All zero is
// Kafka's "zero uuid", the default of every uuid field.
//
//   Uuid topic_id{};            // zero uuid
//   if (topic_id == Uuid{}) ...
#pragma once

#include <array>
#include <cstdint>

namespace brook::protocol {

using Uuid = std::array<uint8_t, 16>;

}  // namespace brook::protocol
