// Resource transformations that apply the stack's hardening choices where the resources are declared in other
// components: every log group gets the configured retention (and the customer key when there is one); with a
// customer-managed key, the data bucket's default encryption, the Kinesis streams and the provisioned MSK
// cluster use it instead of the AWS managed keys. Registered on the components in index.ts; the policy pack
// (infra/policy/hardening.ts) checks the result.
import * as pulumi from "@pulumi/pulumi";

type Props = Record<string, unknown>;

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const KINESIS_STREAM = "aws:kinesis/stream:Stream";
export const MSK_CLUSTER = "aws:msk/cluster:Cluster";
export const BUCKET_ENCRYPTION =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";

/** The properties a log group gets: the stack's retention, and the customer key when one is configured. */
export function hardenedLogGroupProps(
  props: Props,
  retentionDays: number,
  kmsKeyArn: pulumi.Input<string> | undefined,
): Props {
  return {
    ...props,
    retentionInDays: retentionDays,
    ...(kmsKeyArn !== undefined ? { kmsKeyId: kmsKeyArn } : {}),
  };
}

/** The properties of a resource that stores data at rest, encrypted with the customer key; others unchanged. */
export function customerKeyProps(type: string, props: Props, kmsKeyArn: pulumi.Input<string>): Props {
  switch (type) {
    case KINESIS_STREAM:
      return { ...props, encryptionType: "KMS", kmsKeyId: kmsKeyArn };
    case MSK_CLUSTER:
      return {
        ...props,
        encryptionInfo: {
          ...((props.encryptionInfo as Props | undefined) ?? {}),
          encryptionAtRestKmsKeyArn: kmsKeyArn,
        },
      };
    case BUCKET_ENCRYPTION:
      return {
        ...props,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
            // S3 Bucket Keys cut the KMS requests (and their cost) by orders of magnitude.
            bucketKeyEnabled: true,
          },
        ],
      };
    default:
      return props;
  }
}

export function logRetentionTransformation(
  retentionDays: number,
  kmsKeyArn: pulumi.Input<string> | undefined,
): pulumi.ResourceTransformation {
  return (args) =>
    args.type === LOG_GROUP
      ? { props: hardenedLogGroupProps(args.props, retentionDays, kmsKeyArn), opts: args.opts }
      : undefined;
}

export function customerKeyTransformation(kmsKeyArn: pulumi.Input<string>): pulumi.ResourceTransformation {
  return (args) =>
    [KINESIS_STREAM, MSK_CLUSTER, BUCKET_ENCRYPTION].includes(args.type)
      ? { props: customerKeyProps(args.type, args.props, kmsKeyArn), opts: args.opts }
      : undefined;
}
