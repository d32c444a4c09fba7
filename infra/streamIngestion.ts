// Stream ingestion: the three Kinesis streams, encrypted with KMS.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { StreamMode } from "./config";
import { PerTable, TABLES } from "./names";

/** AWS managed key of Kinesis: encrypted at rest, and every principal allowed on the stream can use it. */
export const KINESIS_KMS_KEY = "alias/aws/kinesis";

export interface StreamIngestionArgs {
  streamNames: PerTable<string>;
  mode: StreamMode;
  shardCount: number;
  retentionHours: number;
}

export class StreamIngestion extends pulumi.ComponentResource {
  readonly streams: PerTable<aws.kinesis.Stream>;
  readonly streamArns: pulumi.Output<string>[];

  constructor(name: string, args: StreamIngestionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:StreamIngestion", name, {}, opts);
    const stream = (table: (typeof TABLES)[number]) =>
      new aws.kinesis.Stream(
        `${name}-${table}`,
        {
          name: args.streamNames[table],
          retentionPeriod: args.retentionHours,
          encryptionType: "KMS",
          kmsKeyId: KINESIS_KMS_KEY,
          ...(args.mode === "on-demand"
            ? { streamModeDetails: { streamMode: "ON_DEMAND" } }
            : { streamModeDetails: { streamMode: "PROVISIONED" }, shardCount: args.shardCount }),
        },
        { parent: this },
      );
    this.streams = { pin: stream("pin"), geo: stream("geo"), user: stream("user") };
    this.streamArns = TABLES.map((table) => this.streams[table].arn);
    this.registerOutputs({ streamArns: this.streamArns });
  }
}
