// The policy pack loaded the way the Pulumi CLI loads a local pack (`pulumi preview --policy-pack infra/policy`),
// then every policy asked, over the analyzer's gRPC interface, about a resource that passes and one that fails.
//
// How the CLI runs a Node.js pack (sources read at the pinned versions):
// - pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go: the analyzer plugin starts with its working directory
//   set to the pack's folder, arguments <engine address> and the pack path;
// - its shim sdk/nodejs/dist/pulumi-analyzer-policy runs
//   `node "$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")" "$@"` there, so
//   Node's resolution from the pack folder (up to the repository root's node_modules) finds the runner;
// - @pulumi/pulumi 3.270.0 cmd/run-policy-pack/run.js registers ts-node and requires the pack's main;
// - @pulumi/policy 1.21.0 policy.ts (PolicyPack constructor) requires `${process.cwd()}/package.json` and
//   refuses a pack without a version; server.ts then serves the analyzer on 127.0.0.1 and prints the port.
// The engine-side calls (GetAnalyzerInfo, Analyze per resource, AnalyzeStack on all) follow
// pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go and proto/pulumi/analyzer.proto.
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { expect } from "chai";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { readFileSync } from "fs";
import * as emptyProto from "google-protobuf/google/protobuf/empty_pb";
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { serviceTrustPolicy, tlsOnlyBucketPolicy } from "../../infra/iam";

const ROOT = path.join(__dirname, "..", "..");
const PACK_DIR = path.join(ROOT, "infra", "policy");

interface FakeResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  stack?: string;
  protect?: boolean;
  parent?: string;
  providerProps?: Record<string, unknown>;
  /** Resources of the same case this one depends on, by the property that refers to them (a bucket, a VPC). */
  dependsOn?: Record<string, string[]>;
}

const urnOf = (resource: FakeResource) =>
  `urn:pulumi:${resource.stack ?? "dev"}::pinterest-pipeline::${resource.type}::${resource.name}`;

function options(resource: FakeResource): analyzerProto.AnalyzerResourceOptions {
  const opts = new analyzerProto.AnalyzerResourceOptions();
  opts.setProtect(resource.protect ?? false);
  if (resource.parent) opts.setParent(resource.parent);
  return opts;
}

function provider(resource: FakeResource): analyzerProto.AnalyzerProviderResource | undefined {
  if (!resource.providerProps) return undefined;
  const result = new analyzerProto.AnalyzerProviderResource();
  result.setType("pulumi:providers:aws");
  result.setName("aws");
  result.setUrn(`urn:pulumi:${resource.stack ?? "dev"}::pinterest-pipeline::pulumi:providers:aws::aws`);
  result.setProperties(structProto.Struct.fromJavaScript(resource.providerProps as never));
  return result;
}

function analyzeRequest(resource: FakeResource): analyzerProto.AnalyzeRequest {
  const request = new analyzerProto.AnalyzeRequest();
  request.setType(resource.type);
  request.setName(resource.name);
  request.setUrn(urnOf(resource));
  request.setProperties(structProto.Struct.fromJavaScript(resource.props as never));
  request.setOptions(options(resource));
  const prov = provider(resource);
  if (prov) request.setProvider(prov);
  return request;
}

function analyzeStackRequest(resources: FakeResource[]): analyzerProto.AnalyzeStackRequest {
  const byName = new Map(resources.map((resource) => [resource.name, resource]));
  const request = new analyzerProto.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((resource) => {
      const entry = new analyzerProto.AnalyzerResource();
      entry.setType(resource.type);
      entry.setName(resource.name);
      entry.setUrn(urnOf(resource));
      entry.setProperties(structProto.Struct.fromJavaScript(resource.props as never));
      entry.setOptions(options(resource));
      const urnsOf = (names: string[]) => names.map((name) => urnOf(byName.get(name) as FakeResource));
      const dependsOn = Object.entries(resource.dependsOn ?? {});
      entry.setDependenciesList(urnsOf(dependsOn.flatMap(([, names]) => names)));
      for (const [property, names] of dependsOn) {
        const deps = new analyzerProto.AnalyzerPropertyDependencies();
        deps.setUrnsList(urnsOf(names));
        entry.getPropertydependenciesMap().set(property, deps);
      }
      return entry;
    }),
  );
  return request;
}

type Fixture =
  | { kind: "resource"; pass: FakeResource; fail: FakeResource }
  | { kind: "stack"; pass: FakeResource[]; fail: FakeResource[] };

