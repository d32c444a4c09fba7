// Resource transformations that apply the stack's hardening choices where the resources are declared in other
// components: every log group gets the configured retention (and the customer key when there is one); with a
// customer-managed key, every store uses it instead of the AWS managed keys: the buckets' default encryption,
// the Kinesis streams, the provisioned MSK cluster, the REST proxies' root volumes, the alarm topic and the
// Airflow connection secret. Registered on the components in index.ts; the policy pack
// (infra/policy/hardening.ts) checks the result.
import * as pulumi from "@pulumi/pulumi";

type Props = Record<string, unknown>;

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const KINESIS_STREAM = "aws:kinesis/stream:Stream";
export const MSK_CLUSTER = "aws:msk/cluster:Cluster";
export const BUCKET_ENCRYPTION =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
export const EC2_INSTANCE = "aws:ec2/instance:Instance";
export const SNS_TOPIC = "aws:sns/topic:Topic";
export const SECRET = "aws:secretsmanager/secret:Secret";
/** Every type whose data at rest the customer key encrypts (the policy pack checks each against the key). */
export const CUSTOMER_KEY_TYPES = [
  KINESIS_STREAM,
  MSK_CLUSTER,
  BUCKET_ENCRYPTION,
  EC2_INSTANCE,
  SNS_TOPIC,
  SECRET,
];

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
    case EC2_INSTANCE:
      return {
        ...props,
        rootBlockDevice: {
          ...((props.rootBlockDevice as Props | undefined) ?? {}),
          encrypted: true,
          kmsKeyId: kmsKeyArn,
        },
      };
    case SNS_TOPIC:
      return { ...props, kmsMasterKeyId: kmsKeyArn };
    case SECRET:
      return { ...props, kmsKeyId: kmsKeyArn };
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
    CUSTOMER_KEY_TYPES.includes(args.type)
      ? { props: customerKeyProps(args.type, args.props, kmsKeyArn), opts: args.opts }
      : undefined;
}
