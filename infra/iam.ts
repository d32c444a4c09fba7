// Every IAM policy document of the program, as pure functions of ARNs, and the least-privilege check they pass.

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

function document(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

function allow(sid: string, actions: string[], resources: string[]): PolicyStatement {
  return { Sid: sid, Effect: "Allow", Action: actions, Resource: resources };
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Problems of one document: an Allow with a wildcard action, or a `service:*`-style action on Resource "*". */
export function policyViolations(doc: PolicyDocument): string[] {
  const problems: string[] = [];
  for (const [index, statement] of doc.Statement.entries()) {
    if (statement.Effect !== "Allow") continue;
    const where = `statement ${statement.Sid ?? index}`;
    if (statement.NotAction !== undefined) problems.push(`${where}: Allow with NotAction`);
    const resources = asList(statement.Resource);
    for (const action of asList(statement.Action)) {
      if (action === "*") problems.push(`${where}: Allow of action "*"`);
      else if (action.endsWith(":*"))
        problems.push(`${where}: Allow of every action of a service ("${action}")`);
      else if (action.includes("*") && resources.includes("*")) {
        problems.push(`${where}: wildcard action "${action}" on Resource "*"`);
      }
    }
  }
  return problems;
}

/**
 * Who may make a service assume a role on this account's behalf (the confused-deputy guard): the account that
 * owns the calling resource, and where the service names it, that resource's ARN (a pattern).
 */
export interface TrustSource {
  account: string;
  arnLike?: string;
  /**
   * For a service whose documentation does not say it sends aws:SourceAccount when it assumes the role: the
   * condition refuses another account's request but lets one without the key through (`...IfExists`).
   */
  ifExists?: boolean;
}

/** Trust policy of a role assumed by AWS services; every service but EC2 gets a source condition. */
export function serviceTrustPolicy(services: string[], source?: TrustSource): PolicyDocument {
  const condition: PolicyStatement["Condition"] = {};
  if (source) {
    const suffix = source.ifExists ? "IfExists" : "";
    condition[`StringEquals${suffix}`] = { "aws:SourceAccount": source.account };
    if (source.arnLike) condition[`ArnLike${suffix}`] = { "aws:SourceArn": source.arnLike };
  }
  return document({
    Effect: "Allow",
    Principal: { Service: services },
    Action: "sts:AssumeRole",
    ...(source ? { Condition: condition } : {}),
  });
}

/** Services whose roles are assumed by instances, where no calling resource exists to name. */
export const TRUST_WITHOUT_SOURCE = ["ec2.amazonaws.com"];

/** Problems of a trust policy: a service principal (other than EC2) trusted without an aws:SourceAccount condition. */
export function trustPolicyViolations(doc: PolicyDocument): string[] {
  const problems: string[] = [];
  for (const [index, statement] of doc.Statement.entries()) {
    if (statement.Effect !== "Allow" || typeof statement.Principal !== "object") continue;
    const services = asList(statement.Principal.Service).filter(
      (service) => !TRUST_WITHOUT_SOURCE.includes(service),
    );
    if (services.length === 0) continue;
    const keys = Object.values(statement.Condition ?? {}).flatMap((block) => Object.keys(block));
    if (!keys.some((key) => key.toLowerCase() === "aws:sourceaccount")) {
      problems.push(
        `statement ${statement.Sid ?? index}: ${services.join(", ")} may assume the role without an aws:SourceAccount condition`,
      );
    }
  }
  return problems;
}

/** Bucket policy that refuses every request not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return document({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
  });
}

type MskResourceKind = "topic" | "group";

/** ARN of a topic or consumer group of an MSK cluster: `arn:...:cluster/NAME/UUID` -> `arn:...:topic/NAME/UUID/<name>`. */
export function mskResourceArn(clusterArn: string, kind: MskResourceKind, name: string): string {
  const match = /^(arn:[^:]+:kafka:[^:]*:[^:]*:)cluster\/(.+)$/.exec(clusterArn);
  if (!match) throw new Error(`"${clusterArn}" is not an MSK cluster ARN`);
  return `${match[1]}${kind}/${match[2]}/${name}`;
}

/** The REST proxy: produce to the three topics of this cluster, nothing else. */
export function restProxyPolicy(clusterArn: string, topics: string[]): PolicyDocument {
  return document(
    allow(
      "ConnectToCluster",
      ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"],
      [clusterArn],
    ),
    allow(
      "ProduceToPipelineTopics",
      ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      topics.map((topic) => mskResourceArn(clusterArn, "topic", topic)),
    ),
  );
}

export interface S3SinkConnectorPolicyInput {
  clusterArn: string;
  topics: string[];
  connectorName: string;
  consumerGroup: string;
  /** The role the connector assumes (aws.sts.role.arn) to write the bucket. */
  writerRoleArn: string;
  /** The topic Connect writes the records it cannot convert to. */
  deadLetterTopic: string;
}

/**
 * MSK Connect's service execution role of the S3 sink: read the three topics, keep Connect's own internal
 * topics and groups, and assume the writer role; S3 access lives on the writer role only. MSK Connect names
 * its internal topics `__amazon_msk_connect_*` (the service execution role page of the MSK developer guide)
 * and, per connector, `__msk_connect_{configs,status,offsets}_<connector name>_<connector id>` (the state
 * management page); both forms are granted.
 */
export function s3SinkConnectorPolicy(input: S3SinkConnectorPolicyInput): PolicyDocument {
  const { clusterArn } = input;
  const topic = (name: string) => mskResourceArn(clusterArn, "topic", name);
  return document(
    allow("ConnectToCluster", ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], [clusterArn]),
    allow(
      "ReadPipelineTopics",
      ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      input.topics.map(topic),
    ),
    // Connect's dead-letter reporter describes the topic (it exists: the program creates it) and produces to it.
    allow(
      "WriteDeadLetterTopic",
      ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      [topic(input.deadLetterTopic)],
    ),
    allow(
      "ConnectInternalTopics",
      [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:WriteData",
      ],
      [topic("__amazon_msk_connect_*"), topic(`__msk_connect_*_${input.connectorName}_*`)],
    ),
    allow(
      "ConsumerGroups",
      ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      [
        mskResourceArn(clusterArn, "group", input.consumerGroup),
        mskResourceArn(clusterArn, "group", "__amazon_msk_connect_*"),
      ],
    ),
    allow("AssumeBucketWriterRole", ["sts:AssumeRole"], [input.writerRoleArn]),
  );
}

/** Trust policy of the S3 sink's writer role: only the connector's service execution role may assume it. */
export function s3SinkWriterTrustPolicy(executionRoleArn: string): PolicyDocument {
  return document({
    Effect: "Allow",
    Principal: { AWS: executionRoleArn },
    Action: "sts:AssumeRole",
  });
}

/** The S3 sink's writer role: write below `<topicsPrefix>/` of the data bucket, nothing else. */
export function s3SinkWriterPolicy(bucketArn: string, topicsPrefix: string): PolicyDocument {
  return document(
    {
      Sid: "ListTopicFiles",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": [`${topicsPrefix}/*`] } },
    },
    allow("DataBucket", ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], [bucketArn]),
    allow(
      "WriteTopicFiles",
      ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      [`${bucketArn}/${topicsPrefix}/*`],
    ),
  );
}

