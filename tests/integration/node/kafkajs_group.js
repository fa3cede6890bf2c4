// KafkaJS 2.2.4's group consumer as a test client for Brook: joins GROUP (JoinGroup v5 with
// the MEMBER_ID_REQUIRED round trip, SyncGroup, Heartbeat, OffsetFetch, OffsetCommit), reads
// COUNT records of TOPIC from the group's committed offsets (earliest when none), commits and
// leaves. Prints {"consumed": N, "values": [...], "first": {partition: first offset read}}.
//
//   node kafkajs_group.js BOOTSTRAP GROUP TOPIC COUNT
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const timeLimitMs = 40000

async function main([bootstrap, group, topic, countText]) {
  const count = Number(countText)
  const kafka = new Kafka({
    clientId: 'brook-kafkajs-group-test',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    retry: { retries: 8 },
  })
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  const first = {}
  let finish
  const done = new Promise(resolve => (finish = resolve))
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (values.length >= count) return
      if (!(partition in first)) first[partition] = Number(message.offset)
      values.push(message.value.toString())
      if (values.length === count) finish()
    },
  })
  const timer = setTimeout(finish, timeLimitMs)
  await done
  clearTimeout(timer)
  await consumer.disconnect() // commits what eachMessage resolved, then LeaveGroup
  console.log(JSON.stringify({ consumed: values.length, values, first }))
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  }
)
