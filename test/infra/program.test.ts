// The whole program, run under mocks for the dev and the prod stack config (Pulumi.<stack>.yaml over the
// defaults of Pulumi.yaml, plus what a user sets with `pulumi config set`), each in its own process.
import {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { expect } from "chai";
import versions from "../../versions.json";
import { renderDag } from "../../infra/dag";
import { committedFile, constraintsFileName, mwaaRequirementsText, PINNED } from "../../infra/mwaaPlugins";
import { deploymentFingerprint as deploymentFingerprintOf } from "../../infra/ingestApi";
import { PolicyDocument, policyViolations } from "../../infra/iam";
import { buildJobWheel } from "../../infra/jobPackage";
import { s3SinkDeadLetterTopicName, unityCatalogNames } from "../../infra/physicalNames";
import { kinesisRequestTemplate, streamRoutes } from "../../infra/kinesisTemplates";
import { dagFileName, PROJECT, streamNames, topicNames } from "../../infra/names";
import { policies } from "../../infra/policy/policies";
import { securityPolicies } from "../../infra/policy/security";
import { trustPolicyViolations } from "../../infra/iam";
import { KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE } from "../../infra/kinesisTemplates";
import { S3_SINK_FILE_NAME_TEMPLATE } from "../../infra/s3SinkConfig";
import {
  ACCOUNT_ID,
  AL2023_AMI,
  DEPLOYER,
  RecordedResource,
  runStack,
  StackRun,
  TEST_CONFLUENT_SHA256,
  TEST_CONNECTOR_ARCHIVE_SHA256,
} from "./harness/stackRun";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";
type Json = Record<string, unknown>;

const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Json)[SECRET_SIG] === SECRET_MARK;
const reveal = <T = unknown>(value: unknown): T =>
  isSecret(value) ? ((value as Json).value as T) : (value as T);

const HOST = "https://dbc-1234abcd-5678.cloud.databricks.com";
/** The application id of the service principal prod's Airflow token belongs to. */
const AIRFLOW_SP = "6f0e2a9c-1d3b-4c5e-8f7a-9b0c1d2e3f40";
const USER_SET = {
  dev: {
    values: {
      [`${PROJECT}:databricksHost`]: HOST,
      [`${PROJECT}:databricksToken`]: "dapi-dev-token",
      [`${PROJECT}:confluentSha256`]: TEST_CONFLUENT_SHA256,
      [`${PROJECT}:connectPluginSha256`]: TEST_CONNECTOR_ARCHIVE_SHA256,
    },
    secretKeys: [`${PROJECT}:databricksToken`],
  },
  prod: {
    values: {
      [`${PROJECT}:databricksHost`]: HOST,
      [`${PROJECT}:confluentSha256`]: TEST_CONFLUENT_SHA256,
      [`${PROJECT}:connectPluginSha256`]: TEST_CONNECTOR_ARCHIVE_SHA256,
      [`${PROJECT}:databricksClientId`]: "sp-application-id",
      [`${PROJECT}:databricksClientSecret`]: "sp-oauth-secret",
      [`${PROJECT}:airflowDatabricksToken`]: "dapi-airflow-token",
      [`${PROJECT}:airflowDatabricksPrincipal`]: AIRFLOW_SP,
      [`${PROJECT}:databricksJobsServicePrincipal`]: "8d23ae77-912e-4a19-81e4-b9c3f5cc9349",
    },
    secretKeys: [`${PROJECT}:databricksClientSecret`, `${PROJECT}:airflowDatabricksToken`],
  },
};

const EXPECTED = {
  dev: {
    prefix: "pinpipe-dev",
    azCount: 2,
    natGateways: 1,
    brokers: 2,
    partitions: 3,
    replication: 2,
    proxies: 1,
    streamMode: "ON_DEMAND",
    admin: false,
    paused: "PAUSED",
    stage: "dev",
    catalog: undefined,
    forceDestroy: true,
  },
  prod: {
    prefix: "pinpipe-prod",
    azCount: 3,
    natGateways: 3,
    brokers: 3,
    partitions: 12,
    replication: 3,
    proxies: 2,
    streamMode: "PROVISIONED",
    admin: false,
    paused: "UNPAUSED",
    stage: "prod",
    catalog: undefined,
    forceDestroy: false,
  },
};

class Resources {
  constructor(readonly run: StackRun) {}
  all(type: string): RecordedResource[] {
    return this.run.resources.filter((resource) => resource.type === type);
  }
  one(type: string, nameSuffix = ""): RecordedResource {
    const found = this.all(type).filter((resource) => resource.name.endsWith(nameSuffix));
    expect(found, `${type} *${nameSuffix}`).to.have.length(1);
    return found[0];
  }
  byId(id: unknown): RecordedResource {
    const found = this.run.resources.find((resource) => resource.id === id);
    if (!found) throw new Error(`no resource with id ${String(id)}`);
    return found;
  }
}

/** Every IAM policy document the program creates, with where it comes from. */
function policyDocuments(run: StackRun): { where: string; doc: PolicyDocument }[] {
  const documents: { where: string; doc: PolicyDocument }[] = [];
  for (const resource of run.resources) {
    const fields =
      resource.type === "aws:iam/role:Role"
        ? ["assumeRolePolicy"]
        : [
              "aws:iam/rolePolicy:RolePolicy",
              "aws:iam/policy:Policy",
              "aws:s3/bucketPolicy:BucketPolicy",
            ].includes(resource.type)
          ? ["policy"]
          : [];
    for (const field of fields) {
      documents.push({
        where: `${resource.name}.${field}`,
        doc: JSON.parse(reveal<string>(resource.inputs[field])) as PolicyDocument,
      });
    }
  }
  return documents;
}

/** The recorded resources as CrossGuard sees them; `bucket` properties depend on the bucket they name. */
function asPolicyResources(run: StackRun): PolicyResource[] {
  const reveal_ = (value: unknown): unknown =>
    isSecret(value)
      ? reveal(value)
      : Array.isArray(value)
        ? value.map(reveal_)
        : typeof value === "object" && value !== null
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal_(v)]))
          : value;
  const resources = run.resources.map(
    (resource) =>
      ({
        type: resource.type,
        name: resource.name,
        props: reveal_(resource.inputs),
        urn: `urn:pulumi:${run.stack}::${PROJECT}::${resource.type}::${resource.name}`,
        dependencies: [],
        propertyDependencies: {},
      }) as unknown as PolicyResource,
  );
  run.resources.forEach((resource, index) => {
    const bucket = run.resources.findIndex(
      (candidate) => candidate.type === "aws:s3/bucket:Bucket" && candidate.id === resource.inputs.bucket,
    );
    if (bucket >= 0) resources[index].propertyDependencies.bucket = [resources[bucket]];
    // A WAF association depends on the stage and the web ACL whose ARNs it names.
    for (const property of ["resourceArn", "webAclArn"]) {
      const named = run.resources.findIndex(
        (candidate) =>
          resource.inputs[property] !== undefined && candidate.state.arn === resource.inputs[property],
      );
      if (named >= 0) resources[index].propertyDependencies[property] = [resources[named]];
    }
  });
  return resources;
}

