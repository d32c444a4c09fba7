// The optional customer-managed KMS key (config kmsKey: customer) for every store: buckets, Kinesis, MSK, logs,
// root volumes, the alarm topic, the Airflow secret and the MWAA environment.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { customerKeyPolicy } from "./operationsIam";

export interface EncryptionKeyArgs {
  prefix: string;
  region: string;
  accountId: pulumi.Input<string>;
}

export class EncryptionKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:EncryptionKey", name, {}, opts);
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Data at rest of the Pinterest pipeline ${args.prefix}: data bucket, Kinesis, MSK, logs`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi
          .output(args.accountId)
          .apply((accountId) => JSON.stringify(customerKeyPolicy(accountId, args.region))),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${args.prefix}-data`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.registerOutputs({ keyArn: this.arn });
  }
}
