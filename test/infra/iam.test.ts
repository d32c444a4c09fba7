import { expect } from "chai";
import {
  apiGatewayKinesisPolicy,
  mskResourceArn,
  PolicyDocument,
  policyViolations,
  restProxyPolicy,
  s3SinkConnectorPolicy,
  tlsOnlyBucketPolicy,
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

  it("the S3 sink writes only below topics/ of the data bucket", () => {
    const doc = s3SinkConnectorPolicy(cluster, topics, "connect-pinpipe-dev-s3-sink", "arn:aws:s3:::data");
    const writes = doc.Statement.filter((statement) => [statement.Action].flat().includes("s3:PutObject"));
    expect(writes.map((statement) => statement.Resource)).to.deep.equal([["arn:aws:s3:::data/topics/*"]]);
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
