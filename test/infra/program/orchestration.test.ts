// The program on the dev and the prod stack (mocks, one shared run per stack): orchestration.
import { expect } from "chai";
import versions from "../../../versions.json";
import { renderDag } from "../../../infra/dag";
import { committedFile, constraintsFileName, mwaaRequirementsText, PINNED } from "../../../infra/mwaaPlugins";
import { PolicyDocument } from "../../../infra/iam";
import { dagFileName } from "../../../infra/names";
import { ACCOUNT_ID, RecordedResource, StackRun } from "../harness/stackRun";
import { EXPECTED } from "./expected";
import { isSecret, Json, Resources, reveal, STACKS, useStackRun, WORKSPACE_HOST } from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let run: StackRun, r: Resources;
    useStackRun(stack, (loaded) => ({ run, r } = loaded));

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
          host: WORKSPACE_HOST,
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
  });
