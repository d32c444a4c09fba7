// The local gateway: serves the two HTTP contracts of docs/contract.md (on the wire) and forwards to Kafka and Kinesis,
// as API Gateway with the Kafka REST proxy and the Kinesis integration do in the cloud.
import { createHash, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { TABLES, type PerTable, type Table } from "../../contract";
import { HttpError, pathSegments, readBody, sendJson } from "./http";
import { checkContentType, KafkaForwarder, parseProduceBody } from "./kafka-rest";
import { KinesisForwarder, parsePutRecordBody, parsePutRecordsBody } from "./kinesis-proxy";

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

export interface Gateway {
  readonly url: string;
  accepted(): AcceptedCounts;
  stop(): Promise<void>;
}

/** Path of the local-only endpoint that reports the accepted counts (needs the API key too). */
export const ACCEPTED_PATH = "/_local/accepted";

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

  // A success is counted once the answer is out to the client. A client that gave up waiting (its request timed
  // out while Kafka was paused, say) sends the records again, and that retry is the one counted.
  function acknowledge(
    res: ServerResponse,
    answer: unknown,
    path: keyof AcceptedCounts,
    table: Table,
    records: number,
  ): void {
    if (res.destroyed) return;
    res.once("finish", () => {
      counts[path][table] += records;
    });
    sendJson(res, 200, answer);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!keyMatches(req.headers["x-api-key"], opts.apiKey))
      throw new HttpError(403, { message: "Forbidden" });
    const url = new URL(req.url ?? "/", "http://gateway");
    const parts = pathSegments(url.pathname);

    if (req.method === "GET" && url.pathname === ACCEPTED_PATH) return sendJson(res, 200, counts);

    if (parts[0] === "topics" && parts.length === 2) {
      if (req.method !== "POST")
        throw new HttpError(405, { error_code: 405, message: "use POST /topics/{topic}" });
      const table = topics.get(parts[1]);
      if (!table) throw new HttpError(404, { error_code: 40401, message: `Topic ${parts[1]} not found.` });
      checkContentType(req.headers["content-type"]);
      const records = parseProduceBody(await readBody(req), opts.topicPartitions);
      const answer = await kafka.produce(parts[1], records);
      return acknowledge(res, answer, "batch", table, records.length);
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
      if (parts[2] === "record") {
        const answer = await kinesis.putRecord(parts[1], parsePutRecordBody(body, parts[1]));
        return acknowledge(res, answer, "stream", table, 1);
      }
      const answer = await kinesis.putRecords(parts[1], parsePutRecordsBody(body, parts[1]));
      return acknowledge(res, answer, "stream", table, answer.Records.length - answer.FailedRecordCount);
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
        new Error(
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
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kafka.close();
      kinesis.close();
    },
  };
}
