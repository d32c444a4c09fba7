// `npm run local -- peek <topic|stream> [-n N]`: the last N records of a topic or a stream of a kept stack, one
// record value (the row's JSON) per line, oldest first.
import { Kafka, logLevel } from "kafkajs";
import { UsageError } from "../cli/errors";
import { TABLES } from "../contract";
import { readStream } from "./counts";
import { kinesisClient } from "./kinesis-client";
import { withKafkaAdmin } from "./services/kafka";
import type { StackEndpoints } from "./stack";

interface PeekedRecord {
  /** `partition N offset M` or `shard S sequence Q`. */
  at: string;
  value: string;
}

/** The last `count` records of the topic or stream named `name` (either of the stack's six names). */
export async function peek(endpoints: StackEndpoints, name: string, count: number): Promise<PeekedRecord[]> {
  const { topics, streams } = endpoints.outputs;
  if (TABLES.some((table) => topics[table] === name)) return peekTopic(endpoints.kafkaBootstrap, name, count);
  if (TABLES.some((table) => streams[table] === name))
    return peekStream(endpoints.kinesisEndpoint, name, count);
  const names = TABLES.flatMap((table) => [topics[table], streams[table]]);
  throw new UsageError(`peek: no topic or stream "${name}" in this stack (one of: ${names.join(", ")})`);
}

async function peekTopic(bootstrap: string, topic: string, count: number): Promise<PeekedRecord[]> {
  const offsets = await withKafkaAdmin(bootstrap, "local-peek", (admin) => admin.fetchTopicOffsets(topic));
  // The last `count` of each partition holds the last `count` of the topic, whatever the partitioner did.
  const wanted = new Map(
    offsets.map((p) => [
      p.partition,
      { from: Math.max(Number(p.low), Number(p.high) - count), to: Number(p.high) },
    ]),
  );
  const remaining = (): number => [...wanted.values()].reduce((sum, p) => sum + p.to - p.from, 0);
  const found: (PeekedRecord & { timestamp: number })[] = [];
  if (remaining() === 0) return [];
  const consumer = new Kafka({
    clientId: "local-peek",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  }).consumer({
    groupId: `local-peek-${process.pid}-${Date.now()}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = wanted.get(partition)!;
          const offset = Number(message.offset);
          if (offset >= range.from && offset < range.to) {
            found.push({
              at: `partition ${partition} offset ${offset}`,
              value: message.value?.toString("utf8") ?? "null",
              timestamp: Number(message.timestamp),
            });
            range.from = offset + 1;
          }
          if (remaining() === 0) resolve();
        },
      });
    });
    for (const [partition, range] of wanted)
      if (range.to > range.from) consumer.seek({ topic, partition, offset: String(range.from) });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return found
    .sort((a, b) => a.timestamp - b.timestamp)
    .slice(-count)
    .map(({ at, value }) => ({ at, value }));
}

async function peekStream(endpoint: string, stream: string, count: number): Promise<PeekedRecord[]> {
  const client = kinesisClient(endpoint);
  const found: (PeekedRecord & { arrived: number })[] = [];
  try {
    await readStream(client, stream, (records) => {
      for (const record of records) {
        found.push({
          at: `sequence ${record.SequenceNumber}`,
          value: Buffer.from(record.Data ?? []).toString("utf8"),
          arrived: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
        });
      }
    });
  } finally {
    client.destroy();
  }
  return found
    .sort((a, b) => a.arrived - b.arrived)
    .slice(-count)
    .map(({ at, value }) => ({ at, value }));
}
