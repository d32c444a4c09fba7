// A local stand-in of the ingest API that checks every request against docs/contract.md section 2,
// keeps what it received, and fails requests on demand.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { StackOutputs } from "../../../emulator/targets";

export const API_KEY = "test-key-0123456789";
export const STAGE = "/dev";
export const PREFIX = "emutest";

export const OUTPUTS: Omit<StackOutputs, "apiUrl"> = {
  apiKey: API_KEY,
  topics: { pin: `${PREFIX}.pin`, geo: `${PREFIX}.geo`, user: `${PREFIX}.user` },
  streams: { pin: `${PREFIX}-pin`, geo: `${PREFIX}-geo`, user: `${PREFIX}-user` },
};

export interface Received {
  /** Topic or stream name. */
  target: string;
  value: Record<string, unknown>;
  partitionKey?: string;
}

export interface Incoming {
  method: string;
  path: string;
  target: string;
  /** Records in this request. */
  count: number;
  /** 1-based number of this request. */
  number: number;
  /** Target and keys of the records: the same for a retry of the same request. */
  signature: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What to do with a request: accept it, answer with an error, drop the connection, or refuse some entries. */
export type Action =
  | { kind: "accept" }
  | { kind: "status"; status: number }
  /** Answer with this status and JSON body (e.g. Kinesis' own error answer passed on by the API). */
  | { kind: "answer"; status: number; body: unknown }
  | { kind: "drop" }
  | { kind: "refuse"; positions: number[] };

/** Applies `inject` to at most `times` tries of the same request, so that retries end in success. */
export function failingAtMost(
  times: number,
  inject: (request: Incoming) => Action,
): (request: Incoming) => Action {
  const failures = new Map<string, number>();
  return (request) => {
    const failed = failures.get(request.signature) ?? 0;
    const action = failed < times ? inject(request) : { kind: "accept" as const };
    if (action.kind !== "accept") failures.set(request.signature, failed + 1);
    return action;
  };
}

export interface IngestApi {
  url: string;
  received: Received[];
  violations: string[];
  requests: Incoming[];
  close(): Promise<void>;
}

const KAFKA_TYPE = "application/vnd.kafka.json.v2+json";

function exactKeys(value: unknown, keys: string[]): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).sort().join() === [...keys].sort().join()
  );
}

export async function startIngestApi(
  decide: (request: Incoming) => Action = () => ({ kind: "accept" }),
): Promise<IngestApi> {
  const received: Received[] = [];
  const violations: string[] = [];
  const requests: Incoming[] = [];
  const topics = new Set(Object.values(OUTPUTS.topics));
  const streams = new Set(Object.values(OUTPUTS.streams));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const refuse = (why: string) => {
        violations.push(`${req.method} ${req.url}: ${why}`);
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: why }));
      };
      if (req.headers["x-api-key"] !== API_KEY) {
        res.writeHead(403, { "content-type": "application/json" }).end('{"message":"Forbidden"}');
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return refuse("body is not JSON");
      }
      const url = req.url ?? "";
      const topic = /^\/dev\/topics\/([^/]+)$/.exec(url);
      const stream = /^\/dev\/streams\/([^/]+)\/(record|records)$/.exec(url);
      let entries: { value: Record<string, unknown>; partitionKey?: string }[];
      let target: string;
      if (topic) {
        target = decodeURIComponent(topic[1]);
        if (req.method !== "POST") return refuse("topics take POST");
        if (req.headers["content-type"] !== KAFKA_TYPE)
          return refuse(`content-type ${req.headers["content-type"]}`);
        if (!topics.has(target)) return refuse(`unknown topic ${target}`);
        if (!exactKeys(body, ["records"]) || !Array.isArray(body.records) || body.records.length === 0)
          return refuse("body must be {records:[...]}");
        if (!body.records.every((entry: unknown) => exactKeys(entry, ["value"])))
          return refuse("each record must be {value}");
        entries = (body.records as { value: Record<string, unknown> }[]).map((entry) => ({
          value: entry.value,
        }));
      } else if (stream) {
        target = decodeURIComponent(stream[1]);
        if (req.method !== "PUT") return refuse("streams take PUT");
        if (!String(req.headers["content-type"]).startsWith("application/json"))
          return refuse(`content-type ${req.headers["content-type"]}`);
        if (!streams.has(target)) return refuse(`unknown stream ${target}`);
        if (body.StreamName !== target) return refuse("StreamName differs from the path");
        if (stream[2] === "record") {
          if (!exactKeys(body, ["StreamName", "Data", "PartitionKey"]))
            return refuse("record body must be {StreamName, Data, PartitionKey}");
          entries = [
            { value: body.Data as Record<string, unknown>, partitionKey: body.PartitionKey as string },
          ];
        } else {
          if (!exactKeys(body, ["StreamName", "Records"]) || !Array.isArray(body.Records))
            return refuse("records body must be {StreamName, Records}");
          if (!body.Records.every((entry: unknown) => exactKeys(entry, ["Data", "PartitionKey"])))
            return refuse("each entry must be {Data, PartitionKey}");
          entries = (body.Records as { Data: Record<string, unknown>; PartitionKey: string }[]).map(
            (entry) => ({
              value: entry.Data,
              partitionKey: entry.PartitionKey,
            }),
          );
        }
        if (
          !entries.every((entry) => typeof entry.partitionKey === "string" && entry.partitionKey.length > 0)
        )
          return refuse("empty PartitionKey");
      } else {
        return refuse("unknown path");
      }
      if (
        !entries.every(
          (entry) => typeof entry.value === "object" && entry.value !== null && !Array.isArray(entry.value),
        )
      ) {
        return refuse("a record is not a JSON object");
      }

      const keys = entries.map((entry) => entry.value.index ?? entry.value.ind).join(",");
      const incoming = {
        method: req.method ?? "",
        path: url,
        target,
        count: entries.length,
        number: requests.length + 1,
        signature: `${target}:${keys}`,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(incoming);
      const action = decide(incoming);
      if (action.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (action.kind === "answer") {
        res.writeHead(action.status, { "content-type": "application/json" }).end(JSON.stringify(action.body));
        return;
      }
      if (action.kind === "status") {
        res
          .writeHead(action.status, { "content-type": "application/json" })
          .end(JSON.stringify({ message: `injected ${action.status}` }));
        return;
      }
      const refused = new Set(action.kind === "refuse" ? action.positions : []);
      entries.forEach((entry, position) => {
        if (!refused.has(position)) received.push({ target, ...entry });
      });
      let answer: unknown;
      if (topic) {
        answer = {
          key_schema_id: null,
          value_schema_id: null,
          offsets: entries.map((_, position) =>
            refused.has(position)
              ? { partition: null, offset: null, error_code: 50003, error: "injected retriable error" }
              : { partition: 0, offset: position, error_code: null, error: null },
          ),
        };
      } else if (stream![2] === "record") {
        answer = { SequenceNumber: "1", ShardId: "shardId-000000000000" };
      } else {
        answer = {
          FailedRecordCount: refused.size,
          Records: entries.map((_, position) =>
            refused.has(position)
              ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "injected" }
              : { SequenceNumber: String(position), ShardId: "shardId-000000000000" },
          ),
        };
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${STAGE}`,
    received,
    violations,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