const BUCKET = "aws:s3/bucket:Bucket";
const VPC = "aws:ec2/vpc:Vpc";
const bucket = (name = "data"): FakeResource => ({ type: BUCKET, name, props: { bucket: name } });
const onBucket = (type: string, props: Record<string, unknown>, of = "data"): FakeResource => ({
  type,
  name: "companion",
  props: { ...props, bucket: of },
  dependsOn: { bucket: [of] },
});
const onVpc = (type: string, props: Record<string, unknown>, of = "vpc"): FakeResource => ({
  type,
  name: "companion",
  props: { ...props, vpcId: of },
  dependsOn: { vpcId: [of] },
});
const vpc = (name = "vpc"): FakeResource => ({ type: VPC, name, props: {} });
const resource = (
  type: string,
  props: Record<string, unknown>,
  extra: Partial<FakeResource> = {},
): FakeResource => ({
  type,
  name: "r",
  props,
  ...extra,
});
const doc = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const ALL_BLOCKED = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};
const MSK = {
  encryptionInfo: { encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
  clientAuthentication: { sasl: { iam: true }, unauthenticated: false },
};
const PROD = { stack: "prod" };
const INSTANCE = "aws:ec2/instance:Instance";
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/k";
const trustedBy = (source?: Parameters<typeof serviceTrustPolicy>[1]) =>
  resource("aws:iam/role:Role", {
    assumeRolePolicy: JSON.stringify(serviceTrustPolicy(["kafkaconnect.amazonaws.com"], source)),
  });
/** A prod API stage, a web ACL with `rules` and the association between them. */
const stageWithAcl = (rules: Record<string, unknown>[]): FakeResource[] => [
  { type: "aws:apigateway/stage:Stage", name: "stage", props: { stageName: "v1" }, ...PROD },
  { type: "aws:wafv2/webAcl:WebAcl", name: "acl", props: { rules }, ...PROD },
  {
    type: "aws:wafv2/webAclAssociation:WebAclAssociation",
    name: "association",
    props: { resourceArn: "stage", webAclArn: "acl" },
    dependsOn: { resourceArn: ["stage"], webAclArn: ["acl"] },
    ...PROD,
  },
];
const proxy = (name: string, stack = "prod"): FakeResource => ({ type: INSTANCE, name, props: {}, stack });
const DATA_LAKE_PARENT =
  "urn:pulumi:prod::pinterest-pipeline::pinterest:pipeline:DataLake::pinpipe-prod-data-lake";

/** One passing and one failing resource (or set of resources, for stack policies) per policy of the pack. */
const FIXTURES: Record<string, Fixture> = {
  "s3-encryption-at-rest": {
    kind: "stack",
    pass: [
      bucket(),
      onBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
      }),
    ],
    fail: [bucket()],
  },
  "s3-public-access-blocked": {
    kind: "stack",
    pass: [bucket(), onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", ALL_BLOCKED)],
    fail: [
      bucket(),
      onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        ...ALL_BLOCKED,
        blockPublicPolicy: false,
      }),
    ],
  },
  "s3-tls-only": {
    kind: "stack",
    pass: [
      bucket(),
      onBucket("aws:s3/bucketPolicy:BucketPolicy", {
        policy: JSON.stringify(tlsOnlyBucketPolicy("arn:aws:s3:::data")),
      }),
    ],
    fail: [bucket()],
  },
  "s3-no-public-grants": {
    kind: "resource",
    pass: resource("aws:s3/bucketAcl:BucketAcl", { acl: "private" }),
    fail: resource("aws:s3/bucketAcl:BucketAcl", { acl: "public-read" }),
  },
  "encryption-at-rest": {
    kind: "resource",
    pass: resource("aws:kinesis/stream:Stream", { encryptionType: "KMS" }),
    fail: resource("aws:kinesis/stream:Stream", { encryptionType: "NONE" }),
  },
  "encryption-in-transit": {
    kind: "resource",
    pass: resource("aws:msk/cluster:Cluster", MSK),
    fail: resource("aws:msk/cluster:Cluster", {
      ...MSK,
      encryptionInfo: { encryptionInTransit: { clientBroker: "PLAINTEXT", inCluster: true } },
    }),
  },
  "kafka-iam-auth": {
    kind: "resource",
    pass: resource("aws:msk/cluster:Cluster", MSK),
    fail: resource("aws:msk/cluster:Cluster", { ...MSK, clientAuthentication: { unauthenticated: true } }),
  },
  "no-open-ingress": {
    kind: "resource",
    pass: resource("aws:ec2/securityGroup:SecurityGroup", {
      ingress: [{ protocol: "tcp", fromPort: 9098, toPort: 9098, securityGroups: ["sg-1"] }],
    }),
    fail: resource("aws:ec2/securityGroup:SecurityGroup", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
    }),
  },
  "api-key-required": {
    kind: "resource",
    pass: resource("aws:apigateway/method:Method", { httpMethod: "POST", apiKeyRequired: true }),
    fail: resource("aws:apigateway/method:Method", { httpMethod: "POST", apiKeyRequired: false }),
  },
  "ec2-imdsv2": {
    kind: "resource",
    pass: resource("aws:ec2/instance:Instance", { metadataOptions: { httpTokens: "required" } }),
    fail: resource("aws:ec2/instance:Instance", { metadataOptions: { httpTokens: "optional" } }),
  },
  "mwaa-private-webserver": {
    kind: "resource",
    pass: resource("aws:mwaa/environment:Environment", { webserverAccessMode: "PRIVATE_ONLY" }),
    fail: resource("aws:mwaa/environment:Environment", { webserverAccessMode: "PUBLIC_ONLY" }),
  },
  "iam-least-privilege": {
    kind: "resource",
    pass: resource("aws:iam/rolePolicy:RolePolicy", {
      policy: doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::data/*"] }),
    }),
    fail: resource("aws:iam/rolePolicy:RolePolicy", {
      policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }),
    }),
  },
  "vpc-flow-logs": {
    kind: "stack",
    pass: [vpc(), onVpc("aws:ec2/flowLog:FlowLog", { trafficType: "ALL" })],
    fail: [vpc()],
  },
  "default-security-group-closed": {
    kind: "stack",
    pass: [vpc(), onVpc("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", {})],
    fail: [vpc()],
  },
  "log-retention": {
    kind: "resource",
    pass: resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 365 }, { stack: "prod" }),
    fail: resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 }, { stack: "prod" }),
  },
  "kinesis-retention-prod": {
    kind: "resource",
    pass: resource("aws:kinesis/stream:Stream", { retentionPeriod: 168 }, { stack: "prod" }),
    fail: resource("aws:kinesis/stream:Stream", { retentionPeriod: 24 }, { stack: "prod" }),
  },
  "prod-data-bucket-protected": {
    kind: "resource",
    pass: resource(BUCKET, {}, { stack: "prod", parent: DATA_LAKE_PARENT, protect: true }),
    fail: resource(BUCKET, {}, { stack: "prod", parent: DATA_LAKE_PARENT, protect: false }),
  },
  "stack-tags": {
    kind: "resource",
    pass: resource("aws:sns/topic:Topic", { tags: { stack: "dev", prefix: "p", owner: "o" } }),
    fail: resource(
      "aws:sns/topic:Topic",
      { tags: { stack: "dev" } },
      { providerProps: { region: "us-east-1" } },
    ),
  },
  "service-trust-source-conditions": {
    kind: "resource",
    pass: trustedBy({ account: "123456789012", arnLike: "arn:*" }),
    fail: trustedBy(),
  },
  "rest-proxy-behind-its-load-balancer": {
    kind: "resource",
    pass: resource("aws:ec2/securityGroup:SecurityGroup", {
      ingress: [{ protocol: "tcp", fromPort: 8082, toPort: 8082, securityGroups: ["sg-nlb"] }],
    }),
    fail: resource("aws:ec2/securityGroup:SecurityGroup", {
      ingress: [{ protocol: "tcp", fromPort: 8082, toPort: 8082, cidrBlocks: ["10.40.0.0/16"] }],
    }),
  },
  "prod-api-iam-authorization": {
    kind: "resource",
    pass: resource("aws:apigateway/method:Method", { httpMethod: "POST", authorization: "AWS_IAM" }, PROD),
    fail: resource("aws:apigateway/method:Method", { httpMethod: "POST", authorization: "NONE" }, PROD),
  },
  "prod-no-stream-admin": {
    kind: "resource",
    pass: resource(
      "aws:apigateway/integration:Integration",
      { uri: "arn:aws:apigateway:us-east-1:kinesis:action/PutRecords" },
      PROD,
    ),
    fail: resource(
      "aws:apigateway/integration:Integration",
      { uri: "arn:aws:apigateway:us-east-1:kinesis:action/DeleteStream" },
      PROD,
    ),
  },
  "prod-api-waf": {
    kind: "stack",
    pass: stageWithAcl([
      { name: "rate", statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: "IP" } } },
    ]),
    fail: stageWithAcl([{ name: "managed", statement: {} }]),
  },
  "prod-kafka-durability": {
    kind: "resource",
    pass: resource(
      "aws:msk/configuration:Configuration",
      { serverProperties: "default.replication.factor=3\nmin.insync.replicas=2\n" },
      PROD,
    ),
    fail: resource(
      "aws:msk/configuration:Configuration",
      { serverProperties: "default.replication.factor=3\nmin.insync.replicas=1\n" },
      PROD,
    ),
  },
  "ec2-auto-recovery": {
    kind: "resource",
    pass: resource(INSTANCE, { maintenanceOptions: { autoRecovery: "default" } }),
    fail: resource(INSTANCE, { maintenanceOptions: { autoRecovery: "disabled" } }),
  },
  "prod-rest-proxy-redundant": {
    kind: "stack",
    pass: [proxy("proxy-a"), proxy("proxy-b")],
    fail: [proxy("proxy-a")],
  },
  "s3-noncurrent-versions-expire": {
    kind: "stack",
    pass: [
      bucket(),
      onBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
        rules: [{ id: "old", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }],
      }),
    ],
    fail: [
      bucket(),
      onBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
        rules: [{ id: "mpu", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }],
      }),
    ],
  },
  "secret-recovery-window": {
    kind: "resource",
    pass: resource("aws:secretsmanager/secret:Secret", { recoveryWindowInDays: 7 }, PROD),
    fail: resource("aws:secretsmanager/secret:Secret", { recoveryWindowInDays: 0 }, PROD),
  },
  "customer-key-everywhere": {
    kind: "stack",
    pass: [
      { type: "aws:kms/key:Key", name: "key", props: {} },
      { type: INSTANCE, name: "proxy", props: { rootBlockDevice: { encrypted: true, kmsKeyId: KEY_ARN } } },
      { type: "aws:sns/topic:Topic", name: "alarms", props: { kmsMasterKeyId: KEY_ARN } },
      { type: "aws:mwaa/environment:Environment", name: "mwaa", props: { kmsKey: KEY_ARN } },
    ],
    // Only the MWAA environment lacks the key (MWAA user guide, "Using customer managed keys for encryption").
    fail: [
      { type: "aws:kms/key:Key", name: "key", props: {} },
      { type: INSTANCE, name: "proxy", props: { rootBlockDevice: { encrypted: true, kmsKeyId: KEY_ARN } } },
      { type: "aws:sns/topic:Topic", name: "alarms", props: { kmsMasterKeyId: KEY_ARN } },
      { type: "aws:mwaa/environment:Environment", name: "mwaa", props: {} },
    ],
  },
};

function call<Res>(
  invoke: (callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    invoke((error, response) => (error ? reject(error) : resolve(response))),
  );
}

/** Starts the pack as the CLI's analyzer shim does and resolves with the port it serves on. */
function startPack(): Promise<{ child: ChildProcess; port: number }> {
  const runner = execFileSync(
    process.execPath,
    ["-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))"],
    { cwd: PACK_DIR, encoding: "utf8" },
  ).trim();
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", PACK_DIR], { cwd: PACK_DIR });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(out);
      if (port) resolve({ child, port: Number(port[1]) });
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) =>
      reject(new Error(`the pack exited with ${code} before serving: ${out}${err}`)),
    );
  });
}

