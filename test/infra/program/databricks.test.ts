// The program on the dev and the prod stack (mocks, one shared run per stack): databricks.
import { expect } from "chai";
import versions from "../../../versions.json";
import { PolicyDocument } from "../../../infra/iam";
import { buildJobWheel } from "../../../infra/jobPackage";
import { unityCatalogNames } from "../../../infra/physicalNames";
import { streamNames, topicNames } from "../../../infra/names";
import { S3_SINK_FILE_NAME_TEMPLATE } from "../../../infra/s3SinkConfig";
import { DEPLOYER, StackRun } from "../harness/stackRun";
import { EXPECTED } from "./expected";
import {
  AIRFLOW_SP,
  isSecret,
  Json,
  Resources,
  reveal,
  STACKS,
  useStackRun,
  WORKSPACE_HOST,
} from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let run: StackRun, r: Resources;
    useStackRun(stack, (loaded) => ({ run, r } = loaded));

    describe("databricks", () => {
      const uc = () => unityCatalogNames(expected.prefix);
      const underscored = () => expected.prefix.replace(/-/g, "_");

      it("the workspace provider uses the configured host and secret credentials", () => {
        const provider = r.one("pulumi:providers:databricks");
        expect(provider.inputs.host).to.equal(WORKSPACE_HOST);
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
  });
