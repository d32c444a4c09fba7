// Runs the whole Pulumi program of one stack under runtime mocks and writes every resource, invoke and output
// to a JSON file. Run in a child process per stack, so that each run has a fresh module cache and fresh mocks:
//   node --import tsx test/infra/harness/runStack.ts <stack> <out.json>   (extra config as JSON in STACK_CONFIG)
import * as pulumi from "@pulumi/pulumi";
import { writeFileSync } from "fs";
import {
  ACCOUNT_ID,
  AL2023_AMI,
  AVAILABILITY_ZONES,
  DEPLOYER,
  REGION,
  RecordedResource,
  StackRun,
} from "./stackRun";
import { loadStackConfig } from "./stackConfig";

/** Computed properties a real provider would return, for the types whose outputs the program uses. */
function computedState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  sequence: number,
): Record<string, unknown> {
  const named = (inputs.name as string | undefined) ?? name;
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${inputs.bucket}`, bucket: inputs.bucket };
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return { versionId: `version-${sequence}` };
    case "aws:msk/cluster:Cluster":
    case "aws:msk/serverlessCluster:ServerlessCluster":
      return {
        arn: `arn:aws:kafka:${REGION}:${ACCOUNT_ID}:cluster/${inputs.clusterName}/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2`,
        bootstrapBrokersSaslIam: `b-1.${inputs.clusterName}.kafka.${REGION}.amazonaws.com:9098,b-2.${inputs.clusterName}.kafka.${REGION}.amazonaws.com:9098`,
      };
    case "aws:msk/configuration:Configuration":
      return { arn: `arn:aws:kafka:${REGION}:${ACCOUNT_ID}:configuration/${named}/1`, latestRevision: 1 };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:role/${named}`, name: named };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${name}`, name };
    case "aws:kinesis/stream:Stream":
      return { arn: `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${inputs.name}` };
    case "aws:apigateway/restApi:RestApi":
      return {
        rootResourceId: "root0id",
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:api0id`,
      };
    case "aws:apigateway/stage:Stage":
      return {
        invokeUrl: `https://api0id.execute-api.${REGION}.amazonaws.com/${inputs.stageName}`,
        arn: `arn:aws:apigateway:${REGION}::/restapis/api0id/stages/${inputs.stageName}`,
      };
    case "aws:wafv2/webAcl:WebAcl":
      return { arn: `arn:aws:wafv2:${REGION}:${ACCOUNT_ID}:regional/webacl/${named}/0a1b2c3d` };
    case "aws:apigateway/apiKey:ApiKey":
      return { value: "mock-api-key-0123456789abcdef" };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT_ID}:loadbalancer/net/${name}/1`,
        dnsName: `${name}.elb.${REGION}.amazonaws.com`,
        arnSuffix: `net/${name}/1`,
      };
    case "aws:mskconnect/customPlugin:CustomPlugin":
      return {
        arn: `arn:aws:kafkaconnect:${REGION}:${ACCOUNT_ID}:custom-plugin/${named}/1`,
        latestRevision: 1,
      };
    case "aws:mwaa/environment:Environment":
      return {
        arn: `arn:aws:airflow:${REGION}:${ACCOUNT_ID}:environment/${named}`,
        webserverUrl: `0a1b2c3d-vpce.c2.airflow.${REGION}.on.aws`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${named}` };
    case "aws:secretsmanager/secret:Secret":
      return { arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:${named}-AbCdEf` };
    case "databricks:index/job:Job":
      return { url: `https://example.cloud.databricks.com/#job/${1000 + sequence}` };
    case "databricks:index/workspaceFile:WorkspaceFile":
      return { workspacePath: `/Workspace${inputs.path}` };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT_ID}:targetgroup/${named}/1`,
        arnSuffix: `targetgroup/${named}/1`,
      };
    // Databricks gives each credential an external id for the role's trust policy.
    case "databricks:index/storageCredential:StorageCredential":
    case "databricks:index/credential:Credential":
      return {
        awsIamRole: { ...(inputs.awsIamRole as Record<string, unknown>), externalId: `external-id-${named}` },
      };
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/key-${sequence}`, keyId: `key-${sequence}` };
    case "aws:sns/topic:Topic":
      return { arn: `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${named}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:${named}` };
    case "databricks:index/notificationDestination:NotificationDestination":
      return { destinationType: "WEBHOOK" };
    // The warehouse's HTTP path, as the SQL Warehouses API returns it in odbc_params.
    case "databricks:index/sqlEndpoint:SqlEndpoint":
      return {
        odbcParams: {
          hostname: "example.cloud.databricks.com",
          path: `/sql/1.0/warehouses/warehouse-${sequence}`,
          port: 443,
          protocol: "https",
        },
        jdbcUrl: `jdbc:databricks://example.cloud.databricks.com:443/default;httpPath=/sql/1.0/warehouses/warehouse-${sequence}`,
      };
    case "databricks:index/mount:Mount":
      return { source: `s3a://${(inputs.s3 as { bucketName: string }).bucketName}` };
    default:
      return {};
  }
}

