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

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, { message: `request body is larger than ${MAX_BODY_BYTES} bytes` });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON object body; `invalid` builds the error answered when it is not one. */
export function parseJsonObject(
  text: string,
  invalid: (reason: string) => HttpError,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`body is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("body must be a JSON object");
  return parsed as Record<string, unknown>;
}
