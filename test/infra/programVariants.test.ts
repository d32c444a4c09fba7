// Program runs for config choices the dev and prod stacks do not make, and for broken configs; each run is a
// process of its own.
import { expect } from "chai";
import { PROJECT } from "../../infra/names";
import { mountPoint, mountUri } from "../../infra/names";
import { buildJobWheel } from "../../infra/jobPackage";
import { RecordedResource, runStack, StackRun, TEST_CONNECTOR_ARCHIVE_SHA256 } from "./harness/stackRun";
import { REQUIRED_USER_SET } from "./harness/fixtures";

type Json = Record<string, unknown>;
const userSet = REQUIRED_USER_SET;

async function runError(values: Record<string, string>, connectorCacheKey?: string): Promise<string> {
  try {
    await runStack("dev", { values, secretKeys: [], connectorCacheKey });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the program ran");
}

describe("program variants (mocks)", function () {
  this.timeout(120_000);

  describe("databricksStorage: mount, and API Gateway's account logging turned on, on the dev stack", () => {
    let run: StackRun;
    const all = (type: string) => run.resources.filter((resource) => resource.type === type);
    const one = (type: string, suffix = ""): RecordedResource => {
      const found = all(type).filter((resource) => resource.name.endsWith(suffix));
      expect(found, `${type} *${suffix}`).to.have.length(1);
      return found[0];
    };
    before(async () => {
      run = await runStack("dev", {
        values: {
          ...userSet,
          [`${PROJECT}:databricksStorage`]: "mount",
          [`${PROJECT}:databricksCrossAccountRoleName`]: "dbx-cross-account",
          [`${PROJECT}:manageApiGatewayAccount`]: "true",
        },
        secretKeys: [`${PROJECT}:databricksToken`],
      });
    });

    it("sets API Gateway's account-wide logging role when asked to", () => {
      expect(one("aws:apigateway/account:Account").inputs.cloudwatchRoleArn).to.equal(
        one("aws:iam/role:Role", "-ingest-cloudwatch").state.arn,
      );
    });

    // Without databricksCatalog the jobs write path tables under the mount: no declared table, view or warehouse
    // (docs/deploying.md, "The catalog and the serving views").
    it("declares no Unity Catalog object, table, view or SQL warehouse", () => {
      for (const type of [
        "databricks:index/sqlTable:SqlTable",
        "databricks:index/sqlEndpoint:SqlEndpoint",
        "databricks:index/storageCredential:StorageCredential",
        "databricks:index/credential:Credential",
        "databricks:index/externalLocation:ExternalLocation",
        "databricks:index/volume:Volume",
        "databricks:index/catalog:Catalog",
        "databricks:index/schema:Schema",
      ])
        expect(all(type), type).to.deep.equal([]);
    });

    it("instance profile registered without validation (terraform-provider-databricks#779), PassRole, the mount", () => {
      const profile = one("aws:iam/instanceProfile:InstanceProfile", "-databricks-data-access");
      // databricks/terraform-provider-databricks#779: registering a profile right after IAM created it fails
      // its validation; skip_validation is the provider's answer.
      expect(one("databricks:index/instanceProfile:InstanceProfile").inputs).to.include({
        instanceProfileArn: profile.state.arn,
        skipValidation: true,
      });
      expect(one("aws:iam/rolePolicy:RolePolicy", "-databricks-pass-role").inputs.role).to.equal(
        "dbx-cross-account",
      );
      const mount = one("databricks:index/mount:Mount");
      expect(`/mnt/${mount.inputs.name as string}`).to.equal(mountPoint("pinpipe-dev"));
      expect(mount.inputs.s3).to.deep.equal({
        bucketName: run.outputs.dataBucket,
        instanceProfile: profile.state.arn,
      });
      const cluster = one("databricks:index/cluster:Cluster");
      expect(mount.inputs.clusterId).to.equal(cluster.id);
      expect(cluster.inputs).to.include({ dataSecurityMode: "SINGLE_USER" });
      expect(run.outputs.dataRoot).to.equal(mountUri("pinpipe-dev"));
    });

    it("the jobs run the wheel from workspace files, on dedicated job clusters with the instance profile", () => {
      const wheel = buildJobWheel();
      const file = one("databricks:index/workspaceFile:WorkspaceFile", "-wheel");
      expect(file.inputs.path).to.equal(
        `/Shared/pinterest-pipeline/pinpipe-dev/wheels/${wheel.digest}/${wheel.fileName}`,
      );
      const profile = one("aws:iam/instanceProfile:InstanceProfile", "-databricks-data-access").state.arn;
      for (const suffix of ["-batch-job", "-stream-job"]) {
        const [task] = one("databricks:index/job:Job", suffix).inputs.tasks as Json[];
        expect(task.libraries).to.deep.equal([{ whl: `/Workspace${file.inputs.path as string}` }]);
        const cluster = task.newCluster as Json;
        expect(cluster.dataSecurityMode).to.equal("SINGLE_USER");
        expect((cluster.awsAttributes as Json).instanceProfileArn).to.equal(profile);
      }
    });

    it("destroy removes the wheel folders: the stack's workspace folder is declared and deleted recursively", () => {
      // terraform-provider-databricks workspace/resource_workspace_file.go: Create makes missing parent folders
      // (MkdirsByPath), Delete removes the file only (Recursive: false), so the digest folders would stay.
      const wheel = one("databricks:index/workspaceFile:WorkspaceFile", "-wheel");
      const folder = one("databricks:index/directory:Directory", "-workspace-dir");
      expect(folder.inputs).to.deep.equal({
        path: "/Shared/pinterest-pipeline/pinpipe-dev",
        deleteRecursive: true,
      });
      expect((wheel.inputs.path as string).startsWith(`${folder.inputs.path as string}/`)).to.equal(true);
      expect(wheel.dependsOn).to.include(`databricks:index/directory:Directory::${folder.name}`);
    });

    it("every path the jobs get lies under the mount (dbfs:/mnt/...), and no service credential is named", () => {
      const uri = mountUri("pinpipe-dev");
      const parameters = (suffix: string) =>
        ((one("databricks:index/job:Job", suffix).inputs.tasks as Json[])[0].pythonWheelTask as Json)
          .parameters as string[];
      const option = (list: string[], name: string) => list[list.indexOf(name) + 1];
      expect(option(parameters("-batch-job"), "--input")).to.equal(uri);
      expect(option(parameters("-batch-job"), "--output")).to.equal(`${uri}/delta/batch`);
      expect(option(parameters("-batch-job"), "--checkpoint")).to.equal(`${uri}/checkpoints/batch`);
      expect(option(parameters("-stream-job"), "--output")).to.equal(`${uri}/delta/stream`);
      expect(option(parameters("-stream-job"), "--checkpoint")).to.equal(`${uri}/checkpoints/stream`);
      expect(parameters("-stream-job")).not.to.include("--service-credential");
    });
  });

  it("without the account's logging role (neither managed nor declared) the stage logs nothing, and the up says so", async () => {
    // Access logs and execution logs both need API Gateway's account CloudWatch role; a stage asking for either
    // without it fails to create ("CloudWatch Logs role ARN must be set in account settings to enable logging",
    // AWS API Gateway developer guide "Set up CloudWatch logging for REST APIs"; anomalyco/sst#1556).
    const run = await runStack("dev", {
      values: { ...userSet, [`${PROJECT}:manageApiGatewayAccount`]: "false" },
      secretKeys: [],
    });
    const stage = run.resources.find((resource) => resource.type === "aws:apigateway/stage:Stage");
    expect(stage?.inputs.accessLogSettings).to.equal(undefined);
    const settings = run.resources.find(
      (resource) => resource.type === "aws:apigateway/methodSettings:MethodSettings",
    )?.inputs.settings as Json;
    expect(settings.loggingLevel).to.equal("OFF");
    expect(
      run.resources.filter((resource) => resource.type === "aws:apigateway/account:Account"),
    ).to.deep.equal([]);
    expect(run.stderr).to.contain("warning: [runtime] the API stage writes no access or execution logs");
  });

  it("mskMode: serverless stops the program with one line naming the key and the fix", async () => {
    const message = await runError({ ...userSet, [`${PROJECT}:mskMode`]: "serverless" });
    expect(message).to.contain(`config "${PROJECT}:mskMode" is "serverless"`);
    expect(message).to.contain("pulumi config set mskMode provisioned");
    expect(message).not.to.contain("\n");
  });

  it("a connector archive that does not match connectPluginSha256 stops the deploy before any upload", async () => {
    // The cache holds other bytes under the configured checksum: what a tampered or wrong download looks like,
    // without any network.
    const configured = "0".repeat(64);
    const message = await runError(
      { ...userSet, [`${PROJECT}:connectPluginSha256`]: configured },
      configured,
    );
    expect(message).to.contain(
      `s3-connector-for-apache-kafka-2.15.0.zip has SHA-256 ${TEST_CONNECTOR_ARCHIVE_SHA256}, not ${configured} (config connectPluginSha256)`,
    );
    // The error's own text is one line; Pulumi reports it with the property path it failed to resolve.
    expect(message).to.match(/s3-connector-for-apache-kafka-2\.15\.0\.zip has SHA-256 [^\n]*sha256sum[^\n]*/);
  });

  it("a missing required key stops the program with one line naming the key and the command", async () => {
    const rest = Object.fromEntries(
      Object.entries(userSet).filter(([key]) => key !== `${PROJECT}:databricksHost`),
    );
    const message = await runError(rest);
    expect(message).to.contain(
      `config "${PROJECT}:databricksHost" is required: run \`pulumi config set databricksHost`,
    );
    expect(message).not.to.contain("\n");
  });

  it("without a built plugins.zip the program refuses to deploy MWAA, in one line naming the build command", async () => {
    let message = "";
    try {
      await runStack("dev", { values: userSet, secretKeys: [], withoutMwaaPlugins: true });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.contain("MWAA plugins.zip");
    expect(message).to.contain("run `npm run build:mwaa-plugins` before `pulumi up`");
    expect(message).not.to.contain("\n");
  });
});
