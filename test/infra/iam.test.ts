import { expect } from "chai";
import {
  apiGatewayKinesisPolicy,
  mskResourceArn,
  PolicyDocument,
  policyViolations,
  mwaaExecutionPolicy,
  restProxyPolicy,
  s3SinkConnectorPolicy,
  s3SinkWriterPolicy,
  s3SinkWriterTrustPolicy,
  tlsOnlyBucketPolicy,
  unityCatalogKinesisPolicy,
  unityCatalogStoragePolicy,
  unityCatalogTrustPolicy,
} from "../../infra/iam";

const cluster =
  "arn:aws:kafka:us-east-1:123456789012:cluster/pinpipe-dev-msk/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2";
const topics = ["pinpipe-dev.pin", "pinpipe-dev.geo", "pinpipe-dev.user"];
const allow = (Action: string | string[], Resource: string | string[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action, Resource }],
});
const actionsOf = (doc: PolicyDocument) =>
  doc.Statement.flatMap((statement) => [statement.Action ?? []].flat());

/** The input of an MWAA environment's execution policy (infra/orchestration.ts builds it from the stack). */
const MWAA_POLICY_INPUT = {
  region: "us-east-1",
  accountId: "123456789012",
  environmentName: "p-airflow",
  dagBucketArn: "arn:aws:s3:::airflow-p",
  connectionsSecretPrefixArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/p/connections/",
};

