import { expect } from "chai";
import { readFileSync } from "fs";
import { load } from "js-yaml";
import * as path from "path";
import { tlsOnlyBucketPolicy } from "../../infra/iam";
import { policies } from "../../infra/policy/policies";
import { fakeResource, resourceViolations, stackViolations } from "./harness/policyChecks";

const BUCKET = "aws:s3/bucket:Bucket";
const bucketWith = (companionType: string, props: Record<string, unknown>) => {
  const bucket = fakeResource(BUCKET, "data", { bucket: "data" });
  return [bucket, fakeResource(companionType, "companion", props, { bucket })];
};
const otherBucketWith = (companionType: string, props: Record<string, unknown>) => {
  const bucket = fakeResource(BUCKET, "data", { bucket: "data" });
  const other = fakeResource(BUCKET, "other", { bucket: "other" });
  return [bucket, other, fakeResource(companionType, "companion", props, { bucket: other })];
};

interface Case {
  pass: () => string[];
  fail: () => string[];
}

const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const allBlocked = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};
const allowEveryone = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" }],
});
const mskCluster = {
  encryptionInfo: { encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
  clientAuthentication: { sasl: { iam: true }, unauthenticated: false },
};
const connector = {
  kafkaClusterEncryptionInTransit: { encryptionType: "TLS" },
  kafkaClusterClientAuthentication: { authenticationType: "IAM" },
};
const doc = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

const CASES: Record<string, Case[]> = {
  "s3-encryption-at-rest": [
    {
      pass: () =>
        stackViolations(
          "s3-encryption-at-rest",
          bucketWith(SSE, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }),
        ),
      fail: () =>
        stackViolations(
          "s3-encryption-at-rest",
          otherBucketWith(SSE, {
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
          }),
        ),
    },
  ],
  "s3-public-access-blocked": [
    {
      pass: () => stackViolations("s3-public-access-blocked", bucketWith(PAB, allBlocked)),
      fail: () =>
        stackViolations(
          "s3-public-access-blocked",
          bucketWith(PAB, { ...allBlocked, restrictPublicBuckets: false }),
        ),
    },
  ],
  "s3-tls-only": [
    {
      pass: () =>
        stackViolations(
          "s3-tls-only",
          bucketWith(BUCKET_POLICY, { policy: JSON.stringify(tlsOnlyBucketPolicy("arn:aws:s3:::data")) }),
        ),
      fail: () => stackViolations("s3-tls-only", bucketWith(BUCKET_POLICY, { policy: allowEveryone })),
    },
  ],
  "s3-no-public-grants": [
    {
      pass: () =>
        resourceViolations("s3-no-public-grants", BUCKET_POLICY, {
          policy: JSON.stringify(tlsOnlyBucketPolicy("arn:aws:s3:::data")),
        }),
      fail: () => resourceViolations("s3-no-public-grants", BUCKET_POLICY, { policy: allowEveryone }),
    },
    {
      pass: () => resourceViolations("s3-no-public-grants", "aws:s3/bucketAcl:BucketAcl", { acl: "private" }),
      fail: () =>
        resourceViolations("s3-no-public-grants", "aws:s3/bucketAcl:BucketAcl", { acl: "public-read" }),
    },
  ],
  "encryption-at-rest": [
    {
      pass: () =>
        resourceViolations("encryption-at-rest", "aws:kinesis/stream:Stream", { encryptionType: "KMS" }),
      fail: () =>
        resourceViolations("encryption-at-rest", "aws:kinesis/stream:Stream", { encryptionType: "NONE" }),
    },
    {
      pass: () =>
        resourceViolations("encryption-at-rest", "aws:ec2/instance:Instance", {
          rootBlockDevice: { encrypted: true },
        }),
      fail: () => resourceViolations("encryption-at-rest", "aws:ec2/instance:Instance", {}),
    },
  ],
  "encryption-in-transit": [
    {
      pass: () => resourceViolations("encryption-in-transit", "aws:msk/cluster:Cluster", mskCluster),
      fail: () =>
        resourceViolations("encryption-in-transit", "aws:msk/cluster:Cluster", {
          ...mskCluster,
          encryptionInfo: { encryptionInTransit: { clientBroker: "TLS_PLAINTEXT", inCluster: true } },
        }),
    },
    {
      pass: () =>
        resourceViolations("encryption-in-transit", "aws:mskconnect/connector:Connector", connector),
      fail: () =>
        resourceViolations("encryption-in-transit", "aws:mskconnect/connector:Connector", {
          ...connector,
          kafkaClusterEncryptionInTransit: { encryptionType: "PLAINTEXT" },
        }),
    },
  ],
  "kafka-iam-auth": [
    {
      pass: () => resourceViolations("kafka-iam-auth", "aws:msk/cluster:Cluster", mskCluster),
      fail: () =>
        resourceViolations("kafka-iam-auth", "aws:msk/cluster:Cluster", {
          ...mskCluster,
          clientAuthentication: { unauthenticated: true },
        }),
    },
    {
      pass: () =>
        resourceViolations("kafka-iam-auth", "aws:msk/serverlessCluster:ServerlessCluster", {
          clientAuthentication: { sasl: { iam: { enabled: true } } },
        }),
      fail: () =>
        resourceViolations("kafka-iam-auth", "aws:msk/serverlessCluster:ServerlessCluster", {
          clientAuthentication: { sasl: { iam: { enabled: false } } },
        }),
    },
  ],
  "no-open-ingress": [
    {
      pass: () =>
        resourceViolations("no-open-ingress", "aws:ec2/securityGroup:SecurityGroup", {
          ingress: [{ protocol: "tcp", fromPort: 9098, toPort: 9098, securityGroups: ["sg-1"] }],
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        }),
      fail: () =>
        resourceViolations("no-open-ingress", "aws:ec2/securityGroup:SecurityGroup", {
          ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
        }),
    },
    {
      pass: () =>
        resourceViolations("no-open-ingress", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
          cidrIpv4: "10.40.0.0/16",
        }),
      fail: () =>
        resourceViolations("no-open-ingress", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
          cidrIpv6: "::/0",
        }),
    },
  ],
  "api-key-required": [
    {
      pass: () =>
        resourceViolations("api-key-required", "aws:apigateway/method:Method", {
          httpMethod: "PUT",
          apiKeyRequired: true,
        }),
      fail: () =>
        resourceViolations("api-key-required", "aws:apigateway/method:Method", { httpMethod: "PUT" }),
    },
  ],
  "ec2-imdsv2": [
    {
      pass: () =>
        resourceViolations("ec2-imdsv2", "aws:ec2/instance:Instance", {
          metadataOptions: { httpTokens: "required" },
        }),
      fail: () =>
        resourceViolations("ec2-imdsv2", "aws:ec2/instance:Instance", {
          metadataOptions: { httpTokens: "optional" },
        }),
    },
  ],
  "mwaa-private-webserver": [
    {
      pass: () =>
        resourceViolations("mwaa-private-webserver", "aws:mwaa/environment:Environment", {
          webserverAccessMode: "PRIVATE_ONLY",
        }),
      fail: () =>
        resourceViolations("mwaa-private-webserver", "aws:mwaa/environment:Environment", {
          webserverAccessMode: "PUBLIC_ONLY",
        }),
    },
  ],
  "iam-least-privilege": [
    {
      pass: () =>
        resourceViolations("iam-least-privilege", "aws:iam/rolePolicy:RolePolicy", {
          policy: doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::data/*"] }),
        }),
      fail: () =>
        resourceViolations("iam-least-privilege", "aws:iam/rolePolicy:RolePolicy", {
          policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }),
        }),
    },
    {
      pass: () =>
        resourceViolations("iam-least-privilege", "aws:iam/role:Role", {
          inlinePolicies: [
            {
              policy: doc({
                Effect: "Allow",
                Action: "sqs:SendMessage",
                Resource: "arn:aws:sqs:us-east-1:1:q",
              }),
            },
          ],
        }),
      fail: () =>
        resourceViolations("iam-least-privilege", "aws:iam/role:Role", {
          inlinePolicies: [{ policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }],
        }),
    },
  ],
};

describe("CrossGuard policy pack", () => {
  it("every policy is mandatory and has pass/fail cases here", () => {
    expect(policies.map((candidate) => candidate.name).sort()).to.deep.equal(Object.keys(CASES).sort());
    for (const candidate of policies)
      expect(candidate.enforcementLevel, candidate.name).to.equal("mandatory");
  });

  for (const [name, cases] of Object.entries(CASES)) {
    cases.forEach((testCase, index) => {
      it(`${name} #${index + 1}: a compliant resource passes, a non-compliant one is reported`, () => {
        expect(testCase.pass()).to.deep.equal([]);
        expect(testCase.fail()).to.have.length.greaterThan(0);
      });
    });
  }

  it("skips values a preview does not know yet instead of failing them", () => {
    expect(stackViolations("s3-tls-only", bucketWith(BUCKET_POLICY, {}))).to.deep.equal([]);
    expect(resourceViolations("iam-least-privilege", "aws:iam/rolePolicy:RolePolicy", {})).to.deep.equal([]);
  });

  it("PulumiPolicy.yaml runs index.ts with the Node.js runtime", () => {
    const file = load(
      readFileSync(path.join(__dirname, "..", "..", "infra", "policy", "PulumiPolicy.yaml"), "utf8"),
    ) as Record<string, unknown>;
    expect(file.runtime).to.deep.equal({ name: "nodejs", options: { typescript: true } });
    expect(file.main).to.equal("index.ts");
    expect(readFileSync(path.join(__dirname, "..", "..", "infra", "policy", "index.ts"), "utf8")).to.match(
      /new PolicyPack\("pinterest-pipeline-security", \{\s*policies: \[\.\.\.policies, \.\.\.hardeningPolicies, \.\.\.securityPolicies\],?\s*\}\)/,
    );
  });
});
