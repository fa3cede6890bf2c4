// Fuzzes the metadata log's record decoder and the snapshot decoder with the same bytes. A
// record that decodes must re-encode (at the version Brook writes) and decode to an equal
// record, and applying it to an image, empty or not, must give a value or an error, never a
// crash. Malformed input must only ever produce ErrorCode::corruption.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/base/check.h"
#include "core/metadata/metadata_image.h"
#include "core/metadata/metadata_record_codec.h"
#include "core/metadata/metadata_snapshot.h"

using namespace brook;
using namespace brook::metadata;

namespace {

// A small image for records to meet: a fenced broker and a topic with one partition.
MetadataImage small_image() {
    MetadataImage image;
    Uuid topic{};
    topic[15] = 1;
    (void)image.apply(RegisterBrokerRecord{NodeId(1), {}, BrokerEpoch(0)}, Offset(0));
    (void)image.apply(TopicRecord{"t", topic}, Offset(1));
    (void)image.apply(PartitionRecord{PartitionId(0),
                                      topic,
                                      {NodeId(1)},
                                      {NodeId(1)},
                                      NodeId(1),
                                      LeaderEpoch(0),
                                      PartitionEpoch(0)},
                      Offset(2));
    return image;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> input(data, size);
    if (auto record = decode_record(input)) {
        auto again = decode_record(encode_record(*record));
        ASSERT(again.ok() && *again == *record, "record changed in a round trip");
        MetadataImage empty;
        (void)empty.apply(*record, Offset(0));
        static const MetadataImage kSmall = small_image();
        MetadataImage image = kSmall;
        (void)image.apply(*record, Offset(3));
    } else {
        ASSERT(record.error().code() == ErrorCode::corruption, "{}", record.error().describe());
    }
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto image = decode_snapshot(text, Offset(100))) {
        auto again = decode_snapshot(encode_snapshot(*image), Offset(100));
        ASSERT(again.ok() && *again == *image, "snapshot changed in a round trip");
    }
    return 0;
}
