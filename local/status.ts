// `npm run local -- status`: what a kept stack runs, on which ports, how many records each topic and stream holds,
// and how far the S3 sink and the stream job are behind.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { s3SinkConsumerGroup, TABLES, type PerTable, type Table } from "../contract";
import { kafkaEndOffsets, kinesisRecordCounts, perTable } from "./counts";
import type { StackFile } from "./kept-stack";
import { kinesisClient } from "./kinesis-client";
import type { Layout } from "./layout";
import { withKafkaAdmin } from "./services/kafka";

export interface ServiceStatus {
  name: string;
  address: string;
  answers: boolean;
}

export interface StackStatus {
  pid: number;
  startedAt?: string;
  stateDir: string;
  services: ServiceStatus[];
  topics: { table: Table; topic: string; records: number; sinkLag: number }[];
  streams: { table: Table; stream: string; records: number; streamJobLag: number | null }[];
}

/** host:port of a URL or of a bare `host:port`. */
export function addressOf(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint.includes("://") ? endpoint : `tcp://${endpoint}`);
  return { host: url.hostname, port: Number(url.port) };
}

function answers(address: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function sinkLag(bootstrap: string, prefix: string, topics: PerTable<string>, ends: PerTable<number>) {
  return withKafkaAdmin(bootstrap, "local-status", async (admin) => {
    const committed = await admin.fetchOffsets({
      groupId: s3SinkConsumerGroup(prefix),
      topics: TABLES.map((table) => topics[table]),
    });
    return perTable((table) => {
      const partitions = committed.find((entry) => entry.topic === topics[table])?.partitions ?? [];
      const done = partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      return Math.max(0, ends[table] - done);
    });
  });
}

/**
 * The last sequence number per shard the stream job has read from one of its sources (`source`: the position
 * in the job's query, which reads the streams in TABLES order), from its checkpoint's newest offsets file.
 */
export function checkpointSequences(checkpointDir: string, source = 0): Record<string, string> | undefined {
  const offsets = path.join(checkpointDir, "offsets");
  if (!fs.existsSync(offsets)) return undefined;
  const batches = fs
    .readdirSync(offsets)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  if (batches.length === 0) return undefined;
  const lines = fs
    .readFileSync(path.join(offsets, String(batches.at(-1))), "utf8")
    .trim()
    .split("\n");
  // The offsets file: a version line, the batch metadata, then one line per source.
  const line = lines[2 + source];
  return line ? (JSON.parse(line) as { shards?: Record<string, string> }).shards : undefined;
}

/** Records in the stream after what the stream job's checkpoint has read (null: the job never ran). */
async function streamJobLag(
  endpoint: string,
  stream: string,
  checkpointDir: string,
  source: number,
): Promise<number | null> {
  const read = checkpointSequences(checkpointDir, source);
  if (!read) return null;
  const client = kinesisClient(endpoint);
  try {
    const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
    let behind = 0;
    for (const shard of Shards) {
      const after = read[shard.ShardId!];
      let { ShardIterator: iterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ...(after
            ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: after }
            : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
      );
      while (iterator) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const records = page.Records ?? [];
        behind += records.length;
        if (records.length === 0 && !page.MillisBehindLatest) break;
        iterator = page.NextShardIterator;
      }
    }
    return behind;
  } finally {
    client.destroy();
  }
}

export async function stackStatus(stack: StackFile, layout: Layout): Promise<StackStatus> {
  const { endpoints } = stack;
  const { outputs } = endpoints;
  const services: [string, string][] = [
    ["gateway", outputs.apiUrl],
    ["kafka", endpoints.kafkaBootstrap],
    ["kafka connect", endpoints.connectUrl],
    ["kinesis", endpoints.kinesisEndpoint],
    ["mariadb", endpoints.dbUrl],
    ["s3", endpoints.s3Endpoint],
  ];
  const ends = await kafkaEndOffsets(endpoints.kafkaBootstrap, outputs.topics);
  const lag = await sinkLag(endpoints.kafkaBootstrap, endpoints.prefix, outputs.topics, ends);
  const streamRecords = await kinesisRecordCounts(endpoints.kinesisEndpoint, outputs.streams);
  const streamLag = await perTable((table) =>
    streamJobLag(
      endpoints.kinesisEndpoint,
      outputs.streams[table],
      layout.checkpointDir,
      TABLES.indexOf(table),
    ),
  );
  return {
    pid: stack.pid,
    startedAt: stack.startedAt,
    stateDir: layout.stateDir,
    services: await Promise.all(
      services.map(async ([name, endpoint]) => {
        const address = addressOf(endpoint);
        return { name, address: `${address.host}:${address.port}`, answers: await answers(address) };
      }),
    ),
    topics: TABLES.map((table) => ({
      table,
      topic: outputs.topics[table],
      records: ends[table],
      sinkLag: lag[table],
    })),
    streams: TABLES.map((table) => ({
      table,
      stream: outputs.streams[table],
      records: streamRecords[table],
      streamJobLag: streamLag[table],
    })),
  };
}
