// Request and response helpers of the local gateway.
import type { IncomingMessage, ServerResponse } from "node:http";

/** API Gateway's payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** An error answered to the client with a status and a JSON body, in the shape of the service the route stands for. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? status));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Reads the whole body. One larger than `limit` is still read to its end (and dropped), so that the client,
 * which is busy sending it, gets the 413 answer instead of a connection reset.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= limit) chunks.push(buffer);
  }
  if (size > limit) {
    throw new HttpError(413, {
      message: `request body is ${size} bytes, larger than the limit of ${limit} bytes; send fewer records per request`,
    });
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The path's segments, percent-decoded; a malformed escape is the client's error (400), not the server's. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, {
          message: `the path segment "${segment}" has a malformed percent-escape; encode "%" as %25`,
        });
      }
    });
}

/** Where in the body a value sits, for error messages: `records[3].value.ind`. */
function childPath(parent: string, key: string): string {
  if (key === "") return parent;
  return /^\d+$/.test(key) ? `${parent}[${key}]` : parent === "" ? key : `${parent}.${key}`;
}

/**
 * The first integer in `value` that a JavaScript number cannot hold exactly (beyond ±(2^53 − 1)), with
 * where it is; such a number was already rounded when the body was parsed, so it cannot be forwarded as sent.
 */
export function firstUnsafeInteger(value: unknown, where = ""): string | undefined {
  if (typeof value === "number")
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? where || "the body" : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = firstUnsafeInteger(child, childPath(where, key));
    if (found) return found;
  }
  return undefined;
}

/**
 * Parses a JSON object body. `malformed` builds the answer to text that is not JSON (or holds an integer
 * beyond ±(2^53 − 1), which would reach Kafka or Kinesis altered); `invalid` the answer to JSON that is not an object.
 */
export function parseJsonObject(
  text: string,
  malformed: (reason: string) => HttpError,
  invalid: (reason: string) => HttpError = malformed,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformed(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("body must be a JSON object");
  const unsafe = firstUnsafeInteger(parsed);
  if (unsafe) {
    throw malformed(
      `${unsafe} is an integer beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1), which cannot be forwarded exactly; send it as a string`,
    );
  }
  return parsed as Record<string, unknown>;
}