describe("policy pack loaded from its folder as the Pulumi CLI does", function () {
  this.timeout(120_000);
  let child: ChildProcess | undefined;
  let client: analyzerRpc.AnalyzerClient;

  before(async () => {
    const started = await startPack();
    child = started.child;
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
  });
  after(() => {
    client?.close();
    child?.kill();
  });

  it("serves the pack with the name of index.ts and the version of its package.json", async () => {
    const info = await call<analyzerProto.AnalyzerInfo>((done) =>
      client.getAnalyzerInfo(new emptyProto.Empty(), done),
    );
    const pkg = JSON.parse(readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { version: string };
    expect(info.getName()).to.equal("pinterest-pipeline-security");
    expect(info.getVersion()).to.equal(pkg.version);
    expect(
      info
        .getPoliciesList()
        .map((policy) => policy.getName())
        .sort(),
    ).to.deep.equal(
      Object.keys(FIXTURES).sort(),
      "every policy of the pack needs a passing and a failing fixture in FIXTURES",
    );
  });

  for (const [policyName, fixture] of Object.entries(FIXTURES)) {
    it(`${policyName}: the passing resource gets no diagnostic from it, the failing one does`, async () => {
      const diagnostics = async (side: "pass" | "fail") => {
        const response =
          fixture.kind === "resource"
            ? await call<analyzerProto.AnalyzeResponse>((done) =>
                client.analyze(analyzeRequest(fixture[side]), done),
              )
            : await call<analyzerProto.AnalyzeResponse>((done) =>
                client.analyzeStack(analyzeStackRequest(fixture[side]), done),
              );
        return response
          .getDiagnosticsList()
          .filter((diagnostic) => diagnostic.getPolicyname() === policyName)
          .map((diagnostic) => diagnostic.getMessage());
      };
      expect(await diagnostics("pass")).to.deep.equal([]);
      expect(await diagnostics("fail")).to.have.length.greaterThan(0);
    });
  }

  it("the pack pins the versions the repository installs (the CLI runs it on the root's node_modules)", () => {
    const pack = JSON.parse(readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const root = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [name, version] of Object.entries(pack.dependencies))
      expect(version, name).to.equal(root.dependencies[name] ?? root.devDependencies[name]);
  });
});
