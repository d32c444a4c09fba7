// The hardening policies (infra/policy/hardening.ts) on a passing and a failing resource each, the
// transformations that apply retention and the customer key, and the operations policy documents.
import { PolicyResource } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { DEFAULT_TAG_KEYS, stackTags } from "../../infra/defaultTags";
import {
  BUCKET_ENCRYPTION,
  customerKeyProps,
  customerKeyTransformation,
  hardenedLogGroupProps,
  KINESIS_STREAM,
  LOG_GROUP,
  logRetentionTransformation,
  MSK_CLUSTER,
} from "../../infra/hardeningTransforms";
import { policyViolations } from "../../infra/iam";
import { alarmTopicPolicy, customerKeyPolicy, flowLogsPolicy, keyServices } from "../../infra/operationsIam";
import { mwaaLogGroupNames } from "../../infra/orchestration";
import { hardeningPolicies, stackOfUrn } from "../../infra/policy/hardening";
import { policies } from "../../infra/policy/policies";
import { fakeResource, resourceViolations, stackViolations } from "./harness/policyChecks";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const fake = (type: string, name: string, props: Record<string, unknown>, vpc?: PolicyResource) =>
  fakeResource(type, name, props, vpc && { vpcId: vpc });

const VPC = "aws:ec2/vpc:Vpc";
const vpcWith = (type: string, props: Record<string, unknown>) => {
  const vpc = fake(VPC, "vpc", {});
  return [vpc, fake(type, "companion", props, vpc)];
};
const otherVpcWith = (type: string, props: Record<string, unknown>) => {
  const vpc = fake(VPC, "vpc", {});
  const other = fake(VPC, "other", {});
  return [vpc, other, fake(type, "companion", props, other)];
};

const DATA_LAKE_PARENT =
  "urn:pulumi:prod::pinterest-pipeline::pinterest:pipeline:DataLake::pinpipe-prod-data-lake";
const TAGGED_PROVIDER = { defaultTags: JSON.stringify({ tags: { stack: "dev", prefix: "p", owner: "o" } }) };

