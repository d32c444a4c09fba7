// Physical names against the limits of the services that own them, for every resource type the program creates
// with a physical name: the dev and prod stacks, and the longest prefix the config accepts in both storage
// modes. An explicit name is checked as it is; an auto-named one as Pulumi makes it, the logical name plus "-"
// and 7 random characters (pulumi/pulumi-aws#1317 shows a target group failing that way).
import { expect } from "chai";
import { PROJECT } from "../../infra/names";
import { RecordedResource, runStack, StackRun } from "./harness/stackRun";
import { REQUIRED_USER_SET, stackRun } from "./harness/fixtures";

interface NameLimit {
  /** The input that holds the physical name. */
  property: string;
  maxLength: number;
  pattern?: RegExp;
  /** Pulumi names it when the program does not: logical name + 8 characters. */
  autoNamed?: boolean;
  /** Where the limit comes from. */
  source: string;
  /** false: the source was not re-read when this row was written; the limit is the service's published one. */
  confirmed: boolean;
}

const AUTO_SUFFIX = "-abcdefg";
const ELB_NAME = /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const UC_NAME = /^[A-Za-z0-9_]+$/;

export const NAME_LIMITS: Record<string, NameLimit> = {
  "aws:lb/loadBalancer:LoadBalancer": {
    property: "name",
    maxLength: 32,
    pattern: ELB_NAME,
    autoNamed: true,
    source:
      "ELB API Reference, CreateLoadBalancer: at most 32 characters, alphanumerics or hyphens, no hyphen at either end, not beginning with internal- (quoted in cloudposse/terraform-aws-alb#96)",
    confirmed: true,
  },
  "aws:lb/targetGroup:TargetGroup": {
    property: "name",
    maxLength: 32,
    pattern: ELB_NAME,
    autoNamed: true,
    source: "ELB API Reference, CreateTargetGroup: at most 32 characters (pulumi/pulumi-aws#1932, #1317)",
    confirmed: true,
  },
  "aws:iam/role:Role": {
    property: "name",
    maxLength: 64,
    pattern: /^[\w+=,.@-]+$/,
    autoNamed: true,
    source:
      "IAM quotas: role names at most 64 characters (kubernetes/kops#10437 hit it); IAM name characters",
    confirmed: true,
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    property: "name",
    maxLength: 128,
    pattern: /^[\w+=,.@-]+$/,
    autoNamed: true,
    source: "IAM API Reference, CreateInstanceProfile: InstanceProfileName 1-128, [\\w+=,.@-]+",
    confirmed: true,
  },
  "aws:iam/rolePolicy:RolePolicy": {
    property: "name",
    maxLength: 128,
    autoNamed: true,
    source: "IAM API Reference, PutRolePolicy: PolicyName 1-128",
    confirmed: false,
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    property: "name",
    maxLength: 255,
    autoNamed: true,
    source: "EC2 API Reference, CreateSecurityGroup: GroupName up to 255 characters",
    confirmed: false,
  },
  "aws:mwaa/environment:Environment": {
    property: "name",
    maxLength: 80,
    pattern: /^[a-zA-Z][0-9a-zA-Z-_]*$/,
    source: "MWAA API Reference, CreateEnvironment: Name 1-80, ^[a-zA-Z][0-9a-zA-Z-_]*$",
    confirmed: true,
  },
  "aws:msk/configuration:Configuration": {
    property: "name",
    maxLength: 64,
    pattern: /^[0-9A-Za-z][0-9A-Za-z-]*$/,
    source:
      'MSK developer guide, "Create a configuration": the name must match ^[0-9A-Za-z][0-9A-Za-z-]{0,}$ (the 64 is the cluster name limit, applied as a bound)',
    confirmed: true,
  },
  "aws:msk/cluster:Cluster": {
    property: "clusterName",
    maxLength: 64,
    source: "MSK API Reference, CreateCluster: clusterName 1-64",
    confirmed: false,
  },
  "aws:msk/topic:Topic": {
    property: "name",
    maxLength: 249,
    pattern: /^[a-zA-Z0-9._-]+$/,
    source: "Apache Kafka, org.apache.kafka.common.internals.Topic: MAX_NAME_LENGTH 249, [a-zA-Z0-9._-]",
    confirmed: false,
  },
  "aws:mskconnect/connector:Connector": {
    property: "name",
    maxLength: 128,
    source: "MSK Connect API Reference, CreateConnector: connectorName 1-128",
    confirmed: false,
  },
  "aws:mskconnect/customPlugin:CustomPlugin": {
    property: "name",
    maxLength: 128,
    source: "MSK Connect API Reference, CreateCustomPlugin: name 1-128",
    confirmed: false,
  },
  "aws:kinesis/stream:Stream": {
    property: "name",
    maxLength: 128,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    source: "Kinesis API (StreamName, as the AWS SDK for .NET documents it): length 1-128, [a-zA-Z0-9_.-]+",
    confirmed: true,
  },
  "aws:s3/bucket:Bucket": {
    property: "bucket",
    maxLength: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    source:
      "S3 user guide, General purpose bucket naming rules: 3 to 63 characters; lowercase letters, numbers, dots, hyphens; a letter or number at both ends",
    confirmed: true,
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    property: "name",
    maxLength: 512,
    pattern: /^[\w\-/.#]+$/,
    source:
      "CloudWatch Logs, CreateLogGroup (AWS::Logs::LogGroup in @pulumi/aws-native): 1 to 512 characters of a-z A-Z 0-9 _ - / . (and # in the API model)",
    confirmed: true,
  },
  "aws:secretsmanager/secret:Secret": {
    property: "name",
    maxLength: 512,
    source: "Secrets Manager API Reference, CreateSecret: Name 1-512",
    confirmed: false,
  },
  "aws:apigateway/model:Model": {
    property: "name",
    maxLength: 128,
    pattern: /^[a-zA-Z0-9]+$/,
    source: "API Gateway API Reference, CreateModel: the model name must be alphanumeric",
    confirmed: false,
  },
  "aws:apigateway/restApi:RestApi": {
    property: "name",
    maxLength: 1024,
    source:
      "API Gateway API Reference, CreateRestApi: name (its limit not checked here: 1024 is a bound of this table, not the service's)",
    confirmed: false,
  },
  "aws:apigateway/apiKey:ApiKey": {
    property: "name",
    maxLength: 1024,
    source:
      "API Gateway API Reference, CreateApiKey: name (its limit not checked here: 1024 is a bound of this table, not the service's)",
    confirmed: false,
  },
  "aws:apigateway/usagePlan:UsagePlan": {
    property: "name",
    maxLength: 1024,
    source:
      "API Gateway API Reference, CreateUsagePlan: name (its limit not checked here: 1024 is a bound of this table, not the service's)",
    confirmed: false,
  },
  "aws:wafv2/webAcl:WebAcl": {
    property: "name",
    maxLength: 128,
    source: "WAFV2 API Reference, CreateWebACL: Name, length 1-128, pattern ^[\\w\\-]+$",
    confirmed: false,
  },
  "aws:apigateway/vpcLink:VpcLink": {
    property: "name",
    maxLength: 1024,
    source:
      "API Gateway API Reference, CreateVpcLink: name (its limit not checked here: 1024 is a bound of this table, not the service's)",
    confirmed: false,
  },
  "aws:apigateway/requestValidator:RequestValidator": {
    property: "name",
    maxLength: 1024,
    source:
      "API Gateway API Reference, CreateRequestValidator: name (its limit not checked here: 1024 is a bound of this table, not the service's)",
    confirmed: false,
  },
  "aws:sns/topic:Topic": {
    property: "name",
    maxLength: 256,
    pattern: /^[A-Za-z0-9_-]+$/,
    source: "SNS API Reference, CreateTopic: up to 256 alphanumerics, hyphens and underscores",
    confirmed: false,
  },
  "aws:budgets/budget:Budget": {
    property: "name",
    maxLength: 100,
    source: "AWS Budgets API Reference, Budget: BudgetName 1-100",
    confirmed: false,
  },
  "aws:cloudwatch/dashboard:Dashboard": {
    property: "dashboardName",
    maxLength: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    source: "CloudWatch API Reference, PutDashboard: DashboardName up to 255, A-Z a-z 0-9 - _",
    confirmed: false,
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    property: "name",
    maxLength: 255,
    source: "CloudWatch API Reference, PutMetricAlarm: AlarmName 1-255",
    confirmed: false,
  },
  "aws:kms/alias:Alias": {
    property: "name",
    maxLength: 256,
    pattern: /^alias\/[a-zA-Z0-9/_-]+$/,
    source: "KMS API Reference, CreateAlias: AliasName 1-256, alias/ prefix",
    confirmed: false,
  },
  "aws:s3/bucketMetric:BucketMetric": {
    property: "name",
    maxLength: 64,
    source: "S3 API Reference, PutBucketMetricsConfiguration: Id up to 64 characters",
    confirmed: false,
  },
  "databricks:index/catalog:Catalog": {
    property: "name",
    maxLength: 255,
    pattern: UC_NAME,
    source: "Databricks, Unity Catalog names: up to 255 characters (letters, digits, underscores kept here)",
    confirmed: false,
  },
  "databricks:index/schema:Schema": {
    property: "name",
    maxLength: 255,
    pattern: UC_NAME,
    source: "Databricks, Unity Catalog names: up to 255 characters",
    confirmed: false,
  },
  "databricks:index/volume:Volume": {
    property: "name",
    maxLength: 255,
    pattern: UC_NAME,
    source: "Databricks, Unity Catalog names: up to 255 characters",
    confirmed: false,
  },
  "databricks:index/storageCredential:StorageCredential": {
    property: "name",
    maxLength: 255,
    pattern: UC_NAME,
    source: "Databricks, Unity Catalog names: up to 255 characters",
    confirmed: false,
  },
  "databricks:index/credential:Credential": {
    property: "name",
    maxLength: 255,
    pattern: UC_NAME,
    source: "Databricks, Unity Catalog names: up to 255 characters",
    confirmed: false,
  },
  "databricks:index/externalLocation:ExternalLocation": {
    property: "name",
    maxLength: 255,
    pattern: UC_NAME,
    source: "Databricks, Unity Catalog names: up to 255 characters",
    confirmed: false,
  },
  "databricks:index/sqlTable:SqlTable": {
    property: "name",
    maxLength: 255,
    pattern: /^[a-z0-9_]+$/,
    source:
      "Databricks, Unity Catalog requirements, securable object naming: up to 255 characters, stored lower case (tables and views alike)",
    confirmed: true,
  },
  "databricks:index/sqlEndpoint:SqlEndpoint": {
    property: "name",
    maxLength: 99,
    source: "Databricks SQL Warehouses API, create: name unique within an org, less than 100 characters",
    confirmed: true,
  },
  "databricks:index/job:Job": {
    property: "name",
    maxLength: 4096,
    source: "Databricks Jobs API 2.2, create: name up to 4096 bytes",
    confirmed: false,
  },
  "databricks:index/cluster:Cluster": {
    property: "clusterName",
    maxLength: 100,
    source:
      "Databricks Clusters API, create: cluster_name (its limit not checked here: 100 is a bound of this table)",
    confirmed: false,
  },
  "databricks:index/notificationDestination:NotificationDestination": {
    property: "displayName",
    maxLength: 255,
    source: "Databricks Notification destinations API: display_name",
    confirmed: false,
  },
};

/** Resource types without a physical name of their own (ids, ARNs, paths or keys only). */
const NO_PHYSICAL_NAME = new Set([
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/eip:Eip",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/instance:Instance",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:lb/listener:Listener",
  "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  "aws:apigateway/resource:Resource",
  "aws:apigateway/method:Method",
  "aws:apigateway/integration:Integration",
  "aws:apigateway/methodResponse:MethodResponse",
  "aws:apigateway/integrationResponse:IntegrationResponse",
  "aws:apigateway/deployment:Deployment",
  "aws:apigateway/stage:Stage",
  "aws:apigateway/methodSettings:MethodSettings",
  "aws:apigateway/usagePlanKey:UsagePlanKey",
  "aws:apigateway/account:Account",
  // A grant names no object of its own: it gives a principal privileges on a securable.
  "databricks:index/grant:Grant",
  "aws:wafv2/webAclAssociation:WebAclAssociation",
  "aws:kms/key:Key",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLogging:BucketLogging",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "databricks:index/file:File",
  "databricks:index/workspaceFile:WorkspaceFile",
  "databricks:index/directory:Directory",
  "databricks:index/permissions:Permissions",
  "databricks:index/mount:Mount",
  "databricks:index/instanceProfile:InstanceProfile",
]);

/** The name the service gets: explicit, or Pulumi's auto-name; undefined when neither applies. */
export function physicalName(resource: RecordedResource, limit: NameLimit): string | undefined {
  const explicit = resource.inputs[limit.property];
  if (typeof explicit === "string") return explicit;
  return limit.autoNamed ? `${resource.name}${AUTO_SUFFIX}` : undefined;
}

/** Every physical name of a run that breaks its limit, and every custom type the table does not know. */
export function nameProblems(run: StackRun): string[] {
  const problems: string[] = [];
  for (const resource of run.resources) {
    if (!resource.custom || resource.type.startsWith("pulumi:providers:")) continue;
    const limit = NAME_LIMITS[resource.type];
    if (!limit) {
      if (!NO_PHYSICAL_NAME.has(resource.type)) problems.push(`${resource.type}: add a row to NAME_LIMITS`);
      continue;
    }
    const name = physicalName(resource, limit);
    if (name === undefined) problems.push(`${resource.name}: no ${limit.property} and not auto-named`);
    else if (name.length > limit.maxLength)
      problems.push(`${resource.name}: "${name}" is ${name.length} > ${limit.maxLength} (${limit.source})`);
    else if (limit.pattern && !limit.pattern.test(name))
      problems.push(`${resource.name}: "${name}" does not match ${limit.pattern} (${limit.source})`);
  }
  return problems;
}

const LONGEST_PREFIX = "a2345678901234567890".slice(0, 19) + "z";
const userSet = {
  ...REQUIRED_USER_SET,
  [`${PROJECT}:alarmEmails`]: "oncall@example.com",
  [`${PROJECT}:jobFailureWebhookUrl`]: "https://hooks.example.com/x",
};

describe("physical names fit their services' limits", function () {
  this.timeout(120_000);

  it("the longest prefix the config accepts is 20 characters", () => {
    expect(LONGEST_PREFIX).to.have.length(20);
  });

  it("the check catches the target group auto-name of the seed program (37 > 32) and an ELB name starting internal-", () => {
    const seedTargetGroup: RecordedResource = {
      id: "tg",
      type: "aws:lb/targetGroup:TargetGroup",
      name: "pinpipe-dev-ingest-rest-proxy",
      custom: true,
      inputs: {},
      state: {},
    };
    const problems = nameProblems({
      stack: "dev",
      resources: [seedTargetGroup],
      invokes: [],
      outputs: {},
      secretOutputs: [],
    });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.contain("is 37 > 32");
    expect(
      nameProblems({
        stack: "dev",
        resources: [
          { ...seedTargetGroup, type: "aws:lb/loadBalancer:LoadBalancer", inputs: { name: "internal-x" } },
        ],
        invokes: [],
        outputs: {},
        secretOutputs: [],
      }),
    ).to.have.length(1);
  });

  const runs: [string, () => Promise<StackRun>][] = [
    // The stacks' shared runs (harness/fixtures.ts), then the longest prefix in both storage modes.
    ["dev", () => stackRun("dev")],
    ["prod", () => stackRun("prod")],
    [
      `the longest prefix (${LONGEST_PREFIX}), Unity Catalog storage`,
      () =>
        runStack("dev", { values: { ...userSet, [`${PROJECT}:prefix`]: LONGEST_PREFIX }, secretKeys: [] }),
    ],
    [
      `the longest prefix (${LONGEST_PREFIX}), mount storage`,
      () =>
        runStack("prod", {
          values: {
            ...userSet,
            [`${PROJECT}:prefix`]: LONGEST_PREFIX,
            [`${PROJECT}:databricksStorage`]: "mount",
            [`${PROJECT}:databricksCrossAccountRoleName`]: "dbx-cross-account",
            [`${PROJECT}:manageApiGatewayAccount`]: "true",
            [`${PROJECT}:apiLoggingRoleExists`]: "false",
          },
          secretKeys: [],
        }),
    ],
  ];
  for (const [label, run] of runs) {
    it(`${label}: every physical name is within its limit`, async () => {
      const result = await run();
      expect(nameProblems(result)).to.deep.equal([]);
    });
  }
});