function resourceId(type: string, sequence: number): string {
  // Databricks job ids are numbers; the DAG renderer checks that.
  if (type === "databricks:index/job:Job") return String(1000 + sequence);
  return `${type.split(":").pop()?.toLowerCase()}-${sequence}`;
}

async function resolve(output: unknown): Promise<{ value: unknown; secret: boolean }> {
  if (!pulumi.Output.isInstance(output)) return { value: output, secret: false };
  const value = await new Promise((done) =>
    (output as pulumi.Output<unknown>).apply((resolved) => done(resolved)),
  );
  return { value, secret: await pulumi.isSecret(output as pulumi.Output<unknown>) };
}

async function main(): Promise<void> {
  const [stack, outFile] = process.argv.slice(2);
  if (!stack || !outFile) throw new Error("usage: runStack.ts <stack> <out.json>");
  const extra = JSON.parse(process.env.STACK_CONFIG ?? "{}") as {
    values?: Record<string, string>;
    secretKeys?: string[];
  };
  const { values, secretKeys } = loadStackConfig(stack, extra.values ?? {}, extra.secretKeys ?? []);
  pulumi.runtime.setAllConfig(values, secretKeys);

  const resources: RecordedResource[] = [];
  // Resource options do not reach the mocks; protect, the parent and the dependencies are in the request the SDK
  // sends the monitor.
  const protectedResources = new Set<string>();
  const parents = new Map<string, string>();
  const dependencies = new Map<string, string[]>();
  const recordProtect = () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource(
        request: {
          getType(): string;
          getName(): string;
          getProtect(): boolean;
          getParent(): string;
          getDependenciesList(): string[];
        },
        done: unknown,
      ): unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, done) => {
      const key = `${request.getType()}::${request.getName()}`;
      if (request.getProtect()) protectedResources.add(key);
      if (request.getParent()) parents.set(key, request.getParent());
      dependencies.set(key, request.getDependenciesList());
      return register(request, done);
    };
  };
  const invokes: StackRun["invokes"] = [];
  let sequence = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        sequence += 1;
        const id = resourceId(args.type, sequence);
        const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs, sequence) };
        resources.push({
          id,
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
          state,
          provider: args.provider,
          protect: protectedResources.has(`${args.type}::${args.name}`),
          parent: parents.get(`${args.type}::${args.name}`),
          dependencies: dependencies.get(`${args.type}::${args.name}`),
          // A URN ends with <parent types$>type::name: kept as type::name, the key resources are recorded under.
          dependsOn: (dependencies.get(`${args.type}::${args.name}`) ?? []).map((urn) => {
            const [qualifiedType, ...name] = urn.split("::").slice(2);
            return `${qualifiedType.split("$").pop() as string}::${name.join("::")}`;
          }),
        });
        return { id, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        invokes.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
              names: AVAILABILITY_ZONES,
              zoneIds: AVAILABILITY_ZONES.map((_, index) => `use1-az${index + 1}`),
              id: REGION,
            };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: ACCOUNT_ID,
              arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`,
              userId: "AIDATEST",
              id: ACCOUNT_ID,
            };
          case "aws:ssm/getParameter:getParameter":
            return { name: args.inputs.name, value: AL2023_AMI, type: "String", id: args.inputs.name };
          case "databricks:index/getCurrentUser:getCurrentUser":
            return { userName: DEPLOYER, id: "1", alphanumeric: "deployer", home: `/Users/${DEPLOYER}` };
          default:
            throw new Error(`the program invoked ${args.token}, which the test mocks do not know`);
        }
      },
    },
    "pinterest-pipeline",
    stack,
    false,
  );

  recordProtect();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../../infra/index") as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [name, output] of Object.entries(program)) {
    const { value, secret } = await resolve(output);
    outputs[name] = value;
    if (secret) secretOutputs.push(name);
  }
  await pulumi.runtime.disconnect();
  const run: StackRun = { stack, resources, invokes, outputs, secretOutputs };
  writeFileSync(outFile, JSON.stringify(run, null, 1));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