const CASES: Record<string, { pass: () => string[]; fail: () => string[] }[]> = {
  "vpc-flow-logs": [
    {
      pass: () =>
        stackViolations("vpc-flow-logs", vpcWith("aws:ec2/flowLog:FlowLog", { trafficType: "ALL" })),
      fail: () => stackViolations("vpc-flow-logs", [fake(VPC, "vpc", {})]),
    },
    {
      pass: () =>
        stackViolations("vpc-flow-logs", vpcWith("aws:ec2/flowLog:FlowLog", { trafficType: "ALL" })),
      fail: () =>
        stackViolations("vpc-flow-logs", vpcWith("aws:ec2/flowLog:FlowLog", { trafficType: "REJECT" })),
    },
    {
      pass: () =>
        stackViolations("vpc-flow-logs", vpcWith("aws:ec2/flowLog:FlowLog", { trafficType: "ALL" })),
      fail: () =>
        stackViolations("vpc-flow-logs", otherVpcWith("aws:ec2/flowLog:FlowLog", { trafficType: "ALL" })),
    },
  ],
  "default-security-group-closed": [
    {
      pass: () =>
        stackViolations(
          "default-security-group-closed",
          vpcWith("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", {}),
        ),
      fail: () =>
        stackViolations(
          "default-security-group-closed",
          vpcWith("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", {
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
          }),
        ),
    },
    {
      pass: () =>
        stackViolations(
          "default-security-group-closed",
          vpcWith("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { ingress: [], egress: [] }),
        ),
      fail: () => stackViolations("default-security-group-closed", [fake(VPC, "vpc", {})]),
    },
  ],
  "log-retention": [
    {
      pass: () => resourceViolations("log-retention", { type: LOG_GROUP, props: { retentionInDays: 30 } }),
      fail: () => resourceViolations("log-retention", { type: LOG_GROUP, props: {} }),
    },
    {
      pass: () =>
        resourceViolations("log-retention", {
          stack: "prod",
          type: LOG_GROUP,
          props: { retentionInDays: 365 },
        }),
      fail: () =>
        resourceViolations("log-retention", {
          stack: "prod",
          type: LOG_GROUP,
          props: { retentionInDays: 30 },
        }),
    },
  ],
  "kinesis-retention-prod": [
    {
      pass: () =>
        resourceViolations("kinesis-retention-prod", {
          stack: "prod",
          type: KINESIS_STREAM,
          props: { retentionPeriod: 168 },
        }),
      fail: () =>
        resourceViolations("kinesis-retention-prod", {
          stack: "prod",
          type: KINESIS_STREAM,
          props: { retentionPeriod: 24 },
        }),
    },
    {
      // Dev may keep a day; prod without retentionPeriod gets Kinesis's default of 24 hours.
      pass: () =>
        resourceViolations("kinesis-retention-prod", {
          type: KINESIS_STREAM,
          props: { retentionPeriod: 24 },
        }),
      fail: () =>
        resourceViolations("kinesis-retention-prod", { stack: "prod", type: KINESIS_STREAM, props: {} }),
    },
  ],
  "prod-data-bucket-protected": [
    {
      // A DataLake nested in another component has a parent-qualified type in its URN.
      pass: () =>
        resourceViolations("prod-data-bucket-protected", {
          stack: "prod",
          type: "aws:s3/bucket:Bucket",
          props: {},
          parent: "urn:pulumi:prod::pinterest-pipeline::my:x:Platform$pinterest:pipeline:DataLake::lake",
          protect: true,
        }),
      fail: () =>
        resourceViolations("prod-data-bucket-protected", {
          stack: "prod",
          type: "aws:s3/bucket:Bucket",
          props: {},
          parent: "urn:pulumi:prod::pinterest-pipeline::my:x:Platform$pinterest:pipeline:DataLake::lake",
        }),
    },
    {
      pass: () =>
        resourceViolations("prod-data-bucket-protected", {
          stack: "prod",
          type: "aws:s3/bucket:Bucket",
          props: {},
          parent: DATA_LAKE_PARENT,
          protect: true,
        }),
      fail: () =>
        resourceViolations("prod-data-bucket-protected", {
          stack: "prod",
          type: "aws:s3/bucket:Bucket",
          props: {},
          parent: DATA_LAKE_PARENT,
          protect: false,
        }),
    },
  ],
  "stack-tags": [
    {
      pass: () =>
        resourceViolations("stack-tags", {
          type: "aws:sns/topic:Topic",
          props: {},
          providerProps: TAGGED_PROVIDER,
        }),
      fail: () =>
        resourceViolations("stack-tags", {
          type: "aws:sns/topic:Topic",
          props: {},
          providerProps: { region: "us-east-1" },
        }),
    },
    {
      pass: () =>
        resourceViolations("stack-tags", {
          type: "aws:sns/topic:Topic",
          props: { tags: { stack: "dev", prefix: "p", owner: "o" } },
        }),
      fail: () =>
        resourceViolations("stack-tags", {
          type: "aws:sns/topic:Topic",
          props: { tags: { stack: "dev" } },
          providerProps: { defaultTags: { tags: { prefix: "p" } } },
        }),
    },
  ],
};

describe("hardening policies (infra/policy/hardening.ts)", () => {
  it("every hardening policy is mandatory, has pass/fail cases here, and no name clashes with the security pack", () => {
    expect(hardeningPolicies.map((candidate) => candidate.name).sort()).to.deep.equal(
      Object.keys(CASES).sort(),
    );
    for (const candidate of hardeningPolicies)
      expect(candidate.enforcementLevel, candidate.name).to.equal("mandatory");
    const names = [...policies, ...hardeningPolicies].map((candidate) => candidate.name);
    expect(new Set(names).size).to.equal(names.length);
  });

  for (const [name, cases] of Object.entries(CASES)) {
    cases.forEach((testCase, index) => {
      it(`${name} #${index + 1}: a compliant resource passes, a non-compliant one is reported`, () => {
        expect(testCase.pass()).to.deep.equal([]);
        expect(testCase.fail()).to.have.length.greaterThan(0);
      });
    });
  }

  it("a violation names the config key that fixes it", () => {
    expect(
      resourceViolations("log-retention", { stack: "prod", type: LOG_GROUP, props: { retentionInDays: 30 } }),
    ).to.deep.equal([
      "log group keeps its events 30 days; the prod stack keeps them at least 365: run `pulumi config set logRetentionDays 365`",
    ]);
    expect(
      resourceViolations("prod-data-bucket-protected", {
        stack: "prod",
        type: "aws:s3/bucket:Bucket",
        props: {},
        parent: DATA_LAKE_PARENT,
      })[0],
    ).to.contain("pulumi config set protectDataBucket true");
  });

  it("the protection rule leaves dev buckets and the other prod buckets alone", () => {
    expect(
      resourceViolations("prod-data-bucket-protected", {
        type: "aws:s3/bucket:Bucket",
        props: {},
        parent: DATA_LAKE_PARENT.replace("prod", "dev"),
      }),
    ).to.deep.equal([]);
    expect(
      resourceViolations("prod-data-bucket-protected", {
        stack: "prod",
        type: "aws:s3/bucket:Bucket",
        props: {},
        parent: "urn:pulumi:prod::pinterest-pipeline::pinterest:pipeline:Orchestration::o",
      }),
    ).to.deep.equal([]);
  });

  it("reads the stack from a URN", () => {
    for (const [urn, stack] of [
      ["urn:pulumi:prod::pinterest-pipeline::aws:s3/bucket:Bucket::b", "prod"],
      ["urn:pulumi:dev::pinterest-pipeline::a$aws:kinesis/stream:Stream::s", "dev"],
      ["urn:pulumi:organization/prod::p::t::n", "organization/prod"],
    ])
      expect(stackOfUrn(urn)).to.equal(stack);
  });
});

describe("hardening transformations (infra/hardeningTransforms.ts)", () => {
  const KEY = "arn:aws:kms:us-east-1:123456789012:key/k";

  it("log groups get the configured retention, and the customer key only when there is one", () => {
    const table: [Record<string, unknown>, string | undefined, Record<string, unknown>][] = [
      [{ name: "/a", retentionInDays: 14 }, undefined, { name: "/a", retentionInDays: 365 }],
      [{ name: "/a" }, KEY, { name: "/a", retentionInDays: 365, kmsKeyId: KEY }],
    ];
    for (const [props, key, expected] of table)
      expect(hardenedLogGroupProps(props, 365, key)).to.deep.equal(expected);
  });

  it("the customer key replaces the AWS managed keys of streams, MSK and bucket encryption, and nothing else", () => {
    expect(
      customerKeyProps(KINESIS_STREAM, { encryptionType: "KMS", kmsKeyId: "alias/aws/kinesis" }, KEY),
    ).to.deep.equal({
      encryptionType: "KMS",
      kmsKeyId: KEY,
    });
    expect(
      customerKeyProps(
        MSK_CLUSTER,
        { encryptionInfo: { encryptionInTransit: { clientBroker: "TLS" } } },
        KEY,
      ),
    ).to.deep.equal({
      encryptionInfo: { encryptionInTransit: { clientBroker: "TLS" }, encryptionAtRestKmsKeyArn: KEY },
    });
    expect(
      customerKeyProps(
        BUCKET_ENCRYPTION,
        { bucket: "b", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        KEY,
      ),
    ).to.deep.equal({
      bucket: "b",
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
          bucketKeyEnabled: true,
        },
      ],
    });
    expect(customerKeyProps("aws:s3/bucket:Bucket", { bucket: "b" }, KEY)).to.deep.equal({ bucket: "b" });
  });

  it("the transformations touch only their resource types", () => {
    const args = (type: string, props: Record<string, unknown>) =>
      ({
        type,
        name: "n",
        props,
        opts: {},
        resource: undefined,
      }) as unknown as pulumi.ResourceTransformationArgs;
    expect(logRetentionTransformation(30, undefined)(args("aws:sns/topic:Topic", {}))).to.equal(undefined);
    expect(logRetentionTransformation(30, undefined)(args(LOG_GROUP, {}))?.props).to.deep.equal({
      retentionInDays: 30,
    });
    expect(customerKeyTransformation(KEY)(args(LOG_GROUP, {}))).to.equal(undefined);
    expect(customerKeyTransformation(KEY)(args(KINESIS_STREAM, {}))?.props).to.deep.equal({
      encryptionType: "KMS",
      kmsKeyId: KEY,
    });
  });
});

