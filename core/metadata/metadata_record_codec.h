// Kafka's bytes of a metadata record: the value of one record in the metadata log or in a
// snapshot, as apache/kafka's AbstractApiMessageSerde writes it (ApiMessageAndVersion framing):
//
//   unsigned varint  frame version (1; 0 was KRaft's 2.8 preview and is refused, as Kafka does)
//   unsigned varint  record type (the schema's apiKey)
//   unsigned varint  record version
//   body             the record's fields in the flexible encoding (KIP-482), tagged fields last
//
//   std::vector<uint8_t> bytes = encode_record(TopicRecord{"orders", id});
//   TRY_ASSIGN(MetadataRecord record, decode_record(bytes));
//
// A list of records (one command's, in one metadata-log entry; a snapshot's) is each record's
// bytes after an unsigned varint length:
//
//   std::vector<uint8_t> bytes = encode_record_list(records);
//   TRY_ASSIGN(std::vector<MetadataRecord> again, decode_record_list(bytes));
//
// Brook writes each type at one version (record_version) and reads the versions whose layout it
// knows; tagged fields it does not model are skipped. Decoding reads untrusted bytes: anything
// malformed, an unknown type or version, or bytes left over is ErrorCode::corruption, never an
// assertion. The codec is hand-written rather than generated: thirteen small records cost fewer
// lines here than teaching tools/codegen/ a third schema kind, and compile in one file.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/metadata/metadata_records.h"

namespace brook::metadata {

inline constexpr uint32_t kRecordFrameVersion = 1;

// The version Brook writes `record` at.
int16_t record_version(const MetadataRecord& record);

std::vector<uint8_t> encode_record(const MetadataRecord& record);
Result<MetadataRecord> decode_record(std::span<const uint8_t> bytes);

std::vector<uint8_t> encode_record_list(const std::vector<MetadataRecord>& records);
// Every record or an error: a list one of whose records is malformed yields none of them.
Result<std::vector<MetadataRecord>> decode_record_list(std::span<const uint8_t> bytes);

}  // namespace brook::metadata
