// The security policies of infra/policy/security.ts, each on a resource that passes and one that fails.
import { PolicyResource } from "@pulumi/policy";
import { expect } from "chai";
import { serviceTrustPolicy } from "../../infra/iam";
import { hardeningPolicies } from "../../infra/policy/hardening";
import { policies } from "../../infra/policy/policies";
import { securityPolicies } from "../../infra/policy/security";
import { fakeResource, resourceViolations, stackViolations } from "./harness/policyChecks";

type Props = Record<string, unknown>;

const fake = (
  type: string,
  name: string,
  props: Props,
  stack = "dev",
  propertyDependencies: Record<string, PolicyResource[]> = {},
) => fakeResource(type, name, props, propertyDependencies, stack);

interface Case {
  pass: () => string[];
  fail: () => string[];
}

const ROLE = "aws:iam/role:Role";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const NLB = "aws:lb/loadBalancer:LoadBalancer";
const METHOD = "aws:apigateway/method:Method";
const INTEGRATION = "aws:apigateway/integration:Integration";
const STAGE = "aws:apigateway/stage:Stage";
const ACL = "aws:wafv2/webAcl:WebAcl";
const ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";
const INSTANCE = "aws:ec2/instance:Instance";
const BUCKET = "aws:s3/bucket:Bucket";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const KEY = "aws:kms/key:Key";
const MWAA = "aws:mwaa/environment:Environment";

const trust = (
  source?: Parameters<typeof serviceTrustPolicy>[1],
  services = ["kafkaconnect.amazonaws.com"],
) => ({
  assumeRolePolicy: JSON.stringify(serviceTrustPolicy(services, source)),
});
const proxyIngress = (rule: Props) => ({
  ingress: [{ protocol: "tcp", fromPort: 8082, toPort: 8082, ...rule }],
});
const stageWithAcl = (rules: Props[]) => {
  const stage = fake(STAGE, "stage", {}, "prod");
  const acl = fake(ACL, "acl", { rules }, "prod");
  return [stage, acl, fake(ACL_ASSOCIATION, "assoc", {}, "prod", { resourceArn: [stage], webAclArn: [acl] })];
};
const rateRule = { name: "rate", statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: "IP" } } };
const bucketWithLifecycle = (rules: Props[]) => {
  const bucket = fake(BUCKET, "data", {});
  return [bucket, fake(LIFECYCLE, "lifecycle", { rules }, "dev", { bucket: [bucket] })];
};
const keyArn = "arn:aws:kms:us-east-1:123456789012:key/k";

