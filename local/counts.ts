// Counts of records at each hop of the pipeline, for the run summary.
import { RuntimeFailure } from "../cli/errors";
import fs from "node:fs";
import path from "node:path";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from "@aws-sdk/client-kinesis";
import mysql from "mysql2/promise";
import { request } from "undici";
import {
  perTable as perTableSync,
  SOURCE_KEYS,
  SOURCE_TABLES,
  TABLES,
  topicDir,
  type PerTable,
  type Table,
} from "../contract";
import { ACCEPTED_KEYS_PATH, ACCEPTED_PATH, type AcceptedCounts, type AcceptedKeys } from "./gateway/server";
import { kinesisClient } from "./kinesis-client";
import { withKafkaAdmin } from "./services/kafka";
import type { Outputs } from "./stack";
import type { Acknowledged, PathName } from "./verdict";

export async function perTable<T>(make: (table: Table) => Promise<T> | T): Promise<PerTable<T>> {
  const [pin, geo, user] = await Promise.all(TABLES.map((table) => make(table)));
  return { pin, geo, user };
}

/** The key of every row of each source table, as the gateway's ledger spells keys. */
export async function sourceKeys(dbUrl: string): Promise<PerTable<string[]>> {
  const db = await mysql.createConnection(dbUrl);
  try {
    return await perTable(async (table) => {
      const [rows] = await db.query<mysql.RowDataPacket[]>(
        `SELECT \`${SOURCE_KEYS[table]}\` AS k FROM \`${SOURCE_TABLES[table]}\``,
      );
      return rows.map((row) => String(row.k));
    });
  } finally {
    await db.end();
  }
}

async function gatewayGet<T>(outputs: Outputs, route: string): Promise<T> {
  const response = await request(`${outputs.apiUrl}${route}`, { headers: { "x-api-key": outputs.apiKey } });
  if (response.statusCode !== 200)
    throw new RuntimeFailure(`gateway answered ${response.statusCode} to ${route}`);
  return (await response.body.json()) as T;
}

function acceptedCounts(outputs: Outputs): Promise<AcceptedCounts> {
  return gatewayGet<AcceptedCounts>(outputs, ACCEPTED_PATH);
}

/**
 * What the gateway acknowledged on each path, from any client, against the source database's rows: records,
 * distinct keys, and source rows whose key it acknowledged.
 */
export async function acknowledged(
  outputs: Outputs,
  source: PerTable<string[]>,
): Promise<Record<PathName, Acknowledged>> {
  const [records, keys] = await Promise.all([
    acceptedCounts(outputs),
    gatewayGet<AcceptedKeys>(outputs, ACCEPTED_KEYS_PATH),
  ]);
  const ofPath = (path: PathName): Acknowledged => {
    const sets = perTableSync((table) => new Set(keys[path][table].keys));
    return {
      accepted: records[path],
      acceptedKeys: perTableSync((table) => sets[table].size + keys[path][table].keyless),
      sourceAccepted: perTableSync((table) => source[table].filter((key) => sets[table].has(key)).length),
    };
  };
  return { batch: ofPath("batch"), stream: ofPath("stream") };
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

function linesIn(file: string): number {
  let lines = 0;
  for (const byte of fs.readFileSync(file)) if (byte === 0x0a) lines += 1;
  return lines;
}

/**
 * Counts the lines (records) of the objects the sink wrote below mount/topics/{topic}/ (each object is a .json
 * file), remembering each object's count by name, size and modification time: objects are written once (an
 * object written again after a sink restart changes size or time), so a poll reads only what is new.
 */
export class SinkLineCounter {
  private readonly known = new Map<string, { size: number; mtimeMs: number; lines: number }>();
  /** Objects read so far, for tests of the incremental counting. */
  reads = 0;

  constructor(
    private readonly mountDir: string,
    private readonly topics: PerTable<string>,
  ) {}

  private countFile(file: string): number {
    const { size, mtimeMs } = fs.statSync(file);
    const known = this.known.get(file);
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.lines;
    this.reads += 1;
    const lines = linesIn(file);
    this.known.set(file, { size, mtimeMs, lines });
    return lines;
  }

  private objects(table: Table): string[] {
    return filesBelow(path.join(this.mountDir, topicDir(this.topics[table]))).filter((file) =>
      file.endsWith(".json"),
    );
  }

  /** Lines in the objects of each topic (duplicates included). */
  counts(): PerTable<number> {
    const count = (table: Table): number =>
      this.objects(table).reduce((sum, file) => sum + this.countFile(file), 0);
    return { pin: count("pin"), geo: count("geo"), user: count("user") };
  }

  /**
   * Per partition of a topic, the offset below which its objects hold every record: the end of the object
   * reaching furthest (objects are named {topic}+{partition}+{startOffset}.json and follow each other).
   */
  partitionEnds(table: Table): Map<number, number> {
    const ends = new Map<number, number>();
    for (const file of this.objects(table)) {
      const name = /\+(\d+)\+(\d+)\.json$/.exec(file);
      if (!name) continue;
      const partition = Number(name[1]);
      ends.set(partition, Math.max(ends.get(partition) ?? 0, Number(name[2]) + this.countFile(file)));
    }
    return ends;
  }

  /**
   * Per topic, the sum of its partitions' ends. Unlike the line count, duplicates written after a sink restart
   * do not make it look complete early.
   */
  written(): PerTable<number> {
    const count = (table: Table): number =>
      [...this.partitionEnds(table).values()].reduce((sum, end) => sum + end, 0);
    return { pin: count("pin"), geo: count("geo"), user: count("user") };
  }
}

/** Lines (records) in every object the sink wrote below mount/topics/{topic}/, counted once. */
export function sinkLineCounts(mountDir: string, topics: PerTable<string>): PerTable<number> {
  return new SinkLineCounter(mountDir, topics).counts();
}

/**
 * Reads every record of a stream, each shard from its oldest record until GetRecords has nothing newer, handing
 * each page's records to `onRecords`; returns the number of shards.
 */
export async function readStream(
  client: KinesisClient,
  stream: string,
  onRecords: (records: KinesisRecord[]) => void,
): Promise<number> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
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
      onRecords(records);
      // An empty page at the end of the shard: nothing newer is left to read.
      if (records.length === 0 && !page.MillisBehindLatest) break;
      iterator = page.NextShardIterator;
    }
  }
  return Shards.length;
}

/** Records readable from each stream, every shard read from its oldest record to its newest. */
export async function kinesisRecordCounts(
  endpoint: string,
  streams: PerTable<string>,
): Promise<PerTable<number>> {
  const client = kinesisClient(endpoint);
  try {
    return await perTable(async (table) => {
      let total = 0;
      await readStream(client, streams[table], (records) => {
        total += records.length;
      });
      return total;
    });
  } finally {
    client.destroy();
  }
}
