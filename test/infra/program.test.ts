// The whole program, run under mocks for the dev and the prod stack config (Pulumi.<stack>.yaml over the
// defaults of Pulumi.yaml, plus what a user sets with `pulumi config set`), each in its own process: the stack
// outputs, the components, every IAM document and the policy pack. Each component has its suite in program/.
import { expect } from "chai";
import { PolicyDocument, policyViolations } from "../../infra/iam";
import { unityCatalogNames } from "../../infra/physicalNames";
import { streamNames, topicNames } from "../../infra/names";
import { policies } from "../../infra/policy/policies";
import { trustPolicyViolations } from "../../infra/iam";
import { ACCOUNT_ID, StackRun } from "./harness/stackRun";
import { EXPECTED } from "./program/expected";
import { REQUIRED_OUTPUTS } from "../../contract";
import { asPolicyResources, Json, Resources, reveal, STACKS, useStackRun } from "./harness/fixtures";
import { runViolations } from "./harness/policyChecks";

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

for (const stack of STACKS) {
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let run: StackRun, r: Resources;
    useStackRun(stack, (loaded) => ({ run, r } = loaded));

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
        expect(run.outputs).to.include.all.keys(REQUIRED_OUTPUTS);
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
      expect(await runViolations(run, policies)).to.deep.equal([]);
      const { resources } = asPolicyResources(run);
      expect(resources.filter((resource) => resource.propertyDependencies.bucket).length).to.be.greaterThan(
        8,
      );
    });
  });
}