const CASES: Record<string, Case[]> = {
  "service-trust-source-conditions": [
    {
      pass: () =>
        resourceViolations(
          "service-trust-source-conditions",
          ROLE,
          trust({ account: "123456789012", arnLike: "arn:*" }),
        ),
      fail: () => resourceViolations("service-trust-source-conditions", ROLE, trust()),
    },
    {
      // IfExists still names the account; EC2 instance roles have no calling resource to name.
      pass: () =>
        resourceViolations("service-trust-source-conditions", ROLE, {
          ...trust({ account: "123456789012", ifExists: true }, ["apigateway.amazonaws.com"]),
        }),
      fail: () =>
        resourceViolations(
          "service-trust-source-conditions",
          ROLE,
          trust(undefined, ["ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"]),
        ),
    },
  ],
  "rest-proxy-behind-its-load-balancer": [
    {
      pass: () =>
        resourceViolations(
          "rest-proxy-behind-its-load-balancer",
          SG,
          proxyIngress({ securityGroups: ["sg-nlb"] }),
        ),
      fail: () =>
        resourceViolations(
          "rest-proxy-behind-its-load-balancer",
          SG,
          proxyIngress({ cidrBlocks: ["10.40.0.0/16"] }),
        ),
    },
    {
      pass: () =>
        resourceViolations("rest-proxy-behind-its-load-balancer", NLB, {
          loadBalancerType: "network",
          securityGroups: ["sg-nlb"],
        }),
      fail: () =>
        resourceViolations("rest-proxy-behind-its-load-balancer", NLB, { loadBalancerType: "network" }),
    },
  ],
  "prod-api-iam-authorization": [
    {
      pass: () =>
        resourceViolations("prod-api-iam-authorization", METHOD, { authorization: "AWS_IAM" }, "prod"),
      fail: () => resourceViolations("prod-api-iam-authorization", METHOD, { authorization: "NONE" }, "prod"),
    },
  ],
  "prod-no-stream-admin": [
    {
      pass: () =>
        resourceViolations(
          "prod-no-stream-admin",
          INTEGRATION,
          { uri: "arn:aws:apigateway:us-east-1:kinesis:action/PutRecords" },
          "prod",
        ),
      fail: () =>
        resourceViolations(
          "prod-no-stream-admin",
          INTEGRATION,
          { uri: "arn:aws:apigateway:us-east-1:kinesis:action/DeleteStream" },
          "prod",
        ),
    },
  ],
  "prod-api-waf": [
    {
      pass: () => stackViolations("prod-api-waf", stageWithAcl([rateRule])),
      fail: () => stackViolations("prod-api-waf", stageWithAcl([{ name: "managed", statement: {} }])),
    },
  ],
  "prod-kafka-durability": [
    {
      pass: () =>
        resourceViolations("prod-kafka-durability", "aws:msk/topic:Topic", { replicationFactor: 3 }, "prod"),
      fail: () =>
        resourceViolations("prod-kafka-durability", "aws:msk/topic:Topic", { replicationFactor: 2 }, "prod"),
    },
    {
      pass: () =>
        resourceViolations(
          "prod-kafka-durability",
          "aws:msk/configuration:Configuration",
          { serverProperties: "default.replication.factor=3\nmin.insync.replicas=2\n" },
          "prod",
        ),
      fail: () =>
        resourceViolations(
          "prod-kafka-durability",
          "aws:msk/configuration:Configuration",
          { serverProperties: "default.replication.factor=3\nmin.insync.replicas=1\n" },
          "prod",
        ),
    },
  ],
  "ec2-auto-recovery": [
    {
      pass: () =>
        resourceViolations("ec2-auto-recovery", INSTANCE, {
          maintenanceOptions: { autoRecovery: "default" },
        }),
      fail: () =>
        resourceViolations("ec2-auto-recovery", INSTANCE, {
          maintenanceOptions: { autoRecovery: "disabled" },
        }),
    },
  ],
  "prod-rest-proxy-redundant": [
    {
      pass: () =>
        stackViolations("prod-rest-proxy-redundant", [
          fake(INSTANCE, "a", {}, "prod"),
          fake(INSTANCE, "b", {}, "prod"),
        ]),
      fail: () => stackViolations("prod-rest-proxy-redundant", [fake(INSTANCE, "a", {}, "prod")]),
    },
  ],
  "s3-noncurrent-versions-expire": [
    {
      pass: () =>
        stackViolations(
          "s3-noncurrent-versions-expire",
          bucketWithLifecycle([{ status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }]),
        ),
      fail: () =>
        stackViolations(
          "s3-noncurrent-versions-expire",
          bucketWithLifecycle([
            { status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
          ]),
        ),
    },
  ],
  "secret-recovery-window": [
    {
      pass: () =>
        resourceViolations(
          "secret-recovery-window",
          "aws:secretsmanager/secret:Secret",
          { recoveryWindowInDays: 7 },
          "prod",
        ),
      fail: () =>
        resourceViolations(
          "secret-recovery-window",
          "aws:secretsmanager/secret:Secret",
          { recoveryWindowInDays: 0 },
          "prod",
        ),
    },
  ],
  "customer-key-everywhere": [
    {
      pass: () =>
        stackViolations("customer-key-everywhere", [
          fake(KEY, "key", {}),
          fake(INSTANCE, "proxy", { rootBlockDevice: { encrypted: true, kmsKeyId: keyArn } }),
          fake("aws:sns/topic:Topic", "alarms", { kmsMasterKeyId: keyArn }),
          fake("aws:secretsmanager/secret:Secret", "connection", { kmsKeyId: keyArn }),
          fake(MWAA, "mwaa", { kmsKey: keyArn }),
        ]),
      fail: () =>
        stackViolations("customer-key-everywhere", [
          fake(KEY, "key", {}),
          fake(INSTANCE, "proxy", { rootBlockDevice: { encrypted: true, kmsKeyId: keyArn } }),
          fake("aws:sns/topic:Topic", "alarms", {}),
        ]),
    },
    {
      // MWAA takes the key as the environment's KmsKey (MWAA user guide, "Using customer managed keys for
      // encryption", docs.aws.amazon.com/mwaa/latest/userguide/custom-keys-certs.html); without it, AWS-owned.
      pass: () =>
        stackViolations("customer-key-everywhere", [
          fake(KEY, "key", {}),
          fake(MWAA, "mwaa", { kmsKey: keyArn }),
        ]),
      fail: () => stackViolations("customer-key-everywhere", [fake(KEY, "key", {}), fake(MWAA, "mwaa", {})]),
    },
  ],
};

describe("security policies (infra/policy/security.ts)", () => {
  it("every security policy is mandatory, has pass/fail cases here, and no name clashes with the other rules", () => {
    expect(securityPolicies.map((candidate) => candidate.name).sort()).to.deep.equal(
      Object.keys(CASES).sort(),
    );
    for (const candidate of securityPolicies)
      expect(candidate.enforcementLevel, candidate.name).to.equal("mandatory");
    const names = [...policies, ...hardeningPolicies, ...securityPolicies].map((candidate) => candidate.name);
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

  it("the prod-only rules leave a dev stack alone", () => {
    expect(resourceViolations("prod-api-iam-authorization", METHOD, { authorization: "NONE" })).to.deep.equal(
      [],
    );
    expect(
      resourceViolations("prod-kafka-durability", "aws:msk/topic:Topic", { replicationFactor: 2 }),
    ).to.deep.equal([]);
    expect(stackViolations("prod-rest-proxy-redundant", [fake(INSTANCE, "a", {})])).to.deep.equal([]);
    expect(
      resourceViolations("secret-recovery-window", "aws:secretsmanager/secret:Secret", {
        recoveryWindowInDays: 0,
      }),
    ).to.deep.equal([]);
  });
});
