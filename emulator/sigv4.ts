// SigV4 signing of ingest API requests for a stack with apiAuthorization iam (API Gateway's AWS_IAM methods):
// the caller's AWS credentials from the default provider chain, service execute-api, the API's region.
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { RuntimeFailure } from "../cli/errors";

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (or its HMAC with a key) in the shape the signer asks for; what @smithy/hash-node does with node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** The region of an API Gateway URL (https://{id}.execute-api.{region}.amazonaws.com/...), else AWS_REGION. */
export function apiRegion(apiUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(apiUrl).hostname);
  const region = match?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new RuntimeFailure(
      `--sigv4: cannot tell the region of ${apiUrl} (not an execute-api URL): set AWS_REGION`,
    );
  }
  return region;
}

export interface SignableRequest {
  method: string;
  /** Origin of the API, e.g. https://abc.execute-api.us-east-1.amazonaws.com */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

type CredentialProvider = ReturnType<typeof defaultProvider>;

export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

const noCredentials = (error: unknown) =>
  new RuntimeFailure(
    `--sigv4: no AWS credentials to sign with (${(error as Error).message}); configure a profile or AWS_ACCESS_KEY_ID`,
  );

/**
 * A signer that returns the request's headers with SigV4's (authorization, x-amz-date, the session token).
 * The credentials are looked up once here, so a run without any stops before it sends.
 */
export async function sigV4Signer(
  region: string,
  credentials: CredentialProvider = defaultProvider(),
): Promise<RequestSigner> {
  try {
    await credentials();
  } catch (error) {
    throw noCredentials(error);
  }
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  return async (request) => {
    const url = new URL(request.origin);
    let signed;
    try {
      signed = await signer.sign({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: request.path,
        query: {},
        headers: { ...request.headers, host: url.host },
        body: request.body,
      });
    } catch (error) {
      throw noCredentials(error);
    }
    // undici sets Host from the origin itself, to the same value that was signed.
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    return headers;
  };
}
