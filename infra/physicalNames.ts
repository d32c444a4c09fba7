// Physical names of the cloud objects that infra/ alone names: the ones with a tight length limit, and the
// Unity Catalog objects. The pipeline's own names (topics, streams, buckets, schemas) come from contract/.
import { topicDir, validatePrefix } from "../contract";

const underscored = (prefix: string) => validatePrefix(prefix).replace(/-/g, "_");

/**
 * The REST proxy's internal NLB. Load balancer names allow 32 characters and must not begin with
 * `internal-`, so the prefix (at most 20 characters) goes last.
 */
export function restProxyLoadBalancerName(prefix: string): string {
  return `nlb-${validatePrefix(prefix)}`;
}

/** The NLB's target group of REST proxy instances (32 characters at most, like load balancers). */
export function restProxyTargetGroupName(prefix: string): string {
  return `tg-${validatePrefix(prefix)}`;
}

/**
 * The S3 sink's dead-letter topic: records the connector cannot convert go there (Kafka Connect's
 * errors.deadletterqueue.topic.name) instead of being dropped.
 */
export function s3SinkDeadLetterTopicName(prefix: string): string {
  return `${validatePrefix(prefix)}.s3-sink.dead-letter`;
}

/** IAM role Unity Catalog assumes for the data bucket; named, since its trust policy names it. */
export function unityCatalogStorageRoleName(prefix: string): string {
  return `${validatePrefix(prefix)}-uc-storage`;
}

/** IAM role of the service credential the stream job reads Kinesis with. */
export function unityCatalogKinesisRoleName(prefix: string): string {
  return `${validatePrefix(prefix)}-uc-kinesis`;
}

/** Unity Catalog securables of one stack. */
export interface UnityCatalogNames {
  storageCredential: string;
  serviceCredential: string;
  externalLocation: string;
  /** The catalog the program creates when the stack names none (`databricksCatalog`). */
  catalog: string;
  /** Schema of the volumes: the sink's topics, the stream checkpoints, the job wheel. */
  landingSchema: string;
  /**
   * The external volume over the sink's output. It bears the name of the first folder of the sink's layout,
   * so `/Volumes/<catalog>/<landing schema>` is the root the batch job expects `topics/...` below.
   */
  topicsVolume: string;
  checkpointsVolume: string;
  artifactsVolume: string;
}

export function unityCatalogNames(prefix: string): UnityCatalogNames {
  const base = underscored(prefix);
  return {
    storageCredential: `${base}_data_bucket`,
    serviceCredential: `${base}_kinesis`,
    externalLocation: `${base}_data_bucket`,
    catalog: base,
    landingSchema: `${base}_landing`,
    topicsVolume: topicDir("x").split("/")[0],
    checkpointsVolume: "checkpoints",
    artifactsVolume: "artifacts",
  };
}
