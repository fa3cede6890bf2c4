// Fuzzes every decompressor and what comes after it: the first input byte picks the codec, the
// rest is the compressed stream. A stream that decompresses must fit the limit; it is then
// wrapped as the records section of a batch and decoded, which must fail cleanly or give
// records. Compressing the output again must round trip. Malformed input must only ever produce
// an error.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/compression/compression.h"
#include "core/base/crc32c.h"
#include "core/log/record_batch.h"
#include "core/log/record_batch_builder.h"

namespace {

using namespace brook;
using compression::Compression;

// Small enough to reach the limit often, large enough for real batches.
constexpr std::size_t kFuzzOutputMax = 1 << 20;

// A batch header around `section`, compressed with `codec`, claiming `count` records.
std::vector<uint8_t> batch_around(std::span<const uint8_t> section, Compression codec,
                                  int32_t count) {
    std::vector<uint8_t> batch(log::kBatchHeaderBytes, 0);
    batch.insert(batch.end(), section.begin(), section.end());
    uint8_t* p = batch.data();
    store_big_endian<int32_t>(p + 8,
                                   static_cast<int32_t>(batch.size() - log::kLogOverheadBytes));
    p[16] = static_cast<uint8_t>(log::kMagicV2);
    store_big_endian<int16_t>(p + 21, static_cast<int16_t>(codec));
    store_big_endian<int32_t>(p + 23, count - 1);
    store_big_endian<int32_t>(p + 57, count);
    store_big_endian<uint32_t>(
        p + 17, crc32c(std::span<const uint8_t>(batch).subspan(log::kCrcStart)));
    return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    auto codec = compression::compression_from_id(data[0] % 5);
    ASSERT(codec.has_value(), "ids 0-4 are codecs");
    std::span<const uint8_t> input(data + 1, size - 1);
    auto output = compression::decompress(*codec, input, kFuzzOutputMax);
    if (!output) {
        ErrorCode code = output.error().code();
        ASSERT(code == ErrorCode::corruption || code == ErrorCode::too_large, "{}",
               output.error().describe());
        return 0;
    }
    ASSERT(output->size() <= kFuzzOutputMax, "{} bytes past the limit", output->size());
    auto again = compression::compress(*codec, *output);
    ASSERT(again.ok(), "compress failed: {}", again.error().describe());
    auto back = compression::decompress(*codec, *again, output->size());
    ASSERT(back.ok() && *back == *output, "{} round trip changed the bytes",
           compression::compression_name(*codec));

    // The same stream as a batch's records section: decoding fails cleanly or gives records.
    int32_t count = static_cast<int32_t>(data[0] / 5) + 1;
    std::vector<uint8_t> batch = batch_around(input, *codec, count);
    auto records = log::decode_records(log::RecordBatchView(batch));
    if (records)
        ASSERT(records->size() == static_cast<std::size_t>(count), "record count");
    else
        ASSERT(records.error().code() == ErrorCode::corruption, "{}", records.error().describe());
    return 0;
}