describe("IAM policy documents", () => {
  it("the least-privilege check flags wildcard actions and wildcards on every resource, not Deny statements", () => {
    expect(policyViolations(allow("*", "arn:aws:s3:::b"))).to.have.length(1);
    expect(policyViolations(allow("s3:*", "arn:aws:s3:::b"))).to.have.length(1);
    expect(policyViolations(allow("s3:Get*", "*"))).to.have.length(1);
    expect(
      policyViolations({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }],
      }),
    ).to.have.length(1);
    expect(policyViolations(allow("s3:Get*", "arn:aws:s3:::b/*"))).to.deep.equal([]);
    expect(policyViolations(allow(["kinesis:ListStreams"], "*"))).to.deep.equal([]);
    expect(policyViolations(tlsOnlyBucketPolicy("arn:aws:s3:::b"))).to.deep.equal([]);
  });

  it("MSK topic and group ARNs derive from the cluster ARN", () => {
    expect(mskResourceArn(cluster, "topic", "pinpipe-dev.pin")).to.equal(
      "arn:aws:kafka:us-east-1:123456789012:topic/pinpipe-dev-msk/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2/pinpipe-dev.pin",
    );
    expect(mskResourceArn(cluster, "group", "connect-x")).to.match(/:group\/pinpipe-dev-msk\/.+\/connect-x$/);
    expect(() => mskResourceArn("arn:aws:s3:::bucket", "topic", "t")).to.throw(/not an MSK cluster ARN/);
  });

  it("the REST proxy can write the three topics of its cluster and nothing else", () => {
    const doc = restProxyPolicy(cluster, topics);
    const produce = doc.Statement.find((statement) => statement.Sid === "ProduceToPipelineTopics");
    expect(produce?.Resource).to.deep.equal(topics.map((topic) => mskResourceArn(cluster, "topic", topic)));
    expect(actionsOf(doc)).not.to.include.members([
      "kafka-cluster:ReadData",
      "kafka-cluster:CreateTopic",
      "kafka-cluster:AlterGroup",
    ]);
  });

  it("the S3 sink's execution role reads its topics, keeps both internal-topic forms, and only assumes the writer", () => {
    const doc = s3SinkConnectorPolicy({
      clusterArn: cluster,
      topics,
      connectorName: "pinpipe-dev-s3-sink",
      consumerGroup: "connect-pinpipe-dev-s3-sink",
      writerRoleArn: "arn:aws:iam::123456789012:role/writer",
      deadLetterTopic: "pinpipe-dev.s3-sink.dead-letter",
    });
    expect(actionsOf(doc).filter((action) => action.startsWith("s3:"))).to.deep.equal([]);
    // Connect's dead-letter reporter (apache/kafka DeadLetterQueueReporter) lists the topic and produces to it.
    expect(doc.Statement.find((statement) => statement.Sid === "WriteDeadLetterTopic")).to.deep.include({
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      Resource: [mskResourceArn(cluster, "topic", "pinpipe-dev.s3-sink.dead-letter")],
    });
    expect(doc.Statement.find((statement) => statement.Sid === "AssumeBucketWriterRole")).to.deep.include({
      Action: ["sts:AssumeRole"],
      Resource: ["arn:aws:iam::123456789012:role/writer"],
    });
    // MSK developer guide: "Understand service execution role" (__amazon_msk_connect_*) and "State management
    // of Amazon MSK Connect applications" (__msk_connect_{configs,status,offsets}_<connector>_<id>).
    expect(
      doc.Statement.find((statement) => statement.Sid === "ConnectInternalTopics")?.Resource,
    ).to.deep.equal([
      mskResourceArn(cluster, "topic", "__amazon_msk_connect_*"),
      mskResourceArn(cluster, "topic", "__msk_connect_*_pinpipe-dev-s3-sink_*"),
    ]);
    for (const internal of [
      "__msk_connect_configs_pinpipe-dev-s3-sink_abc-1",
      "__msk_connect_offsets_pinpipe-dev-s3-sink_abc-1",
      "__amazon_msk_connect_status_x",
    ]) {
      const arn = mskResourceArn(cluster, "topic", internal);
      const patterns = doc.Statement.find((statement) => statement.Sid === "ConnectInternalTopics")
        ?.Resource as string[];
      expect(
        patterns.some((pattern) =>
          new RegExp(`^${pattern.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`).test(arn),
        ),
        internal,
      ).to.equal(true);
    }
  });

  it("the S3 sink's writer role writes only below topics/ of the data bucket, assumed by the execution role only", () => {
    const doc = s3SinkWriterPolicy("arn:aws:s3:::data", "topics");
    const writes = doc.Statement.filter((statement) => [statement.Action].flat().includes("s3:PutObject"));
    expect(writes.map((statement) => statement.Resource)).to.deep.equal([["arn:aws:s3:::data/topics/*"]]);
    expect(s3SinkWriterTrustPolicy("arn:aws:iam::1:role/exec").Statement).to.deep.equal([
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:role/exec" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("Unity Catalog roles trust Databricks' UC master role with the external id, and themselves", () => {
    // databricks/terraform-provider-databricks aws/data_aws_unity_catalog_assume_role_policy.go: the same two
    // statements (UnityCatalogAssumeRole; ExplicitSelfRoleAssumption with aws:PrincipalArn and, like the
    // first, StringEquals sts:ExternalId).
    const doc = unityCatalogTrustPolicy("123456789012", "p-uc-storage", "ext-id-1");
    expect(doc.Statement).to.deep.equal([
      {
        Sid: "UnityCatalogAssumeRole",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "ext-id-1" } },
      },
      {
        Sid: "ExplicitSelfRoleAssumption",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "sts:AssumeRole",
        Condition: {
          ArnLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/p-uc-storage" },
          StringEquals: { "sts:ExternalId": "ext-id-1" },
        },
      },
    ]);
    const storage = unityCatalogStoragePolicy("arn:aws:s3:::data", "arn:aws:iam::1:role/p-uc-storage", {
      read: ["topics"],
      readWrite: ["checkpoints", "artifacts", "unity-catalog"],
    });
    const grants = Object.fromEntries(
      storage.Statement.map((statement) => [statement.Sid, [statement.Resource].flat()]),
    );
    expect(grants).to.deep.equal({
      ListDataBucket: ["arn:aws:s3:::data"],
      ReadLandedTopics: ["arn:aws:s3:::data/topics/*"],
      ReadWriteCatalogFolders: [
        "arn:aws:s3:::data/checkpoints/*",
        "arn:aws:s3:::data/artifacts/*",
        "arn:aws:s3:::data/unity-catalog/*",
      ],
      AssumeSelf: ["arn:aws:iam::1:role/p-uc-storage"],
    });
    // The landed topics are read only; nothing reaches the bucket's root or the connector plugin's folder.
    const readOnly = storage.Statement.find((statement) => statement.Sid === "ReadLandedTopics");
    expect(readOnly?.Action).to.deep.equal(["s3:GetObject"]);
    const objectResources = storage.Statement.flatMap((statement) => [statement.Resource].flat()).filter(
      (resource) => resource?.startsWith("arn:aws:s3:::data/"),
    );
    expect(objectResources.some((resource) => resource === "arn:aws:s3:::data/*")).to.equal(false);
    expect(
      objectResources.some((resource) => resource?.startsWith("arn:aws:s3:::data/connect-plugins")),
    ).to.equal(false);
    // docs.databricks.com/aws/en/connect/streaming/kinesis: ListShards, GetRecords and GetShardIterator.
    expect(
      actionsOf(unityCatalogKinesisPolicy(["arn:aws:kinesis:us-east-1:1:stream/a"], "r")),
    ).to.include.members(["kinesis:ListShards", "kinesis:GetRecords", "kinesis:GetShardIterator"]);
  });

  it("MWAA may read the account's public access block: an account-level action granted on Resource *", () => {
    const doc = mwaaExecutionPolicy(MWAA_POLICY_INPUT);
    const granting = doc.Statement.filter(
      (statement) =>
        statement.Effect === "Allow" && [statement.Action].flat().includes("s3:GetAccountPublicAccessBlock"),
    );
    // The call it authorizes is account-level: "Retrieves the PublicAccessBlock configuration for an AWS
    // account", no bucket in the request (docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html),
    // so a statement scoped to bucket ARNs never matched it.
    expect(granting.map((statement) => statement.Resource)).to.deep.equal([["*"]]);
  });

  it("MWAA's execution role uses the customer key through SQS and S3, or else any AWS-owned key through SQS", () => {
    // MWAA user guide, "Amazon MWAA execution role" (docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html),
    // "Sample policy for a customer managed key" and "Sample policy for an AWS owned key": the two differ only in
    // this statement.
    const key = "arn:aws:kms:us-east-1:123456789012:key/k";
    const keyStatements = (doc: PolicyDocument) =>
      doc.Statement.filter((statement) =>
        [statement.Action].flat().some((action) => action?.startsWith("kms:")),
      );
    const actions = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"];
    expect(keyStatements(mwaaExecutionPolicy({ ...MWAA_POLICY_INPUT, kmsKeyArn: key }))).to.deep.equal([
      {
        Sid: "CustomerKeyThroughSqsAndS3",
        Effect: "Allow",
        Action: actions,
        Resource: key,
        Condition: {
          StringLike: { "kms:ViaService": ["sqs.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"] },
        },
      },
    ]);
    expect(keyStatements(mwaaExecutionPolicy(MWAA_POLICY_INPUT))).to.deep.equal([
      {
        Sid: "CeleryQueueEncryption",
        Effect: "Allow",
        Action: actions,
        NotResource: "arn:aws:kms:*:123456789012:key/*",
        Condition: { StringLike: { "kms:ViaService": ["sqs.us-east-1.amazonaws.com"] } },
      },
    ]);
    const withoutKey = (doc: PolicyDocument) =>
      doc.Statement.filter((statement) => !keyStatements(doc).includes(statement));
    expect(withoutKey(mwaaExecutionPolicy({ ...MWAA_POLICY_INPUT, kmsKeyArn: key }))).to.deep.equal(
      withoutKey(mwaaExecutionPolicy(MWAA_POLICY_INPUT)),
    );
    expect(policyViolations(mwaaExecutionPolicy({ ...MWAA_POLICY_INPUT, kmsKeyArn: key }))).to.deep.equal([]);
  });

  it("API Gateway's Kinesis role: the three streams; create and delete only when allowed", () => {
    const streams = [
      "arn:aws:kinesis:us-east-1:1:stream/a",
      "arn:aws:kinesis:us-east-1:1:stream/b",
      "arn:aws:kinesis:us-east-1:1:stream/c",
    ];
    const locked = apiGatewayKinesisPolicy(streams, false);
    expect(actionsOf(locked)).not.to.include("kinesis:CreateStream");
    expect(actionsOf(apiGatewayKinesisPolicy(streams, true))).to.include.members([
      "kinesis:CreateStream",
      "kinesis:DeleteStream",
    ]);
    for (const statement of locked.Statement) {
      if (
        statement.Resource === "*" ||
        (Array.isArray(statement.Resource) && statement.Resource.includes("*"))
      ) {
        expect(statement.Action).to.deep.equal(["kinesis:ListStreams"]);
      } else expect(statement.Resource).to.deep.equal(streams);
    }
  });
});
