// The ingest API of docs/contract.md section 2 over HTTP, with an undici keep-alive pool.
import { Pool, errors as undiciErrors } from "undici";
import type { Attempt, Target, Transport } from "./delivery";
import type { RequestSigner } from "./sigv4";
import type { StackOutputs } from "./targets";
import { KAFKA_JSON_CONTENT_TYPE } from "../contract/wire";
import { kafkaBody, kinesisRecordBody, kinesisRecordsBody, type WireRecord } from "./wire";

/** How long a request waits for its answer before it counts as failed and is tried again. */
export const REQUEST_TIMEOUT_MS = 30_000;

function snippet(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}

function hint(status: number): string {
  if (status === 401 || status === 403) return "; check the API key (apiKey of the outputs) and the stack";
  if (status === 404) return "; check apiUrl and the topic/stream names of the outputs";
  return "";
}

/**
 * Kinesis' throttling errors. Kinesis answers them with HTTP 400 (its model marks them client errors), and an
 * API whose 400 template does not turn them into 429 passes that 400 on; either way they are worth retrying.
 */
const THROTTLING_TYPES =
  /(ProvisionedThroughputExceededException|KMSThrottlingException|ThrottlingException)$/;

/** Whether a 400 answer is Kinesis throttling (its `__type`), not a bad request. */
export function isThrottling(status: number, text: string): boolean {
  if (status !== 400) return false;
  try {
    const type = (JSON.parse(text) as { __type?: unknown } | null)?.__type;
    return typeof type === "string" && THROTTLING_TYPES.test(type);
  } catch {
    return false;
  }
}

/** Positions of refused entries in a PutRecords answer, or in a Kafka REST produce answer. */
export function refusedPositions(body: unknown): { positions: number[]; error: string } {
  const answer = body as {
    Records?: { ErrorCode?: string; ErrorMessage?: string }[];
    offsets?: { error_code?: number | null; error?: string | null }[];
  } | null;
  const positions: number[] = [];
  let error = "";
  answer?.Records?.forEach((entry, position) => {
    if (entry?.ErrorCode) {
      positions.push(position);
      error = `${entry.ErrorCode}: ${entry.ErrorMessage ?? ""}`.trim();
    }
  });
  answer?.offsets?.forEach((entry, position) => {
    if (entry?.error_code != null) {
      positions.push(position);
      error = `Kafka error ${entry.error_code}: ${entry.error ?? ""}`.trim();
    }
  });
  return { positions, error };
}

export class ApiTransport implements Transport {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly origin: string;

  constructor(
    private readonly outputs: StackOutputs,
    connections: number,
    requestTimeoutMs = REQUEST_TIMEOUT_MS,
    /** Signs each request (SigV4) for an API with AWS_IAM authorization. */
    private readonly sign?: RequestSigner,
  ) {
    const url = new URL(outputs.apiUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.pool = new Pool(url.origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    });
  }

  private request(
    target: Target,
    records: readonly WireRecord[],
  ): { method: "POST" | "PUT"; path: string; body: unknown; contentType: string } {
    const name = encodeURIComponent(target.name);
    if (target.kind === "topic") {
      return {
        method: "POST",
        path: `/topics/${name}`,
        body: kafkaBody(records),
        contentType: KAFKA_JSON_CONTENT_TYPE,
      };
    }
    return records.length === 1
      ? {
          method: "PUT",
          path: `/streams/${name}/record`,
          body: kinesisRecordBody(target.name, target.table, records[0]),
          contentType: "application/json",
        }
      : {
          method: "PUT",
          path: `/streams/${name}/records`,
          body: kinesisRecordsBody(target.name, target.table, records),
          contentType: "application/json",
        };
  }

  async send(target: Target, records: readonly WireRecord[]): Promise<Attempt> {
    const { method, path, body, contentType } = this.request(target, records);
    const where = `${method} ${this.basePath}${path}`;
    let status: number;
    let text: string;
    const payload = JSON.stringify(body);
    const unsigned = {
      "content-type": contentType,
      "x-api-key": this.outputs.apiKey,
      accept: "application/json",
    };
    const headers = this.sign
      ? await this.sign({
          method,
          origin: this.origin,
          path: `${this.basePath}${path}`,
          headers: unsigned,
          body: payload,
        })
      : unsigned;
    try {
      const response = await this.pool.request({
        method,
        path: `${this.basePath}${path}`,
        headers,
        body: payload,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (error instanceof undiciErrors.InvalidArgumentError)
        return { outcome: "fatal", error: `${where}: ${(error as Error).message}` };
      return { outcome: "retry", error: `${where}: ${code ?? ""} ${(error as Error).message}`.trim() };
    }
    if (status === 429 || status >= 500 || isThrottling(status, text))
      return { outcome: "retry", error: `${where} answered ${status}: ${snippet(text)}` };
    if (status < 200 || status >= 300) {
      return { outcome: "fatal", error: `${where} answered ${status}: ${snippet(text)}${hint(status)}` };
    }
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // A 2xx without a JSON body still means the records were accepted.
    }
    const { positions, error } = refusedPositions(parsed);
    return positions.length > 0
      ? { outcome: "partial", failed: positions, error: `${where}: ${error}` }
      : { outcome: "ok" };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
