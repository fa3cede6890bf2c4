// KafkaJS 2.2.4 as a test client for Brook: produce records from a JSON-lines file, or read a
// partition from the beginning without a consumer group.
//
//   node kafkajs_client.js produce BOOTSTRAP TOPIC CODEC RECORDS.jsonl   (acks=-1)
//   node kafkajs_client.js consume BOOTSTRAP TOPIC PARTITION COUNT OUT.jsonl
//
// A record line is {"partition": 0, "key": base64|null, "value": base64|null,
// "headers": [[name, base64], ...]}; consume writes the same plus "offset".
// CODEC is none, gzip, snappy, lz4 or zstd (codecs.js registers the last three).
//
// KafkaJS's consumer works only inside a consumer group (Brook serves groups from issue 6 on).
// So `consume` uses the layer beneath it, the one the group consumer itself fetches through:
// the client's Cluster (Metadata, leader lookup, ListOffsets) and Broker.fetch (Fetch v11,
// decoded and decompressed by KafkaJS's own record batch decoder). The Cluster is private to
// the Kafka object, so it is found by its symbol's description.
'use strict'

const fs = require('fs')
const { Kafka, CompressionTypes, logLevel } = require('kafkajs')
require('./codecs').register()

const codecs = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}
const recordsPerRequest = 500

function client(bootstrap) {
  return new Kafka({
    clientId: 'brook-kafkajs-test',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    retry: { retries: 5 },
  })
}

const fromBase64 = text => (text === null ? null : Buffer.from(text, 'base64'))
const toBase64 = buffer => (buffer === null || buffer === undefined ? null : buffer.toString('base64'))

async function produce(bootstrap, topic, codecName, file) {
  if (!(codecName in codecs)) throw new Error(`unknown codec ${codecName}`)
  const records = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(line => line.length > 0)
    .map(line => JSON.parse(line))
  const producer = client(bootstrap).producer({ allowAutoTopicCreation: true })
  await producer.connect()
  let acknowledged = 0
  try {
    // One send per slice: KafkaJS turns it into one Produce request with one batch per
    // partition, compressed with the codec, and resolves once the broker acknowledged it.
    for (let start = 0; start < records.length; start += recordsPerRequest) {
      const messages = records.slice(start, start + recordsPerRequest).map(record => ({
        partition: record.partition,
        key: fromBase64(record.key),
        value: fromBase64(record.value),
        headers: Object.fromEntries(record.headers.map(([name, value]) => [name, fromBase64(value)])),
      }))
      await producer.send({ topic, acks: -1, compression: codecs[codecName], messages })
      acknowledged += messages.length
    }
  } finally {
    await producer.disconnect()
  }
  console.log(JSON.stringify({ produced: acknowledged, codec: codecName }))
}

async function consume(bootstrap, topic, partition, count, out) {
  const kafka = client(bootstrap)
  const createCluster = Object.getOwnPropertySymbols(kafka).find(
    symbol => symbol.description === 'private:Kafka:createCluster'
  )
  if (!createCluster) throw new Error('KafkaJS internals changed: no createCluster symbol')
  const cluster = kafka[createCluster]({ allowAutoTopicCreation: false })
  await cluster.connect()
  const lines = []
  try {
    await cluster.addTargetTopic(topic)
    const [{ partitions }] = await cluster.fetchTopicsOffset([
      { topic, partitions: [{ partition }], fromBeginning: true },
    ])
    let offset = BigInt(partitions[0].offset)
    const leaders = cluster.findLeaderForPartitions(topic, [partition])
    const broker = await cluster.findBroker({ nodeId: Object.keys(leaders)[0] })
    let emptyFetches = 0
    while (lines.length < count) {
      const { responses } = await broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 4 << 20,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset.toString(), maxBytes: 1 << 20 }] }],
      })
      const data = responses[0].partitions[0]
      if (data.errorCode !== 0) throw new Error(`fetch error code ${data.errorCode}`)
      // A fetch returns whole batches: skip records below the offset asked for.
      const fresh = data.messages.filter(record => BigInt(record.offset) >= offset)
      if (fresh.length === 0) {
        if (++emptyFetches > 20) throw new Error(`no records at offset ${offset} after 20 fetches`)
        continue
      }
      emptyFetches = 0
      for (const record of fresh) {
        lines.push(
          JSON.stringify({
            partition,
            offset: Number(record.offset),
            key: toBase64(record.key),
            value: toBase64(record.value),
            headers: Object.entries(record.headers).map(([name, value]) => [name, toBase64(value)]),
          })
        )
      }
      offset = BigInt(fresh[fresh.length - 1].offset) + 1n
    }
  } finally {
    await cluster.disconnect()
  }
  fs.writeFileSync(out, lines.slice(0, count).join('\n') + '\n')
  console.log(JSON.stringify({ consumed: Math.min(lines.length, count) }))
}

async function main(argv) {
  const [mode, ...args] = argv
  if (mode === 'produce' && args.length === 4) return produce(...args)
  if (mode === 'consume' && args.length === 5) {
    const [bootstrap, topic, partition, count, out] = args
    return consume(bootstrap, topic, Number(partition), Number(count), out)
  }
  throw new Error('usage: kafkajs_client.js produce BOOTSTRAP TOPIC CODEC FILE | consume BOOTSTRAP TOPIC PARTITION COUNT OUT')
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  error => {
    console.error(`kafkajs_client: ${error.stack || error}`)
    process.exit(1)
  }
)
