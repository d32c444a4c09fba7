// An S3 bucket secure by default: owner-enforced, versioned, encrypted, public access blocked, TLS only, and
// old versions expire (versioning keeps every overwritten sink file and Delta rewrite otherwise, S3.13).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "./iam";

/** How long an overwritten or deleted object's old version stays recoverable. */
export const NONCURRENT_VERSION_DAYS = 30;

export interface SecureBucket {
  bucket: aws.s3.Bucket;
  /** The settings that must exist before anything uses the bucket. */
  ready: pulumi.Resource[];
}

export function secureBucket(
  name: string,
  bucketName: pulumi.Input<string>,
  forceDestroy: boolean,
  parent: pulumi.Resource,
): SecureBucket {
  const opts = { parent };
  const bucket = new aws.s3.Bucket(name, { bucket: bucketName, forceDestroy }, opts);
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    opts,
  );
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    },
    opts,
  );
  const lifecycle = new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { parent, dependsOn: [versioning] },
  );
  // S3 rejects concurrent changes of a bucket policy and its public access block, so they go one after the other.
  const policy = new aws.s3.BucketPolicy(
    `${name}-tls-only`,
    { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
    { parent, dependsOn: [publicAccess] },
  );
  return { bucket, ready: [ownership, publicAccess, versioning, encryption, policy, lifecycle] };
}