/** The role API Gateway assumes for the Kinesis integrations: the three streams only. */
export function apiGatewayKinesisPolicy(streamArns: string[], allowStreamAdmin: boolean): PolicyDocument {
  const statements = [
    allow(
      "WritePipelineStreams",
      ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary"],
      streamArns,
    ),
  ];
  if (allowStreamAdmin)
    statements.push(
      allow("AdministerPipelineStreams", ["kinesis:CreateStream", "kinesis:DeleteStream"], streamArns),
    );
  return document(...statements);
}

/** API Gateway's account-level role for writing access and execution logs to CloudWatch. */
export function apiGatewayLoggingPolicy(): PolicyDocument {
  return document(
    allow(
      "WriteApiGatewayLogs",
      [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
      ],
      ["*"],
    ),
  );
}

const MWAA_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"];

export interface MwaaPolicyInput {
  region: string;
  accountId: string;
  environmentName: string;
  dagBucketArn: string;
  connectionsSecretPrefixArn: string;
  /** The stack's customer-managed key when the environment uses it (config kmsKey: customer); else AWS-owned. */
  kmsKeyArn?: string;
}

/**
 * MWAA execution role: the documented minimum, plus reading this stack's Airflow connections. The MWAA user
 * guide ("Amazon MWAA execution role", sample policies for a customer managed key and for an AWS owned key)
 * differs only in the KMS statement: with an AWS-owned key, any key outside the account through SQS; with a
 * customer key, that key through SQS and S3.
 */
export function mwaaExecutionPolicy(input: MwaaPolicyInput): PolicyDocument {
  const { region, accountId, environmentName } = input;
  return document(
    allow(
      "PublishMetrics",
      ["airflow:PublishMetrics"],
      [`arn:aws:airflow:${region}:${accountId}:environment/${environmentName}`],
    ),
    {
      Sid: "DenyListAllBuckets",
      Effect: "Deny",
      Action: "s3:ListAllMyBuckets",
      Resource: [input.dagBucketArn, `${input.dagBucketArn}/*`],
    },
    allow(
      "ReadDagBucket",
      [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetBucketVersioning",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:ListBucket",
      ],
      [input.dagBucketArn, `${input.dagBucketArn}/*`],
    ),
    // An account-level action: it has no resource but "*", so scoped to the bucket it granted nothing.
    allow("ReadAccountPublicAccessBlock", ["s3:GetAccountPublicAccessBlock"], ["*"]),
    allow(
      "WriteAirflowLogs",
      [
        "logs:CreateLogStream",
        "logs:CreateLogGroup",
        "logs:PutLogEvents",
        "logs:GetLogEvents",
        "logs:GetLogRecord",
        "logs:GetLogGroupFields",
        "logs:GetQueryResults",
      ],
      [`arn:aws:logs:${region}:${accountId}:log-group:airflow-${environmentName}-*`],
    ),
    allow("DescribeLogGroups", ["logs:DescribeLogGroups"], ["*"]),
    allow("PutMetrics", ["cloudwatch:PutMetricData"], ["*"]),
    allow(
      "CeleryQueues",
      [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ],
      [`arn:aws:sqs:${region}:*:airflow-celery-*`],
    ),
    input.kmsKeyArn === undefined
      ? {
          Sid: "CeleryQueueEncryption",
          Effect: "Allow",
          Action: MWAA_KEY_ACTIONS,
          NotResource: `arn:aws:kms:*:${accountId}:key/*`,
          Condition: { StringLike: { "kms:ViaService": [`sqs.${region}.amazonaws.com`] } },
        }
      : {
          Sid: "CustomerKeyThroughSqsAndS3",
          Effect: "Allow",
          Action: MWAA_KEY_ACTIONS,
          Resource: input.kmsKeyArn,
          Condition: {
            StringLike: { "kms:ViaService": [`sqs.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`] },
          },
        },
    allow(
      "ReadAirflowConnections",
      ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      [`${input.connectionsSecretPrefixArn}*`],
    ),
  );
}

