// The local gateway: serves the two HTTP contracts of docs/contract.md (on the wire) and forwards to Kafka and Kinesis,
// as API Gateway with the Kafka REST proxy and the Kinesis integration do in the cloud.
import { RuntimeFailure } from "../../cli/errors";
import { createHash, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { perTable, SOURCE_KEYS, TABLES, type PerTable, type Table } from "../../contract";
import { HttpError, pathSegments, readBody, sendJson } from "./http";
import { checkContentType, KafkaForwarder, parseProduceBody } from "./kafka-rest";
import {
  KinesisForwarder,
  parsePutRecordBody,
  parsePutRecordsBody,
  type KinesisRecordInput,
} from "./kinesis-proxy";

export interface GatewayOptions {
  /** 0 picks a free port. */
  port: number;
  apiKey: string;
  /** The topics and streams it serves, as API Gateway's routes name them in the cloud. */
  topics: PerTable<string>;
  streams: PerTable<string>;
  kafkaBootstrap: string;
  /** Partitions of each topic, and the broker's message.max.bytes (the largest record batch it takes). */
  topicPartitions: number;
  kafkaMaxMessageBytes: number;
  kinesisEndpoint: string;
  /** Failed requests are written here, one line each. */
  logFile: string;
  /** Open connections at once; more are closed on arrival (default MAX_CONNECTIONS). */
  maxConnections?: number;
}

/** Well above any load local mode drives (the emulator keeps --concurrency connections, 4 by default). */
export const MAX_CONNECTIONS = 256;

/**
 * Whether a request's key is the gateway's, in a time that does not depend on how much of it is right: both are
 * hashed to the same length first, since timingSafeEqual needs equal lengths.
 */
export function keyMatches(presented: string | string[] | undefined, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  const given = typeof presented === "string" ? presented : "";
  return timingSafeEqual(digest(given), digest(expected)) && typeof presented === "string";
}

/** Records the gateway acknowledged with a success answer that reached the client, per path and table. */
export interface AcceptedCounts {
  batch: PerTable<number>;
  stream: PerTable<number>;
}

/** The keys of the records the gateway acknowledged, per table; a record without an integer key counts as keyless. */
export interface AcknowledgedKeys {
  keys: string[];
  keyless: number;
}

export interface AcceptedKeys {
  batch: PerTable<AcknowledgedKeys>;
  stream: PerTable<AcknowledgedKeys>;
}

export interface Gateway {
  readonly url: string;
  accepted(): AcceptedCounts;
  acceptedKeys(): AcceptedKeys;
  stop(): Promise<void>;
}

/** Paths of the local-only endpoints that report the accepted counts and keys (they need the API key too). */
export const ACCEPTED_PATH = "/_local/accepted";
export const ACCEPTED_KEYS_PATH = "/_local/accepted-keys";

/**
 * A record's key as the jobs read it: the source table's key column (pin `index`, geo and user `ind`), an integer
 * or a string holding one; anything else is no key.
 */
export function recordKey(table: Table, value: unknown): string | undefined {
  const key =
    typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[SOURCE_KEYS[table]]
      : undefined;
  if (typeof key === "number" && Number.isSafeInteger(key)) return String(key);
  if (typeof key === "string" && /^\s*-?\d+\s*$/.test(key) && Number.isSafeInteger(Number(key)))
    return String(Number(key));
  return undefined;
}

class KeyLedger {
  private readonly keys = new Set<string>();
  private keyless = 0;

  add(key: string | undefined): void {
    if (key === undefined) this.keyless += 1;
    else this.keys.add(key);
  }

  snapshot(): AcknowledgedKeys {
    return { keys: [...this.keys], keyless: this.keyless };
  }
}

const zeroCounts = (): PerTable<number> => ({ pin: 0, geo: 0, user: 0 });

function tableByName(names: PerTable<string>): Map<string, Table> {
  return new Map(TABLES.map((table) => [names[table], table]));
}

const notFound = (message: string): HttpError => new HttpError(404, { message });

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const topics = tableByName(opts.topics);
  const streams = tableByName(opts.streams);
  const kafka = new KafkaForwarder(opts.kafkaBootstrap, opts.topicPartitions, opts.kafkaMaxMessageBytes);
  const kinesis = new KinesisForwarder(opts.kinesisEndpoint);
  const counts: AcceptedCounts = { batch: zeroCounts(), stream: zeroCounts() };
  const ledgers = {
    batch: perTable(() => new KeyLedger()),
    stream: perTable(() => new KeyLedger()),
  };
  const acceptedKeys = (): AcceptedKeys => ({
    batch: perTable((table) => ledgers.batch[table].snapshot()),
    stream: perTable((table) => ledgers.stream[table].snapshot()),
  });

  // A success is counted once the answer is out to the client. A client that gave up waiting (its request timed
  // out while Kafka was paused, say) sends the records again, and that retry is the one counted.
  function acknowledge(
    res: ServerResponse,
    answer: unknown,
    path: keyof AcceptedCounts,
    table: Table,
    keys: (string | undefined)[],
  ): void {
    if (res.destroyed) return;
    res.once("finish", () => {
      counts[path][table] += keys.length;
      for (const key of keys) ledgers[path][table].add(key);
    });
    sendJson(res, 200, answer);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!keyMatches(req.headers["x-api-key"], opts.apiKey))
      throw new HttpError(403, { message: "Forbidden" });
    const url = new URL(req.url ?? "/", "http://gateway");
    const parts = pathSegments(url.pathname);

    if (req.method === "GET" && url.pathname === ACCEPTED_PATH) return sendJson(res, 200, counts);
    if (req.method === "GET" && url.pathname === ACCEPTED_KEYS_PATH)
      return sendJson(res, 200, acceptedKeys());

    if (parts[0] === "topics" && parts.length === 2) {
      if (req.method !== "POST")
        throw new HttpError(405, { error_code: 405, message: "use POST /topics/{topic}" });
      const table = topics.get(parts[1]);
      if (!table) throw new HttpError(404, { error_code: 40401, message: `Topic ${parts[1]} not found.` });
      checkContentType(req.headers["content-type"]);
      const records = parseProduceBody(await readBody(req), opts.topicPartitions);
      const answer = await kafka.produce(parts[1], records);
      return acknowledge(
        res,
        answer,
        "batch",
        table,
        records.map((record) => recordKey(table, record.value)),
      );
    }

    if (parts[0] === "streams" && parts.length === 3 && (parts[2] === "record" || parts[2] === "records")) {
      if (req.method !== "PUT")
        throw new HttpError(405, { message: `use PUT /streams/{stream}/${parts[2]}` });
      const table = streams.get(parts[1]);
      if (!table)
        throw new HttpError(400, {
          __type: "ResourceNotFoundException",
          message: `Stream ${parts[1]} not found.`,
        });
      const body = await readBody(req);
      const keyOf = (record: KinesisRecordInput): string | undefined =>
        recordKey(table, JSON.parse(record.data));
      if (parts[2] === "record") {
        const record = parsePutRecordBody(body, parts[1]);
        const answer = await kinesis.putRecord(parts[1], record);
        return acknowledge(res, answer, "stream", table, [keyOf(record)]);
      }
      const records = parsePutRecordsBody(body, parts[1]);
      const answer = await kinesis.putRecords(parts[1], records);
      const written = records.filter((_, index) => !answer.Records[index].ErrorCode);
      return acknowledge(res, answer, "stream", table, written.map(keyOf));
    }

    throw notFound(
      `no route for ${req.method} ${url.pathname}: use POST /topics/{topic} or PUT /streams/{stream}/record[s]`,
    );
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const failure =
        error instanceof HttpError ? error : new HttpError(500, { message: (error as Error).message });
      if (failure.status >= 500) {
        fs.appendFileSync(
          opts.logFile,
          `${new Date().toISOString()} ${req.method} ${req.url} ${failure.status} ${failure.message}\n`,
        );
      }
      if (!res.headersSent) sendJson(res, failure.status, failure.body);
      else res.destroy();
    });
  });
  server.maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new RuntimeFailure(
          error.code === "EADDRINUSE"
            ? `gateway: port ${opts.port} on 127.0.0.1 is already in use; stop what uses it or choose another port`
            : `gateway: cannot listen on 127.0.0.1:${opts.port} (${error.message})`,
        ),
      ),
    );
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => structuredClone(counts),
    acceptedKeys,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kafka.close();
      kinesis.close();
    },
  };
}
