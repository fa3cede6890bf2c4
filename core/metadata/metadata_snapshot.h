// The metadata image as the bytes of a quorum snapshot (KIP-630), so the quorum driver's
// snapshot callbacks can be the image's: the image's records (MetadataImage::to_records), each
// as an unsigned varint length and the record's Kafka bytes (metadata_record_codec.h).
//
//   raft::Snapshot snapshot{id, encode_snapshot(image)};
//   TRY_ASSIGN(MetadataImage image, decode_snapshot(snapshot.bytes, snapshot.id.end_offset));
//
// Kafka keeps a snapshot's records in record batches; the driver may repack these records so,
// the record bytes are the same. Decoding reads untrusted bytes: a malformed length or record is
// ErrorCode::corruption, and records that do not build an image are the image's error.
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/metadata/metadata_image.h"

namespace brook::metadata {

std::string encode_snapshot(const MetadataImage& image);
Result<MetadataImage> decode_snapshot(std::string_view bytes, Offset end_offset);

}  // namespace brook::metadata