/** What a polling Kinesis reader needs on its streams (the Databricks Kinesis source among them). */
const KINESIS_READ_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];

/** Databricks clusters (through the instance profile): the data bucket and reading the three streams. */
export function databricksDataAccessPolicy(bucketArn: string, streamArns: string[]): PolicyDocument {
  return document(
    allow("ListDataBucket", ["s3:ListBucket", "s3:GetBucketLocation"], [bucketArn]),
    allow(
      "ReadWriteDataBucket",
      ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl"],
      [`${bucketArn}/*`],
    ),
    allow("ReadPipelineStreams", [...KINESIS_READ_ACTIONS, "kinesis:SubscribeToShard"], streamArns),
    allow("ListStreams", ["kinesis:ListStreams"], ["*"]),
  );
}

/** Lets the workspace's cross-account role hand the data access role to the clusters it starts. */
export function passRolePolicy(roleArn: string): PolicyDocument {
  return document(allow("PassDataAccessRole", ["iam:PassRole"], [roleArn]));
}

/** The Unity Catalog master role of Databricks on AWS (terraform-provider-databricks, see below). */
export const UNITY_CATALOG_MASTER_ROLE_ARN =
  "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL";

/**
 * Trust policy of an IAM role behind a Unity Catalog storage or service credential: Databricks' UC master role
 * with the credential's external id, and the role itself with the same external id. The self-assumption names the account root with an
 * `aws:PrincipalArn` condition, so the role can be created with its final policy (IAM refuses a principal
 * that does not exist yet). The same document as databricks/terraform-provider-databricks
 * aws/data_aws_unity_catalog_assume_role_policy.go (the provider behind @pulumi/databricks).
 */
export function unityCatalogTrustPolicy(
  accountId: string,
  roleName: string,
  externalId: string,
): PolicyDocument {
  return document(
    {
      Sid: "UnityCatalogAssumeRole",
      Effect: "Allow",
      Principal: { AWS: UNITY_CATALOG_MASTER_ROLE_ARN },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": externalId } },
    },
    {
      Sid: "ExplicitSelfRoleAssumption",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: "sts:AssumeRole",
      Condition: {
        ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${accountId}:role/${roleName}` },
        StringEquals: { "sts:ExternalId": externalId },
      },
    },
  );
}

/** The folders of the data bucket Unity Catalog reaches, and how. */
export interface UnityCatalogPrefixes {
  /** Read only: what the sink lands (the topics volume). */
  read: string[];
  /** Read and write: checkpoints, the jobs' artifacts, the catalog's managed storage. */
  readWrite: string[];
}

/**
 * The storage credential's role (data_aws_unity_catalog_policy.go's actions), limited to the folders UC uses:
 * nothing else of the bucket, so not the MSK Connect plugin (code MSK Connect runs) nor anything outside them.
 */
export function unityCatalogStoragePolicy(
  bucketArn: string,
  roleArn: string,
  prefixes: UnityCatalogPrefixes,
): PolicyDocument {
  const objects = (folders: string[]) => folders.map((folder) => `${bucketArn}/${folder}/*`);
  return document(
    allow("ListDataBucket", ["s3:ListBucket", "s3:GetBucketLocation"], [bucketArn]),
    allow("ReadLandedTopics", ["s3:GetObject"], objects(prefixes.read)),
    allow(
      "ReadWriteCatalogFolders",
      ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      objects(prefixes.readWrite),
    ),
    allow("AssumeSelf", ["sts:AssumeRole"], [roleArn]),
  );
}

/**
 * The Kinesis service credential's role: what the Databricks Kinesis source needs (ListShards, GetRecords,
 * GetShardIterator, docs.databricks.com/aws/en/connect/streaming/kinesis) on the three streams, and its own
 * assumption.
 */
export function unityCatalogKinesisPolicy(streamArns: string[], roleArn: string): PolicyDocument {
  return document(
    allow("ReadPipelineStreams", KINESIS_READ_ACTIONS, streamArns),
    allow("AssumeSelf", ["sts:AssumeRole"], [roleArn]),
  );
}
