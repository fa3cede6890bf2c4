// Registers snappy, lz4 and zstd codecs with KafkaJS, which builds in only gzip.
//
//   require('./codecs').register()   // then CompressionTypes.Snappy/LZ4/ZSTD work
//
// All three are pure JavaScript (or WebAssembly shipped inside the npm package), so nothing is
// compiled or downloaded at install time: kafkajs-snappy (KafkaJS's own snappy codec), and small
// adapters here over lz4js (LZ4 frame format, as Kafka's magic-2 batches use) and zstd-codec
// (Emscripten build of libzstd). The native codec packages (kafkajs-lz4, @kafkajs/zstd) need a
// node-gyp build at install time, which needs Node's headers from the network.
'use strict'

const { CompressionTypes, CompressionCodecs } = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const lz4 = require('lz4js')
const { ZstdCodec } = require('zstd-codec')

const Lz4Codec = () => ({
  async compress(encoder) {
    return Buffer.from(lz4.compress(encoder.buffer))
  },
  async decompress(buffer) {
    return Buffer.from(lz4.decompress(buffer))
  },
})

// zstd-codec initialises its WebAssembly module asynchronously, once.
let zstdReady = null
function zstd() {
  if (!zstdReady) zstdReady = new Promise(resolve => ZstdCodec.run(binding => resolve(binding)))
  return zstdReady
}

const ZstdCodecForKafkaJS = () => ({
  async compress(encoder) {
    const binding = await zstd()
    return Buffer.from(new binding.Simple().compress(encoder.buffer, 3))
  },
  // Streaming decompression: frames written with the streaming API (librdkafka does that) may
  // not carry the content size that Simple.decompress needs.
  async decompress(buffer) {
    const binding = await zstd()
    return Buffer.from(new binding.Streaming().decompress(buffer))
  },
})

function register() {
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
  CompressionCodecs[CompressionTypes.LZ4] = Lz4Codec
  CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodecForKafkaJS
}

module.exports = { register }