describe("operations policy documents (infra/operationsIam.ts)", () => {
  it("the flow log role writes its own log group only, with named actions", () => {
    const doc = flowLogsPolicy("arn:aws:logs:us-east-1:1:log-group:/f");
    expect(policyViolations(doc)).to.deep.equal([]);
    expect(doc.Statement[0].Resource).to.deep.equal([
      "arn:aws:logs:us-east-1:1:log-group:/f",
      "arn:aws:logs:us-east-1:1:log-group:/f:*",
    ]);
  });

  it("CloudWatch and Budgets of this account only may publish to the alarm topic", () => {
    const doc = alarmTopicPolicy("arn:aws:sns:us-east-1:123456789012:t", "123456789012");
    const publish = doc.Statement.find((statement) => statement.Sid === "AlarmsAndBudgetsPublish");
    expect(publish?.Principal).to.deep.equal({
      Service: ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"],
    });
    expect(publish?.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
    for (const statement of doc.Statement)
      expect(statement.Resource).to.equal("arn:aws:sns:us-east-1:123456789012:t");
  });

  it("the customer key is used by the account through its stores' services only, by CloudWatch Logs for its log groups, and by the alarm publishers", () => {
    const doc = customerKeyPolicy("123456789012", "eu-west-1");
    expect(keyServices("eu-west-1")).to.deep.equal([
      "s3.eu-west-1.amazonaws.com",
      "kinesis.eu-west-1.amazonaws.com",
      "kafka.eu-west-1.amazonaws.com",
      "ec2.eu-west-1.amazonaws.com",
      "secretsmanager.eu-west-1.amazonaws.com",
      "sns.eu-west-1.amazonaws.com",
    ]);
    const publishers = doc.Statement.find((statement) => statement.Sid === "AlarmPublishersUseKeyForTopic");
    expect(publishers?.Principal).to.deep.equal({
      Service: ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"],
    });
    expect(publishers?.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
    const open = doc.Statement.filter(
      (statement) => statement.Principal && JSON.stringify(statement.Principal).includes('"*"'),
    );
    expect(open).to.have.length(2);
    for (const statement of open)
      expect(statement.Condition?.StringEquals).to.deep.equal({
        "kms:CallerAccount": "123456789012",
        "kms:ViaService": keyServices("eu-west-1"),
      });
    const logs = doc.Statement.find(
      (statement) => statement.Sid === "CloudWatchLogsEncryptsAccountLogGroups",
    );
    expect(logs?.Principal).to.deep.equal({ Service: "logs.eu-west-1.amazonaws.com" });
    expect(logs?.Condition).to.deep.equal({
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*" },
    });
    // MWAA's log groups are among them: the MWAA user guide ("Amazon MWAA execution role", sample policy for a
    // customer managed key) asks the key policy to let logs.<region>.amazonaws.com use the key under
    // kms:EncryptionContext:aws:logs:arn ArnLike arn:aws:logs:<region>:<account>:*; this pattern is narrower and
    // still matches every Airflow log group's ARN.
    const pattern = logs?.Condition?.ArnLike?.["kms:EncryptionContext:aws:logs:arn"] as string;
    const arnLike = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
    for (const group of mwaaLogGroupNames("pinpipe-prod-airflow"))
      expect(`arn:aws:logs:eu-west-1:123456789012:log-group:${group}`).to.match(arnLike);
    expect("arn:aws:logs:eu-west-1:999999999999:log-group:airflow-x-Task").not.to.match(arnLike);
  });

  it("default tags are the stack, the prefix and the owner", () => {
    expect(DEFAULT_TAG_KEYS).to.deep.equal(["stack", "prefix", "owner"]);
    expect(stackTags({ stack: "prod", prefix: "pinpipe-prod", owner: "data" })).to.deep.equal({
      stack: "prod",
      prefix: "pinpipe-prod",
      owner: "data",
    });
  });
});
