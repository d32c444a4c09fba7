// The whole program, run under mocks for the dev and the prod stack config (Pulumi.<stack>.yaml over the
// defaults of Pulumi.yaml, plus what a user sets with `pulumi config set`), each in its own process: the stack
// outputs, the components, every IAM document and the policy pack. Each component has its suite in program/.
import { expect } from "chai";
import { PolicyDocument, policyViolations } from "../../infra/iam";
import { unityCatalogNames } from "../../infra/physicalNames";
import { REQUIRED_OUTPUTS } from "../../contract";
import { streamNames, topicNames } from "../../infra/names";
import { policies } from "../../infra/policy/policies";
import { ACCOUNT_ID, StackRun } from "./harness/stackRun";
import { EXPECTED } from "./program/expected";
import { asPolicyResources, Resources, reveal, STACKS, useStackRun } from "./harness/fixtures";
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

    it("every IAM policy document parses and has no wildcard action, nor a wildcard action on every resource", () => {
      const documents = policyDocuments(run);
      expect(documents.length).to.be.greaterThan(10);
      for (const { where, doc } of documents) {
        expect(doc.Version, where).to.equal("2012-10-17");
        expect(policyViolations(doc), where).to.deep.equal([]);
      }
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
