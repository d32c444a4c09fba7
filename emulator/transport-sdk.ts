// `stream --via sdk`: PutRecords straight to Kinesis with the AWS SDK, bypassing the ingest API.
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Attempt, Target, Transport } from "./delivery";
import { partitionKey, type WireRecord } from "./wire";

const RETRYABLE_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "ThrottlingException",
  "InternalFailure",
  "ServiceUnavailable",
  "KMSThrottlingException",
]);

export class SdkTransport implements Transport {
  private readonly client: KinesisClient;

  constructor(opts: { endpoint?: string; region?: string }) {
    // The repository runs on Node 20 on purpose; the SDK's multi-line notice about Node 22 would break
    // the one-line error output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    // Retries are ours (same policy as the API path), so the SDK tries once. The Kinesis client speaks
    // HTTP/2, which AWS serves over TLS only; a plain-http local endpoint needs HTTP/1.1.
    const plainHttp = opts.endpoint?.startsWith("http:") ?? false;
    this.client = new KinesisClient({
      endpoint: opts.endpoint,
      ...(plainHttp ? { requestHandler: new NodeHttpHandler() } : {}),
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
      maxAttempts: 1,
    });
  }

  async send(target: Target, records: readonly WireRecord[]): Promise<Attempt> {
    const where = `PutRecords ${target.name}`;
    try {
      const answer = await this.client.send(
        new PutRecordsCommand({
          StreamName: target.name,
          Records: records.map((record) => ({
            Data: Buffer.from(JSON.stringify(record)),
            PartitionKey: partitionKey(target.table, record),
          })),
        }),
      );
      const failed: number[] = [];
      let error = "";
      answer.Records?.forEach((entry, position) => {
        if (entry.ErrorCode) {
          failed.push(position);
          error = `${entry.ErrorCode}: ${entry.ErrorMessage ?? ""}`;
        }
      });
      return failed.length > 0
        ? { outcome: "partial", failed, error: `${where}: ${error}` }
        : { outcome: "ok" };
    } catch (caught) {
      const error = caught as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
      const status = error.$metadata?.httpStatusCode;
      const message = `${where}: ${error.name}: ${error.message}`;
      if (
        status === undefined ||
        status === 429 ||
        status >= 500 ||
        error.$fault === "server" ||
        RETRYABLE_ERRORS.has(error.name)
      ) {
        if (error.name === "CredentialsProviderError")
          return { outcome: "fatal", error: `${message}; configure AWS credentials` };
        return { outcome: "retry", error: message };
      }
      return { outcome: "fatal", error: message };
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
