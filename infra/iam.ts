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

/** Trust policy of a role assumed by AWS services. */
export function serviceTrustPolicy(services: string[], sourceAccount?: string): PolicyDocument {
  return document({
    Effect: "Allow",
    Principal: { Service: services },
    Action: "sts:AssumeRole",
    ...(sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {}),
  } as PolicyStatement);
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

/** MSK Connect S3 sink: read the three topics, keep its own internal topics and group, write below `topics/` of the bucket. */
export function s3SinkConnectorPolicy(
  clusterArn: string,
  topics: string[],
  consumerGroup: string,
  bucketArn: string,
): PolicyDocument {
  const internal = mskResourceArn(clusterArn, "topic", "__amazon_msk_connect_*");
  return document(
    allow("ConnectToCluster", ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], [clusterArn]),
    allow(
      "ReadPipelineTopics",
      ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      topics.map((topic) => mskResourceArn(clusterArn, "topic", topic)),
    ),
    allow(
      "ConnectInternalTopics",
      [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:WriteData",
      ],
      [internal],
    ),
    allow(
      "ConsumerGroups",
      ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      [
        mskResourceArn(clusterArn, "group", consumerGroup),
        mskResourceArn(clusterArn, "group", "__amazon_msk_connect_*"),
      ],
    ),
    allow(
      "ListDataBucket",
      ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      [bucketArn],
    ),
    allow(
      "WriteTopicFiles",
      ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      [`${bucketArn}/topics/*`],
    ),
  );
}

/** The role API Gateway assumes for the Kinesis integrations: the three streams only (ListStreams has no resource scope). */
export function apiGatewayKinesisPolicy(streamArns: string[], allowStreamAdmin: boolean): PolicyDocument {
  const statements = [
    allow(
      "WritePipelineStreams",
      ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary"],
      streamArns,
    ),
    allow("ListStreams", ["kinesis:ListStreams"], ["*"]),
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

export interface MwaaPolicyInput {
  region: string;
  accountId: string;
  environmentName: string;
  dagBucketArn: string;
  connectionsSecretPrefixArn: string;
}

/** MWAA execution role (the documented minimum for an AWS-owned key), plus reading this stack's Airflow connections. */
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
        "s3:GetAccountPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:ListBucket",
      ],
      [input.dagBucketArn, `${input.dagBucketArn}/*`],
    ),
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
    {
      Sid: "CeleryQueueEncryption",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
      NotResource: `arn:aws:kms:*:${accountId}:key/*`,
      Condition: { StringLike: { "kms:ViaService": [`sqs.${region}.amazonaws.com`] } },
    },
    allow(
      "ReadAirflowConnections",
      ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      [`${input.connectionsSecretPrefixArn}*`],
    ),
  );
}

/** Databricks clusters (through the instance profile): the data bucket and reading the three streams. */
export function databricksDataAccessPolicy(bucketArn: string, streamArns: string[]): PolicyDocument {
  return document(
    allow("ListDataBucket", ["s3:ListBucket", "s3:GetBucketLocation"], [bucketArn]),
    allow(
      "ReadWriteDataBucket",
      ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl"],
      [`${bucketArn}/*`],
    ),
    allow(
      "ReadPipelineStreams",
      [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:SubscribeToShard",
      ],
      streamArns,
    ),
    allow("ListStreams", ["kinesis:ListStreams"], ["*"]),
  );
}

/** Lets the workspace's cross-account role hand the data access role to the clusters it starts. */
export function passRolePolicy(roleArn: string): PolicyDocument {
  return document(allow("PassDataAccessRole", ["iam:PassRole"], [roleArn]));
}