for (const stack of ["dev", "prod"] as const) {
  describe(`the program on the ${stack} stack (mocks)`, function () {
    this.timeout(120_000);
    const expected = EXPECTED[stack];
    let run: StackRun;
    let r: Resources;

    before(async () => {
      run = await runStack(stack, USER_SET[stack]);
      r = new Resources(run);
    });

    describe("stack outputs", () => {
      it("have docs/contract.md section 6's names and shapes, and the stack's handles", () => {
        expect(Object.keys(run.outputs).sort()).to.deep.equal(
          [
            "apiKey",
            "alarmTopicArn",
            "apiUrl",
            "batchJobId",
            "dagBucket",
            "dashboardUrl",
            "dataBucket",
            "dataRoot",
            "mwaaUrl",
            "sqlWarehouseHttpPath",
            "sqlWarehouseId",
            "streamJobId",
            "streams",
            "topics",
          ].sort(),
        );
        expect(run.outputs.topics).to.deep.equal(topicNames(expected.prefix));
        expect(run.outputs.streams).to.deep.equal(streamNames(expected.prefix));
        expect(run.outputs.apiUrl).to.equal(
          `https://api0id.execute-api.us-east-1.amazonaws.com/${expected.stage}`,
        );
        expect(run.outputs.apiKey).to.equal(r.one("aws:apigateway/apiKey:ApiKey").state.value);
        expect(run.outputs.dataBucket).to.equal(`${expected.prefix}-pipeline-data-${ACCOUNT_ID}`);
        expect(run.outputs.dagBucket).to.equal(`airflow-${expected.prefix}-dags-${ACCOUNT_ID}`);
        const uc = unityCatalogNames(expected.prefix);
        expect(run.outputs.dataRoot).to.equal(`/Volumes/${uc.catalog}/${uc.landingSchema}`);
        expect(run.outputs.batchJobId).to.equal(r.one("databricks:index/job:Job", "-batch-job").id);
        expect(run.outputs.streamJobId).to.equal(r.one("databricks:index/job:Job", "-stream-job").id);
        expect(run.outputs.mwaaUrl).to.match(/^https:\/\/.+\.airflow\.us-east-1\.on\.aws$/);
        const warehouse = r.one("databricks:index/sqlEndpoint:SqlEndpoint");
        expect(run.outputs.sqlWarehouseId).to.equal(warehouse.id);
        expect(run.outputs.sqlWarehouseHttpPath).to.equal(
          (warehouse.state.odbcParams as { path: string }).path,
        );
      });

      it("only the API key is a secret output", () => {
        expect(run.secretOutputs).to.deep.equal(["apiKey"]);
      });
    });

    it("has one component per concern, and every resource name derives from the stack prefix", () => {
      const components = run.resources.filter((resource) => resource.type.startsWith("pinterest:pipeline:"));
      expect(components.map((component) => component.type).sort()).to.deep.equal(
        [
          "BatchIngestion",
          "Catalog",
          "DataLake",
          "DatabricksWorkspace",
          // prod encrypts with a customer-managed key (kmsKey: customer in Pulumi.prod.yaml).
          ...(stack === "prod" ? ["EncryptionKey"] : []),
          "IngestApi",
          "Monitoring",
          "Network",
          "Orchestration",
          "StreamIngestion",
        ]
          .map((type) => `pinterest:pipeline:${type}`)
          .sort(),
      );
      for (const resource of run.resources)
        expect(resource.name, resource.type).to.match(new RegExp(`^${expected.prefix}-`));
    });

    describe("network", () => {
      it("spans the zones with public and private subnets, and NAT for egress", () => {
        const subnets = r.all("aws:ec2/subnet:Subnet");
        expect(subnets).to.have.length(2 * expected.azCount);
        const privateSubnets = subnets.filter((subnet) => subnet.name.includes("-private-"));
        expect(new Set(privateSubnets.map((subnet) => subnet.inputs.availabilityZone)).size).to.equal(
          expected.azCount,
        );
        expect(r.all("aws:ec2/natGateway:NatGateway")).to.have.length(expected.natGateways);
        for (const table of r
          .all("aws:ec2/routeTable:RouteTable")
          .filter((t) => t.name.includes("-private-"))) {
          expect((table.inputs.routes as Json[])[0].natGatewayId).to.be.a("string");
        }
      });

      it("the REST proxy admits its NLB's security group only, and the NLB no one but the VPC link", () => {
        const proxy = r.one("aws:ec2/securityGroup:SecurityGroup", "-network-rest-proxy");
        const nlbGroup = r.one("aws:ec2/securityGroup:SecurityGroup", "-network-rest-proxy-nlb");
        const ingress = proxy.inputs.ingress as Json[];
        expect(ingress).to.have.length(1);
        expect(ingress[0]).to.include({ fromPort: 8082, toPort: 8082, protocol: "tcp" });
        expect(ingress[0].securityGroups).to.deep.equal([nlbGroup.id]);
        expect(ingress[0].cidrBlocks).to.equal(undefined);
        expect(nlbGroup.inputs.ingress ?? []).to.deep.equal([]);
        const nlb = r.one("aws:lb/loadBalancer:LoadBalancer");
        expect(nlb.inputs.securityGroups).to.deep.equal([nlbGroup.id]);
        // PrivateLink (API Gateway's VPC link) is not held to the group's (empty) inbound rules.
        expect(nlb.inputs.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic).to.equal("off");
        const health = r.one("aws:lb/targetGroup:TargetGroup").inputs.healthCheck as Json;
        expect(health).to.include({ protocol: "HTTP", port: "8082", path: "/v3/clusters" });
      });

      it("opens MSK's IAM port 9098 to the REST proxy and MSK Connect only, and nothing to the internet", () => {
        const msk = r.one("aws:ec2/securityGroup:SecurityGroup", "-network-msk");
        const ingress = msk.inputs.ingress as Json[];
        expect(ingress).to.have.length(1);
        expect(ingress[0]).to.include({ fromPort: 9098, toPort: 9098, protocol: "tcp" });
        expect((ingress[0].securityGroups as string[]).sort()).to.deep.equal(
          [
            r.one("aws:ec2/securityGroup:SecurityGroup", "-network-rest-proxy").id,
            r.one("aws:ec2/securityGroup:SecurityGroup", "-network-connect").id,
          ].sort(),
        );
        expect(ingress[0].cidrBlocks).to.equal(undefined);
        for (const group of r.all("aws:ec2/securityGroup:SecurityGroup")) {
          for (const rule of (group.inputs.ingress as Json[] | undefined) ?? [])
            expect(rule.cidrBlocks ?? [], group.name).not.to.include("0.0.0.0/0");
        }
      });
    });

    describe("warnings at pulumi up", () => {
      it("without alarmEmails and jobFailureEmails the program says at every up that nobody hears", () => {
        // @pulumi/pulumi log.warn: without an engine (the mocks) it prints "warning: [runtime] <message>".
        expect(run.stderr).to.contain("warning: [runtime] no alarmEmails");
        expect(run.stderr).to.contain("warning: [runtime] no jobFailureEmails or jobFailureWebhookUrl");
        expect(run.stderr).not.to.contain("no access or execution logs");
      });
    });

    describe("egress before its users", () => {
      it("MWAA, the REST proxy instances and the connector wait for the NAT gateways and the private routes", () => {
        // Private subnets reach the internet only through the NAT gateway and their route table association
        // (MWAA's networking guide: private subnets need a route to a NAT gateway); nothing else orders them.
        const egress = [
          ...r.all("aws:ec2/natGateway:NatGateway"),
          ...r
            .all("aws:ec2/routeTableAssociation:RouteTableAssociation")
            .filter((a) => a.name.includes("-private-")),
        ].map((resource) => `${resource.type}::${resource.name}`);
        expect(egress).to.have.length(expected.natGateways + expected.azCount);
        for (const user of [
          r.one("aws:mwaa/environment:Environment"),
          r.one("aws:mskconnect/connector:Connector"),
          ...r.all("aws:ec2/instance:Instance"),
        ])
          expect(user.dependsOn, user.name).to.include.members(egress);
      });
    });

    describe("data lake", () => {
      it("is versioned, encrypted, blocked from the public and TLS only", () => {
        const bucket = r
          .all("aws:s3/bucket:Bucket")
          .find((b) => b.inputs.bucket === run.outputs.dataBucket) as RecordedResource;
        expect(bucket.inputs.forceDestroy).to.equal(expected.forceDestroy);
        const of = (type: string) => r.all(type).filter((resource) => resource.inputs.bucket === bucket.id);
        expect(
          of("aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration,
        ).to.deep.equal({ status: "Enabled" });
        expect(
          of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
        ).to.have.length(1);
        expect(of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        const policy = JSON.parse(
          of("aws:s3/bucketPolicy:BucketPolicy")[0].inputs.policy as string,
        ) as PolicyDocument;
        expect(policy.Statement[0]).to.include({ Effect: "Deny" });
        expect(policy.Statement[0].Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
      });
    });

    describe("batch ingestion", () => {
      it("MSK: IAM client auth, TLS, brokers over the zones, no topic auto-creation", () => {
        const cluster = r.one("aws:msk/cluster:Cluster");
        expect(cluster.inputs.clusterName).to.equal(`${expected.prefix}-msk`);
        expect(cluster.inputs.numberOfBrokerNodes).to.equal(expected.brokers);
        expect(cluster.inputs.clientAuthentication).to.deep.equal({
          sasl: { iam: true },
          unauthenticated: false,
        });
        // (prod adds its customer key at rest; the hardening tests check that.)
        expect((cluster.inputs.encryptionInfo as Json).encryptionInTransit).to.deep.equal({
          clientBroker: "TLS",
          inCluster: true,
        });
        expect((cluster.inputs.brokerNodeGroupInfo as Json).clientSubnets).to.have.length(expected.azCount);
        expect(r.one("aws:msk/configuration:Configuration").inputs.serverProperties).to.contain(
          "auto.create.topics.enable=false",
        );
      });

      it("declares the three topics and the S3 sink's dead-letter topic", () => {
        const topics = r.all("aws:msk/topic:Topic").filter((topic) => !topic.name.endsWith("-dead-letter"));
        expect(topics.map((topic) => topic.inputs.name).sort()).to.deep.equal(
          Object.values(topicNames(expected.prefix)).sort(),
        );
        // auto.create.topics.enable=false: Connect could not create it, so the program does; the connector
        // sends its rejects there and waits for it.
        const deadLetter = r.one("aws:msk/topic:Topic", "-topic-dead-letter");
        expect(deadLetter.inputs).to.include({
          name: s3SinkDeadLetterTopicName(expected.prefix),
          replicationFactor: expected.replication,
        });
        const connector = r.one("aws:mskconnect/connector:Connector");
        expect(
          (connector.inputs.connectorConfiguration as Record<string, string>)[
            "errors.deadletterqueue.topic.name"
          ],
        ).to.equal(deadLetter.inputs.name);
        expect(connector.dependsOn).to.include(`aws:msk/topic:Topic::${deadLetter.name}`);
        const connectorPolicy = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-batch-s3-sink").inputs.policy as string,
        ) as PolicyDocument;
        expect(
          connectorPolicy.Statement.find((statement) => statement.Sid === "WriteDeadLetterTopic")?.Resource,
        ).to.deep.equal([
          `${(r.one("aws:msk/cluster:Cluster").state.arn as string).replace(":cluster/", ":topic/")}/${deadLetter.inputs.name as string}`,
        ]);
        for (const topic of topics)
          expect(topic.inputs).to.include({
            partitionCount: expected.partitions,
            replicationFactor: expected.replication,
          });
      });

      it("REST proxies: Amazon Linux 2023, private, spread over zones, IMDSv2, no SSH key, SSM, real user data", () => {
        const instances = r.all("aws:ec2/instance:Instance");
        expect(instances).to.have.length(expected.proxies);
        expect(
          new Set(instances.map((instance) => r.byId(instance.inputs.subnetId).inputs.availabilityZone)).size,
        ).to.equal(expected.proxies);
        expect(
          run.invokes.find((invoke) => invoke.token === "aws:ssm/getParameter:getParameter")?.inputs.name,
        ).to.equal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        for (const instance of instances) {
          expect(instance.inputs.ami).to.equal(AL2023_AMI);
          expect(instance.inputs.metadataOptions).to.include({ httpTokens: "required" });
          expect(instance.inputs.keyName).to.equal(undefined);
          expect(instance.inputs.associatePublicIpAddress).to.equal(false);
          expect(r.byId(instance.inputs.subnetId).name).to.contain("-private-");
          const userData = instance.inputs.userData as string;
          expect(userData).to.contain(
            `bootstrap.servers=${r.one("aws:msk/cluster:Cluster").state.bootstrapBrokersSaslIam}`,
          );
          expect(userData).to.contain("kafka-rest.service");
        }
        expect(r.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
          "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        );
      });

      it("the proxy's role can produce to this cluster's three topics only", () => {
        const doc = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-rest-proxy-produce").inputs.policy as string,
        ) as PolicyDocument;
        const clusterArn = r.one("aws:msk/cluster:Cluster").state.arn as string;
        const topicArns = Object.values(topicNames(expected.prefix)).map(
          (topic) => `${clusterArn.replace(":cluster/", ":topic/")}/${topic}`,
        );
        expect(
          doc.Statement.find((statement) => statement.Sid === "ProduceToPipelineTopics")?.Resource,
        ).to.have.members(topicArns);
      });

      it("MSK Connect: the uploaded S3 sink plugin, IAM + TLS to the brokers, the contract's layout, CloudWatch logs", () => {
        const pluginObject = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-s3-sink-plugin");
        expect(pluginObject.inputs.key).to.equal("connect-plugins/s3-connector-for-apache-kafka-2.15.0.zip");
        expect(r.byId(pluginObject.inputs.bucket).inputs.bucket).to.equal(run.outputs.dataBucket);
        const plugin = r.one("aws:mskconnect/customPlugin:CustomPlugin");
        expect(plugin.inputs.contentType).to.equal("ZIP");
        const connector = r.one("aws:mskconnect/connector:Connector");
        expect(connector.inputs.kafkaClusterClientAuthentication).to.deep.equal({
          authenticationType: "IAM",
        });
        expect(connector.inputs.kafkaClusterEncryptionInTransit).to.deep.equal({ encryptionType: "TLS" });
        expect((connector.inputs.plugins as Json[])[0]).to.deep.equal({
          customPlugin: { arn: plugin.state.arn, revision: 1 },
        });
        const config = connector.inputs.connectorConfiguration as Record<string, string>;
        expect(config.topics.split(",").sort()).to.deep.equal(
          Object.values(topicNames(expected.prefix)).sort(),
        );
        expect(config["aws.s3.bucket.name"]).to.equal(run.outputs.dataBucket);
        expect(config["file.name.template"]).to.equal(S3_SINK_FILE_NAME_TEMPLATE);
        expect(S3_SINK_FILE_NAME_TEMPLATE).to.match(/^topics\/\{\{topic\}\}\/partition=\{\{partition\}\}\//);
        expect(config["format.output.type"]).to.equal("jsonl");
        expect(((connector.inputs.logDelivery as Json).workerLogDelivery as Json).cloudwatchLogs).to.include({
          enabled: true,
        });
        expect(connector.inputs.serviceExecutionRoleArn).to.equal(
          r.one("aws:iam/role:Role", "-batch-s3-sink").state.arn,
        );
      });

      it("the connector writes S3 through a role only its execution role may assume, with no key anywhere", () => {
        const connector = r.one("aws:mskconnect/connector:Connector");
        const config = connector.inputs.connectorConfiguration as Record<string, string>;
        const writer = r.one("aws:iam/role:Role", "-batch-s3-sink-writer");
        expect(config["aws.sts.role.arn"]).to.equal(writer.state.arn);
        expect(config["aws.sts.role.session.name"]).to.equal(`${expected.prefix}-s3-sink`);
        expect(Object.keys(config).filter((key) => /access\.key|secret/.test(key))).to.deep.equal([]);
        const trust = JSON.parse(writer.inputs.assumeRolePolicy as string) as PolicyDocument;
        expect(trust.Statement).to.deep.equal([
          {
            Effect: "Allow",
            Principal: { AWS: r.one("aws:iam/role:Role", "-batch-s3-sink").state.arn },
            Action: "sts:AssumeRole",
          },
        ]);
        const writes = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-batch-s3-sink-writer").inputs.policy as string,
        ) as PolicyDocument;
        const bucketArn = `arn:aws:s3:::${run.outputs.dataBucket as string}`;
        expect(
          writes.Statement.find((statement) => statement.Sid === "WriteTopicFiles")?.Resource,
        ).to.deep.equal([`${bucketArn}/topics/*`]);
        const execution = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-batch-s3-sink").inputs.policy as string,
        ) as PolicyDocument;
        expect(execution.Statement.flatMap((statement) => [statement.Action].flat())).not.to.include(
          "s3:PutObject",
        );
      });
    });

    describe("stream ingestion", () => {
      it("three KMS-encrypted streams named from the prefix, in the configured capacity mode", () => {
        const streams = r.all("aws:kinesis/stream:Stream");
        expect(streams.map((stream) => stream.inputs.name).sort()).to.deep.equal(
          Object.values(streamNames(expected.prefix)).sort(),
        );
        for (const stream of streams) {
          expect(stream.inputs).to.include({ encryptionType: "KMS" });
          // dev uses the AWS managed key; prod's customer key is checked with the hardening tests.
          if (stack === "dev") expect(stream.inputs.kmsKeyId).to.equal("alias/aws/kinesis");
          expect(stream.inputs.streamModeDetails).to.deep.equal({ streamMode: expected.streamMode });
          expect(stream.inputs.retentionPeriod).to.equal(stack === "dev" ? 24 : 168);
        }
      });
    });

    describe("ingest API", () => {
      it("has the contract's routes, create/delete only where allowed, and an API key on every method", () => {
        const methods = r.all("aws:apigateway/method:Method");
        const routes = methods
          .map((method) => `${method.inputs.httpMethod} ${r.byId(method.inputs.resourceId).inputs.pathPart}`)
          .sort();
        const expectedRoutes = [
          "POST {topic}",
          ...streamRoutes(expected.admin).map(
            (route) => `${route.httpMethod} ${route.path.split("/").pop()}`,
          ),
        ].sort();
        expect(routes).to.deep.equal(expectedRoutes);
        for (const method of methods) expect(method.inputs.apiKeyRequired, `${method.name}`).to.equal(true);
      });

      it("POST /topics/{topic} reaches the REST proxy privately through a VPC link and an internal NLB", () => {
        const nlb = r.one("aws:lb/loadBalancer:LoadBalancer");
        expect(nlb.inputs).to.include({ internal: true, loadBalancerType: "network" });
        const integration = r
          .all("aws:apigateway/integration:Integration")
          .find((candidate) => candidate.inputs.type === "HTTP_PROXY") as RecordedResource;
        expect(integration.inputs).to.include({
          connectionType: "VPC_LINK",
          connectionId: r.one("aws:apigateway/vpcLink:VpcLink").id,
        });
        expect(integration.inputs.uri).to.equal(`http://${nlb.state.dnsName}:8082/topics/{topic}`);
        expect(integration.inputs.requestParameters).to.deep.equal({
          "integration.request.path.topic": "method.request.path.topic",
        });
        const targets = r
          .all("aws:lb/targetGroupAttachment:TargetGroupAttachment")
          .map((a) => a.inputs.targetId);
        expect(targets).to.have.members(r.all("aws:ec2/instance:Instance").map((instance) => instance.id));
        expect(targets).to.have.length(expected.proxies);
      });

      it("a bad request body or a missing Content-Type gets a 400 from API Gateway (request validation)", () => {
        const validator = r.one("aws:apigateway/requestValidator:RequestValidator");
        expect(validator.inputs).to.include({ validateRequestBody: true, validateRequestParameters: true });
        const models = new Map(
          r.all("aws:apigateway/model:Model").map((model) => [model.inputs.name as string, model.inputs]),
        );
        const withBody = r
          .all("aws:apigateway/method:Method")
          .filter((method) =>
            ["POST {topic}", "PUT record", "PUT records"].includes(
              `${method.inputs.httpMethod} ${r.byId(method.inputs.resourceId).inputs.pathPart}`,
            ),
          );
        expect(withBody).to.have.length(3);
        for (const method of withBody) {
          expect(method.inputs.requestValidatorId, method.name).to.equal(validator.id);
          expect(method.inputs.requestParameters, method.name).to.include({
            "method.request.header.Content-Type": true,
          });
          const [[contentType, modelName]] = Object.entries(
            method.inputs.requestModels as Record<string, string>,
          );
          const model = models.get(modelName);
          expect(model?.contentType, method.name).to.equal(contentType);
          expect((JSON.parse(model?.schema as string) as Json).required, method.name)
            .to.be.an("array")
            .with.length.greaterThan(0);
        }
        // The produce route's model is keyed by Kafka REST's content type (the one the emulator sends).
        const produce = withBody.find((method) => method.inputs.httpMethod === "POST");
        expect(Object.keys(produce?.inputs.requestModels as Json)).to.deep.equal([
          "application/vnd.kafka.json.v2+json",
        ]);
      });

      it("the stage deployment is redeployed whenever anything it serves changes", () => {
        const deployment = r.one("aws:apigateway/deployment:Deployment");
        const trigger = (deployment.inputs.triggers as Record<string, string>).configuration;
        expect(trigger).to.match(/^[0-9a-f]{64}$/);
        // The fingerprint covers the resolved arguments of every served resource, in declaration order.
        const kinds: Record<string, string> = {
          "aws:apigateway/requestValidator:RequestValidator": "validator",
          "aws:apigateway/model:Model": "model",
          "aws:apigateway/method:Method": "method",
          "aws:apigateway/integration:Integration": "integration",
          "aws:apigateway/methodResponse:MethodResponse": "methodResponse",
          "aws:apigateway/integrationResponse:IntegrationResponse": "integrationResponse",
        };
        const served = run.resources.filter((resource) => kinds[resource.type]);
        const byKind = (kind: string) => served.filter((resource) => kinds[resource.type] === kind);
        expect(byKind("integration").map((integration) => integration.inputs.uri)).to.include(
          `http://${r.one("aws:lb/loadBalancer:LoadBalancer").state.dnsName}:8082/topics/{topic}`,
        );
        expect(deployment.inputs.triggers).to.deep.equal({
          configuration: deploymentFingerprintOf(
            served.map((resource) => ({ kind: kinds[resource.type], args: resource.inputs })),
          ),
        });
      });

      it("Kinesis integrations use the templates and a role limited to the three streams", () => {
        const kinesis = r
          .all("aws:apigateway/integration:Integration")
          .filter((integration) => integration.inputs.type === "AWS");
        expect(kinesis).to.have.length(streamRoutes(expected.admin).length);
        const role = r.one("aws:iam/role:Role", "-ingest-kinesis");
        for (const integration of kinesis) {
          const action = (integration.inputs.uri as string).split("/").pop() as Parameters<
            typeof kinesisRequestTemplate
          >[0];
          expect(integration.inputs.requestTemplates).to.deep.equal({
            "application/json": kinesisRequestTemplate(action),
          });
          expect(integration.inputs.credentials).to.equal(role.state.arn);
        }
        const doc = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-ingest-kinesis").inputs.policy as string,
        ) as PolicyDocument;
        const streamArns = r.all("aws:kinesis/stream:Stream").map((stream) => stream.state.arn);
        for (const statement of doc.Statement) expect(statement.Resource).to.have.members(streamArns);
        // A Kinesis 4xx goes through the template that turns throttling into 429, which the method declares.
        const clientErrors = r
          .all("aws:apigateway/integrationResponse:IntegrationResponse")
          .filter((response) => response.inputs.statusCode === "400");
        expect(clientErrors).to.have.length(kinesis.length);
        for (const response of clientErrors)
          expect(response.inputs.responseTemplates).to.deep.equal({
            "application/json": KINESIS_CLIENT_ERROR_RESPONSE_TEMPLATE,
          });
        expect(
          r.all("aws:apigateway/methodResponse:MethodResponse").filter((m) => m.inputs.statusCode === "429"),
        ).to.have.length(kinesis.length);
      });

      it(`authorization ${stack === "prod" ? "AWS_IAM (SigV4) and the key" : "by the API key"}; ${stack === "prod" ? "a WAF rate rule on the stage" : "no WAF"}`, () => {
        for (const method of r.all("aws:apigateway/method:Method"))
          expect(method.inputs.authorization, method.name).to.equal(stack === "prod" ? "AWS_IAM" : "NONE");
        const associations = r.all("aws:wafv2/webAclAssociation:WebAclAssociation");
        if (stack === "dev") {
          expect(associations).to.deep.equal([]);
          return;
        }
        expect(associations).to.have.length(1);
        expect(associations[0].inputs.resourceArn).to.equal(r.one("aws:apigateway/stage:Stage").state.arn);
        const acl = r.one("aws:wafv2/webAcl:WebAcl");
        expect(associations[0].inputs.webAclArn).to.equal(acl.state.arn);
        expect(((acl.inputs.rules as Json[])[0].statement as Json).rateBasedStatement).to.deep.equal({
          limit: 100000,
          aggregateKeyType: "IP",
        });
      });

      it("a stage with JSON access logs, a throttled usage plan and the key attached", () => {
        const stage = r.one("aws:apigateway/stage:Stage");
        expect(stage.inputs.stageName).to.equal(expected.stage);
        const logs = stage.inputs.accessLogSettings as Json;
        expect(logs.destinationArn).to.equal(
          r.one("aws:cloudwatch/logGroup:LogGroup", "-ingest-access-logs").state.arn,
        );
        expect(JSON.parse(logs.format as string)).to.include({
          requestId: "$context.requestId",
          status: "$context.status",
        });
        // Both kinds of stage logging need API Gateway's account-wide CloudWatch role, else the stage's creation
        // fails: "CloudWatch Logs role ARN must be set in account settings to enable logging" (AWS API Gateway
        // developer guide, "Set up CloudWatch logging for REST APIs", Permissions; anomalyco/sst#1556,
        // aws-solutions/virtual-waiting-module-on-aws#74). Dev, the stack deployed first, sets the role and the
        // stage waits for it; prod relies on dev's (apiLoggingRoleExists), so two stacks never both set it.
        const accounts = r.all("aws:apigateway/account:Account");
        if (stack === "dev") {
          expect(accounts).to.have.length(1);
          expect(stage.dependsOn).to.include(`aws:apigateway/account:Account::${accounts[0].name}`);
        } else expect(accounts).to.deep.equal([]);
        expect(
          (r.one("aws:apigateway/methodSettings:MethodSettings").inputs.settings as Json).loggingLevel,
        ).to.equal("ERROR");
        const plan = r.one("aws:apigateway/usagePlan:UsagePlan");
        expect(plan.inputs.throttleSettings).to.deep.equal(
          stack === "dev" ? { rateLimit: 50, burstLimit: 100 } : { rateLimit: 2000, burstLimit: 4000 },
        );
        expect(plan.inputs.quotaSettings).to.deep.equal(
          stack === "dev" ? { limit: 10_000_000, period: "DAY" } : { limit: 500_000_000, period: "DAY" },
        );
        const planKey = r.one("aws:apigateway/usagePlanKey:UsagePlanKey");
        expect(planKey.inputs).to.include({
          keyId: r.one("aws:apigateway/apiKey:ApiKey").id,
          usagePlanId: plan.id,
          keyType: "API_KEY",
        });
      });
    });

    describe("orchestration", () => {
      it("MWAA: pinned Airflow version, private webserver, two private subnets, secrets backend", () => {
        const mwaa = r.one("aws:mwaa/environment:Environment");
        expect(mwaa.inputs.airflowVersion).to.equal(versions.mwaaAirflow);
        expect(mwaa.inputs.webserverAccessMode).to.equal("PRIVATE_ONLY");
        const subnets = (mwaa.inputs.networkConfiguration as Json).subnetIds as string[];
        expect(subnets).to.have.length(2);
        for (const subnet of subnets) expect(r.byId(subnet).name).to.contain("-private-");
        expect(reveal<Json>(mwaa.inputs.airflowConfigurationOptions)).to.deep.equal({
          "secrets.backend": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
          "secrets.backend_kwargs": JSON.stringify({
            connections_prefix: `airflow/${expected.prefix}/connections`,
            variables_prefix: null,
          }),
        });
        expect(
          r.byId(r.all("aws:s3/bucket:Bucket").find((b) => b.inputs.bucket === run.outputs.dagBucket)?.id)
            .inputs.bucket,
        ).to.match(/^airflow-/);
      });

      it("uploads the DAG, plugins.zip, the constraints and requirements, and points MWAA at those versions", () => {
        const dag = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-orchestration-dag");
        expect(dag.inputs.key).to.equal(`dags/${dagFileName(expected.prefix)}`);
        expect(dag.inputs.content).to.equal(
          renderDag({ prefix: expected.prefix, jobId: run.outputs.batchJobId as string, schedule: "@daily" }),
        );
        const requirements = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-orchestration-requirements");
        expect(requirements.inputs.key).to.equal("requirements.txt");
        expect(requirements.inputs.content).to.equal(mwaaRequirementsText(PINNED));
        const plugins = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-orchestration-plugins");
        expect(plugins.inputs.key).to.equal("plugins.zip");
        // A file asset (the mocks record its path as a pending value): the built zip, not inline content.
        expect((plugins.inputs.source as Json).__pulumiAsset).to.equal(true);
        expect(plugins.inputs.content).to.equal(undefined);
        expect(plugins.inputs.contentType).to.equal("application/zip");
        const constraints = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-orchestration-constraints");
        // The requirements name it as /usr/local/airflow/dags/<file>: MWAA syncs the bucket's dags/ there.
        expect(constraints.inputs.key).to.equal(`dags/${constraintsFileName(PINNED)}`);
        expect(constraints.inputs.content).to.equal(committedFile(constraintsFileName(PINNED)));
        const dagBucket = r
          .all("aws:s3/bucket:Bucket")
          .find((b) => b.inputs.bucket === run.outputs.dagBucket) as RecordedResource;
        expect(dag.inputs.bucket).to.equal(dagBucket.id);
        expect(requirements.inputs.bucket).to.equal(dagBucket.id);
        expect(plugins.inputs.bucket).to.equal(dagBucket.id);
        expect(constraints.inputs.bucket).to.equal(dagBucket.id);
        const mwaa = r.one("aws:mwaa/environment:Environment");
        expect(mwaa.inputs.sourceBucketArn).to.equal(dagBucket.state.arn);
        expect(mwaa.inputs.dagS3Path).to.equal("dags");
        expect(mwaa.inputs.requirementsS3Path).to.equal("requirements.txt");
        expect(mwaa.inputs.requirementsS3ObjectVersion).to.equal(requirements.state.versionId);
        expect(mwaa.inputs.pluginsS3Path).to.equal("plugins.zip");
        expect(mwaa.inputs.pluginsS3ObjectVersion).to.equal(plugins.state.versionId);
        expect(mwaa.dependsOn).to.include(`aws:s3/bucketObjectv2:BucketObjectv2::${constraints.name}`);
      });

      it("the Databricks connection is a Secrets Manager secret set from a Pulumi secret", () => {
        const secret = r.one("aws:secretsmanager/secret:Secret");
        expect(secret.inputs.name).to.equal(`airflow/${expected.prefix}/connections/databricks_default`);
        const version = r.one("aws:secretsmanager/secretVersion:SecretVersion");
        expect(isSecret(version.inputs.secretString)).to.equal(true);
        const connection = JSON.parse(reveal<string>(version.inputs.secretString)) as Json;
        expect(connection).to.deep.equal({
          conn_type: "databricks",
          host: HOST,
          password: stack === "dev" ? "dapi-dev-token" : "dapi-airflow-token",
        });
        const doc = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-orchestration-execution").inputs.policy as string,
        ) as PolicyDocument;
        const read = doc.Statement.find((statement) => statement.Sid === "ReadAirflowConnections");
        expect(read?.Resource).to.deep.equal([
          `arn:aws:secretsmanager:us-east-1:${ACCOUNT_ID}:secret:airflow/${expected.prefix}/connections/*`,
        ]);
      });
    });

    describe("databricks", () => {
      const uc = () => unityCatalogNames(expected.prefix);
      const underscored = () => expected.prefix.replace(/-/g, "_");

      it("the workspace provider uses the configured host and secret credentials", () => {
        const provider = r.one("pulumi:providers:databricks");
        expect(provider.inputs.host).to.equal(HOST);
        if (stack === "dev")
          expect(isSecret(provider.inputs.token) && reveal(provider.inputs.token)).to.equal("dapi-dev-token");
        else {
          expect(provider.inputs.clientId).to.equal("sp-application-id");
          expect(isSecret(provider.inputs.clientSecret) && reveal(provider.inputs.clientSecret)).to.equal(
            "sp-oauth-secret",
          );
        }
        for (const resource of run.resources.filter((candidate) =>
          candidate.type.startsWith("databricks:index/"),
        )) {
          expect(resource.provider, resource.name).to.match(/pulumi:providers:databricks::/);
        }
      });

      it("Unity Catalog storage by default: no DBFS mount, no instance profile, no all-purpose cluster", () => {
        for (const type of [
          "databricks:index/mount:Mount",
          "databricks:index/instanceProfile:InstanceProfile",
          "databricks:index/cluster:Cluster",
          "aws:iam/instanceProfile:InstanceProfile",
        ])
          expect(
            r.all(type).filter((resource) => !resource.name.includes("-batch-rest-proxy")),
            type,
          ).to.deep.equal([]);
      });

      it("a storage credential whose named role trusts Databricks' UC master role with its external id, and itself", () => {
        const credential = r.one("databricks:index/storageCredential:StorageCredential");
        const role = r.one("aws:iam/role:Role", "-databricks-uc-storage");
        expect(credential.inputs.name).to.equal(uc().storageCredential);
        expect((credential.inputs.awsIamRole as Json).roleArn).to.equal(role.state.arn);
        expect(role.inputs.name).to.equal(`${expected.prefix}-uc-storage`);
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as PolicyDocument;
        const externalId = (credential.state.awsIamRole as Json).externalId;
        expect(trust.Statement[0].Condition).to.deep.equal({
          StringEquals: { "sts:ExternalId": externalId },
        });
        expect(trust.Statement[1].Condition).to.deep.equal({
          ArnLike: { "aws:PrincipalArn": role.state.arn },
          StringEquals: { "sts:ExternalId": externalId },
        });
        const access = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-databricks-uc-storage").inputs.policy as string,
        ) as PolicyDocument;
        const bucketArn = `arn:aws:s3:::${run.outputs.dataBucket as string}`;
        // The folders UC uses (the sink's topics read only), not the bucket: not the connector plugin.
        expect(access.Statement.flatMap((statement) => [statement.Resource].flat())).to.have.members([
          bucketArn,
          `${bucketArn}/topics/*`,
          `${bucketArn}/${uc().checkpointsVolume}/*`,
          `${bucketArn}/${uc().artifactsVolume}/*`,
          `${bucketArn}/unity-catalog/*`,
          role.state.arn,
        ]);
        const plugin = r.one("aws:s3/bucketObjectv2:BucketObjectv2", "-s3-sink-plugin");
        expect(String(plugin.inputs.key)).to.match(/^connect-plugins\//);
      });

      it("an external location on the data bucket, a catalog of the stack's own (not main) and the schemas", () => {
        const location = r.one("databricks:index/externalLocation:ExternalLocation");
        expect(location.inputs).to.include({
          name: uc().externalLocation,
          url: `s3://${run.outputs.dataBucket as string}`,
          credentialName: uc().storageCredential,
        });
        // Created seconds after IAM made the role: validating it then fails until IAM has propagated
        // (databricks/terraform-provider-databricks#3069: "AWS IAM role does not have READ permissions", a
        // rerun succeeds); skip_validation (provider PR #1330) leaves the check for after the deployment.
        expect(location.inputs.skipValidation).to.equal(true);
        const catalog = r.one("databricks:index/catalog:Catalog");
        expect(catalog.inputs.name).to.equal(underscored());
        expect(catalog.inputs.name).not.to.equal("main");
        expect(catalog.inputs.storageRoot).to.equal(`s3://${run.outputs.dataBucket as string}/unity-catalog`);
        expect(
          r
            .all("databricks:index/schema:Schema")
            .map((schema) => `${schema.inputs.catalogName}.${schema.inputs.name}`)
            .sort(),
        ).to.deep.equal(
          [`${underscored()}_batch`, `${underscored()}_landing`, `${underscored()}_stream`]
            .map((schema) => `${underscored()}.${schema}`)
            .sort(),
        );
      });

      it("external volumes over the sink's topics/, the checkpoints and the wheel, inside the external location", () => {
        const bucket = `s3://${run.outputs.dataBucket as string}`;
        const volumes = r.all("databricks:index/volume:Volume");
        expect(
          volumes.map((volume) => [
            volume.inputs.name,
            volume.inputs.volumeType,
            volume.inputs.storageLocation,
          ]),
        ).to.have.deep.members([
          ["topics", "EXTERNAL", `${bucket}/topics`],
          ["checkpoints", "EXTERNAL", `${bucket}/checkpoints`],
          ["artifacts", "EXTERNAL", `${bucket}/artifacts`],
        ]);
        for (const volume of volumes) {
          expect(volume.inputs).to.include({ catalogName: underscored(), schemaName: uc().landingSchema });
        }
        // The sink's layout (docs/contract.md section 3) lands inside the topics volume.
        expect(S3_SINK_FILE_NAME_TEMPLATE.startsWith("topics/")).to.equal(true);
      });

      it("a service credential for the Kinesis source, its role reading the three streams only", () => {
        const credential = r.one("databricks:index/credential:Credential");
        expect(credential.inputs).to.include({ name: uc().serviceCredential, purpose: "SERVICE" });
        const role = r.one("aws:iam/role:Role", "-databricks-uc-kinesis");
        expect((credential.inputs.awsIamRole as Json).roleArn).to.equal(role.state.arn);
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as PolicyDocument;
        expect(trust.Statement[0].Condition).to.deep.equal({
          StringEquals: { "sts:ExternalId": (credential.state.awsIamRole as Json).externalId },
        });
        const doc = JSON.parse(
          r.one("aws:iam/rolePolicy:RolePolicy", "-databricks-uc-kinesis").inputs.policy as string,
        ) as PolicyDocument;
        const streamArns = r.all("aws:kinesis/stream:Stream").map((stream) => stream.state.arn);
        expect(
          doc.Statement.find((statement) => statement.Sid === "ReadPipelineStreams")?.Resource,
        ).to.have.members(streamArns);
      });

      it("the jobs wheel is uploaded to the artifacts volume, under a folder named by its checksum", () => {
        const wheel = buildJobWheel();
        const file = r.one("databricks:index/file:File");
        expect(file.inputs.path).to.equal(
          `/Volumes/${underscored()}/${uc().landingSchema}/artifacts/${wheel.digest}/${wheel.fileName}`,
        );
        expect(file.inputs.contentBase64).to.equal(wheel.content.toString("base64"));
      });

      it("both jobs run the wheel's entry points on single-node job clusters in dedicated access mode", () => {
        const wheelPath = r.one("databricks:index/file:File").inputs.path;
        for (const [suffix, entryPoint] of [
          ["-batch-job", "pinterest-batch"],
          ["-stream-job", "pinterest-stream"],
        ]) {
          const job = r.one("databricks:index/job:Job", suffix);
          const [task] = job.inputs.tasks as Json[];
          expect(task.pythonWheelTask, suffix).to.deep.include({ packageName: "pinterest-jobs", entryPoint });
          expect(task.libraries, suffix).to.deep.equal([{ whl: wheelPath }]);
          expect(task.sparkPythonTask, suffix).to.equal(undefined);
          expect(task.existingClusterId, suffix).to.equal(undefined);
          const cluster = task.newCluster as Json;
          expect(cluster.sparkVersion).to.equal(versions.databricksRuntime);
          expect(cluster.numWorkers).to.equal(0);
          expect(cluster).to.include({
            dataSecurityMode: "SINGLE_USER",
            singleUserName: stack === "prod" ? "8d23ae77-912e-4a19-81e4-b9c3f5cc9349" : DEPLOYER,
          });
          expect((cluster.awsAttributes as Json).instanceProfileArn, suffix).to.equal(undefined);
        }
      });

      it("a second trigger of the batch job waits in its queue instead of being skipped", () => {
        // Databricks docs, "Configure job queueing" (jobs/advanced): a run over maxConcurrentRuns is skipped
        // unless queueing is on, and only jobs made in the UI since April 2024 queue by default; a skipped run
        // fails the Airflow task. @pulumi/databricks 1.110.0 Job input `queue: { enabled }`.
        const job = r.one("databricks:index/job:Job", "-batch-job");
        expect(job.inputs).to.deep.include({ maxConcurrentRuns: 1, queue: { enabled: true } });
      });

      it("a separate Airflow identity may run the batch job (CAN_MANAGE_RUN), nothing more", () => {
        // Databricks docs, "Jobs access control": Run now and Cancel run need CAN MANAGE RUN; the run still runs
        // as the job's owner. Dev's Airflow uses the deploying identity (the owner): no grant.
        const grants = r.all("databricks:index/permissions:Permissions");
        if (stack === "dev") {
          expect(grants).to.deep.equal([]);
          return;
        }
        expect(grants).to.have.length(1);
        expect(grants[0].inputs).to.deep.equal({
          jobId: r.one("databricks:index/job:Job", "-batch-job").id,
          accessControls: [{ servicePrincipalName: AIRFLOW_SP, permissionLevel: "CAN_MANAGE_RUN" }],
        });
      });

      it("the batch job reads the topics volume's root, checkpoints in the volume, writes the batch schema", () => {
        const job = r.one("databricks:index/job:Job", "-batch-job");
        const task = (job.inputs.tasks as Json[])[0];
        const topics = topicNames(expected.prefix);
        expect((task.pythonWheelTask as Json).parameters).to.deep.equal([
          "--input",
          `/Volumes/${underscored()}/${uc().landingSchema}`,
          "--output",
          `${underscored()}.${underscored()}_batch`,
          "--checkpoint",
          `/Volumes/${underscored()}/${uc().landingSchema}/checkpoints/batch`,
          "--topics",
          `pin=${topics.pin},geo=${topics.geo},user=${topics.user}`,
          "--full-refresh={{job.parameters.full_refresh}}",
        ]);
        // A run started with full_refresh=true rebuilds every table; the Airflow DAG runs the default.
        expect(job.inputs.parameters).to.deep.equal([{ name: "full_refresh", default: "false" }]);
        expect(job.inputs.schedule).to.equal(undefined);
      });

      it("the stream job reads Kinesis with the service credential, checkpoints in the volume", () => {
        const job = r.one("databricks:index/job:Job", "-stream-job");
        expect(job.inputs.continuous).to.deep.include({ pauseStatus: expected.paused });
        const parameters = ((job.inputs.tasks as Json[])[0].pythonWheelTask as Json).parameters as string[];
        const option = (name: string) => parameters[parameters.indexOf(name) + 1];
        const streams = streamNames(expected.prefix);
        expect(option("--source")).to.equal("kinesis");
        expect(option("--streams")).to.equal(`pin=${streams.pin},geo=${streams.geo},user=${streams.user}`);
        expect(option("--checkpoint")).to.equal(
          `/Volumes/${underscored()}/${uc().landingSchema}/checkpoints/stream`,
        );
        expect(option("--output")).to.equal(`${underscored()}.${underscored()}_stream`);
        expect(option("--service-credential")).to.equal(uc().serviceCredential);
        expect(option("--region")).to.equal("us-east-1");
        expect(option("--initial-position")).to.equal("trim_horizon");
      });
    });

    it("every IAM policy document parses and has no wildcard action, nor a wildcard action on every resource", () => {
      const documents = policyDocuments(run);
      expect(documents.length).to.be.greaterThan(10);
      for (const { where, doc } of documents) {
        expect(doc.Version, where).to.equal("2012-10-17");
        expect(policyViolations(doc), where).to.deep.equal([]);
      }
    });

    it("every role trusted by an AWS service other than EC2 names the source account", () => {
      const roles = r.all("aws:iam/role:Role");
      for (const role of roles) {
        const doc = JSON.parse(role.inputs.assumeRolePolicy as string) as PolicyDocument;
        expect(trustPolicyViolations(doc), role.name).to.deep.equal([]);
      }
      const sourceArnOf = (suffix: string) =>
        (
          (JSON.parse(r.one("aws:iam/role:Role", suffix).inputs.assumeRolePolicy as string) as PolicyDocument)
            .Statement[0].Condition as Json
        ).ArnLike as Json;
      expect(sourceArnOf("-batch-s3-sink")).to.deep.equal({
        "aws:SourceArn": `arn:aws:kafkaconnect:us-east-1:${ACCOUNT_ID}:connector/${expected.prefix}-s3-sink/*`,
      });
      expect(sourceArnOf("-network-flow-logs")).to.deep.equal({
        "aws:SourceArn": `arn:aws:ec2:us-east-1:${ACCOUNT_ID}:vpc-flow-log/*`,
      });
    });

    it("buckets expire noncurrent versions; the Airflow secret is recoverable for 7 days in prod", () => {
      const lifecycles = r.all("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
      expect(lifecycles.map((lifecycle) => lifecycle.inputs.bucket).sort()).to.deep.equal(
        r
          .all("aws:s3/bucket:Bucket")
          .map((bucket) => bucket.id)
          .sort(),
      );
      for (const lifecycle of lifecycles)
        expect((lifecycle.inputs.rules as Json[])[0]).to.deep.include({
          status: "Enabled",
          noncurrentVersionExpiration: { noncurrentDays: 30 },
        });
      expect(r.one("aws:secretsmanager/secret:Secret").inputs.recoveryWindowInDays).to.equal(
        stack === "prod" ? 7 : 0,
      );
    });

    it(`the jobs run as ${stack === "prod" ? "the configured service principal, granted what they use" : "the deploying identity"}`, () => {
      const principal = "8d23ae77-912e-4a19-81e4-b9c3f5cc9349";
      const jobs = r.all("databricks:index/job:Job");
      expect(jobs).to.have.length(2);
      const grants = r.all("databricks:index/grant:Grant");
      for (const job of jobs) {
        const cluster = ((job.inputs.tasks as Json[])[0].newCluster ?? {}) as Json;
        if (stack === "prod") {
          expect(job.inputs.runAs).to.deep.equal({ servicePrincipalName: principal });
          expect(cluster.singleUserName).to.equal(principal);
        } else {
          expect(job.inputs.runAs).to.equal(undefined);
          expect(cluster.singleUserName).to.not.equal(principal);
        }
      }
      if (stack === "dev") {
        expect(grants).to.deep.equal([]);
        return;
      }
      for (const grant of grants) expect(grant.inputs.principal).to.equal(principal);
      const privilegesOn = (key: string) =>
        grants
          .filter((grant) => grant.inputs[key] !== undefined)
          .map((grant) => grant.inputs.privileges as string[]);
      expect(privilegesOn("catalog")).to.deep.equal([["USE_CATALOG"]]);
      expect(privilegesOn("credential")).to.deep.equal([["ACCESS"]]);
      // Only the checkpoints volume is written; the landed topics and the wheel are read.
      expect(
        privilegesOn("volume").filter((privileges) => privileges.includes("WRITE_VOLUME")),
      ).to.have.length(1);
      expect(privilegesOn("volume")).to.have.length(3);
      expect(privilegesOn("schema")).to.have.length(3);
    });

    it("Kafka keeps RF replicas with min.insync.replicas RF - 1 (3 and 2 in prod)", () => {
      for (const topic of r.all("aws:msk/topic:Topic"))
        expect(topic.inputs.replicationFactor).to.equal(expected.replication);
      expect(r.one("aws:msk/configuration:Configuration").inputs.serverProperties).to.include(
        `min.insync.replicas=${expected.replication - 1}\n`,
      );
    });

    it("passes every rule of the CrossGuard policy pack", async () => {
      const resources = asPolicyResources(run);
      const violations: string[] = [];
      // The hardening rules need providers and parents: test/infra/monitoring.test.ts runs them.
      for (const policy of [...policies, ...securityPolicies]) {
        const report = (message: string) => violations.push(`${policy.name}: ${message}`);
        if ("validateStack" in policy) {
          await (policy as StackValidationPolicy).validateStack(
            { resources } as unknown as StackValidationArgs,
            report,
          );
        } else {
          for (const resource of resources) {
            for (const check of [(policy as ResourceValidationPolicy).validateResource ?? []].flat()) {
              await check(resource as unknown as ResourceValidationArgs, (message: string) =>
                report(`${resource.name}: ${message}`),
              );
            }
          }
        }
      }
      expect(violations).to.deep.equal([]);
      expect(resources.filter((resource) => resource.propertyDependencies.bucket).length).to.be.greaterThan(
        8,
      );
    });
  });
}
