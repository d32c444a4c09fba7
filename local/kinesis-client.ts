// The one way local mode talks to the local Kinesis server.
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export const REGION = "us-east-1";

export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // The SDK speaks HTTP/2 to Kinesis by default; moto's server speaks HTTP/1.1 only.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 30_000 }),
    maxAttempts: 3,
  });
}
