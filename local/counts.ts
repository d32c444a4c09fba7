// Counts of records at each hop of the pipeline, for the run summary.
import fs from "node:fs";
import path from "node:path";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from "@aws-sdk/client-kinesis";
import mysql from "mysql2/promise";
import { request } from "undici";
import { SOURCE_TABLES, TABLES, topicDir, type PerTable, type Table } from "../contract";
import { ACCEPTED_PATH, type AcceptedCounts } from "./gateway/server";
import { kinesisClient } from "./kinesis-client";
import { withKafkaAdmin } from "./services/kafka";
import type { Outputs } from "./stack";

export async function perTable<T>(make: (table: Table) => Promise<T> | T): Promise<PerTable<T>> {
  const [pin, geo, user] = await Promise.all(TABLES.map((table) => make(table)));
  return { pin, geo, user };
}

export async function sourceCounts(dbUrl: string): Promise<PerTable<number>> {
  const db = await mysql.createConnection(dbUrl);
  try {
    return await perTable(async (table) => {
      const [rows] = await db.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM \`${SOURCE_TABLES[table]}\``,
      );
      return Number(rows[0].n);
    });
  } finally {
    await db.end();
  }
}

export async function acceptedCounts(outputs: Outputs): Promise<AcceptedCounts> {
  const response = await request(`${outputs.apiUrl}${ACCEPTED_PATH}`, {
    headers: { "x-api-key": outputs.apiKey },
  });
  if (response.statusCode !== 200)
    throw new Error(`gateway answered ${response.statusCode} to ${ACCEPTED_PATH}`);
  return (await response.body.json()) as AcceptedCounts;
}

/** The end offset of each topic: records Kafka holds (no transactions, so no control records). */
export async function kafkaEndOffsets(
  bootstrap: string,
  topics: PerTable<string>,
): Promise<PerTable<number>> {
  return withKafkaAdmin(bootstrap, "local-counts", (admin) =>
    perTable(async (table) => {
      const offsets = await admin.fetchTopicOffsets(topics[table]);
      return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
    }),
  );
}

function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesBelow(full) : [full];
  });
}

/** Lines (records) in every object the sink wrote below mount/topics/{topic}/ (each object is a .json file). */
export function sinkLineCounts(mountDir: string, topics: PerTable<string>): PerTable<number> {
  const count = (table: Table): number =>
    filesBelow(path.join(mountDir, topicDir(topics[table])))
      .filter((file) => file.endsWith(".json"))
      .reduce((sum, file) => {
        const text = fs.readFileSync(file);
        let lines = 0;
        for (const byte of text) if (byte === 0x0a) lines += 1;
        return sum + lines;
      }, 0);
  return { pin: count("pin"), geo: count("geo"), user: count("user") };
}

/** Records readable from each stream, every shard read from its oldest record to its newest. */
export async function kinesisRecordCounts(
  endpoint: string,
  streams: PerTable<string>,
): Promise<PerTable<number>> {
  const client = kinesisClient(endpoint);
  try {
    return await perTable(async (table) => {
      const stream = streams[table];
      const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
      let total = 0;
      for (const shard of Shards) {
        let { ShardIterator: iterator } = await client.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shard.ShardId,
            ShardIteratorType: "TRIM_HORIZON",
          }),
        );
        while (iterator) {
          const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          const records = page.Records ?? [];
          total += records.length;
          // An empty page at the end of the shard: nothing newer is left to read.
          if (records.length === 0 && !page.MillisBehindLatest) break;
          iterator = page.NextShardIterator;
        }
      }
      return total;
    });
  } finally {
    client.destroy();
  }
}
