// The shared fixture of test/infra/: what a user sets per stack, the one recorded run of each stack (memoized per
// process and reused by every suite that only reads it), the queries on a run, and the secret markers.
import { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { expect } from "chai";
import { parseConfig, StackConfig } from "../../../infra/config";
import { PROJECT } from "../../../infra/names";
import { loadStackConfig } from "./stackConfig";
import {
  ExtraConfig,
  RecordedResource,
  runStack,
  StackRun,
  TEST_CONFLUENT_SHA256,
  TEST_CONNECTOR_ARCHIVE_SHA256,
} from "./stackRun";

export type Json = Record<string, unknown>;
export type Stack = "dev" | "prod";
export const STACKS: readonly Stack[] = ["dev", "prod"];

/** `pinterest-pipeline:NAME`, a key of the program's config namespace. */
export const key = (name: string) => `${PROJECT}:${name}`;

export const WORKSPACE_HOST = "https://dbc-1234abcd-5678.cloud.databricks.com";
/** The application id of the service principal prod's Airflow token belongs to. */
export const AIRFLOW_SP = "6f0e2a9c-1d3b-4c5e-8f7a-9b0c1d2e3f40";

/** What every stack needs a user to set (`pulumi config set`): the workspace, its token, the two checksums. */
export const REQUIRED_USER_SET: Record<string, string> = {
  [key("databricksHost")]: WORKSPACE_HOST,
  [key("databricksToken")]: "dapi-token",
  [key("confluentSha256")]: TEST_CONFLUENT_SHA256,
  [key("connectPluginSha256")]: TEST_CONNECTOR_ARCHIVE_SHA256,
};

/** What a user sets on each stack for the shared runs: dev with a token, prod with an OAuth service principal. */
export const USER_SET: Record<Stack, Required<Pick<ExtraConfig, "values" | "secretKeys">>> = {
  dev: {
    values: { ...REQUIRED_USER_SET, [key("databricksToken")]: "dapi-dev-token" },
    secretKeys: [key("databricksToken")],
  },
  prod: {
    values: {
      ...Object.fromEntries(
        Object.entries(REQUIRED_USER_SET).filter(([name]) => name !== key("databricksToken")),
      ),
      [key("databricksClientId")]: "sp-application-id",
      [key("databricksClientSecret")]: "sp-oauth-secret",
      [key("airflowDatabricksToken")]: "dapi-airflow-token",
      [key("databricksJobsServicePrincipal")]: "8d23ae77-912e-4a19-81e4-b9c3f5cc9349",
      [key("airflowDatabricksPrincipal")]: AIRFLOW_SP,
    },
    secretKeys: [key("databricksClientSecret"), key("airflowDatabricksToken")],
  },
};

/** What a user sets to be told, on top of USER_SET.dev: alarms and job failures by mail, job failures by webhook
 * too, and two thresholds of their own (the monitoring suite's dev run). */
const NOTIFIED: Required<Pick<ExtraConfig, "values" | "secretKeys">> = {
  values: {
    [key("alarmEmails")]: "oncall@example.com, data@example.com",
    [key("jobFailureEmails")]: "data@example.com",
    [key("jobFailureWebhookUrl")]: "https://hooks.example.com/services/T0/B0/x",
    [key("alarmApi5xxErrors")]: "9",
    [key("alarmIteratorAgeMs")]: "120000",
  },
  secretKeys: [key("jobFailureWebhookUrl")],
};

/** A shared run: a stack with USER_SET, or the monitoring suite's dev that also sets NOTIFIED. */
export type SharedRun = Stack | "dev+notified";

function userSetOf(run: SharedRun): Required<Pick<ExtraConfig, "values" | "secretKeys">> {
  if (run !== "dev+notified") return USER_SET[run];
  return {
    values: { ...USER_SET.dev.values, ...NOTIFIED.values },
    secretKeys: [...USER_SET.dev.secretKeys, ...NOTIFIED.secretKeys],
  };
}

const stackOf = (run: SharedRun): Stack => (run === "dev+notified" ? "dev" : run);

/** The config of a shared run as the program parses it: Pulumi.yaml defaults, Pulumi.<stack>.yaml, what is set. */
export function stackConfig(run: SharedRun): StackConfig {
  const { values, secretKeys } = userSetOf(run);
  return parseConfig(loadStackConfig(stackOf(run), values, secretKeys).values, stackOf(run));
}

const runs = new Map<SharedRun, Promise<StackRun>>();

/** The one mocked run of the program for `run`, started on first use and shared by every suite of the process. */
export function stackRun(run: SharedRun): Promise<StackRun> {
  if (!runs.has(run)) runs.set(run, runStack(stackOf(run), userSetOf(run)));
  return runs.get(run) as Promise<StackRun>;
}

/** Loads a shared run before the suite's tests and hands it over with its queries. */
export function useStackRun(run: SharedRun, take: (loaded: { run: StackRun; r: Resources }) => void): void {
  before(async function () {
    this.timeout(120_000);
    const loaded = await stackRun(run);
    take({ run: loaded, r: new Resources(loaded) });
  });
}

/** The queries the suites make on a recorded run. */
export class Resources {
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

// How the Pulumi runtime marks a secret value in serialized inputs (its signature key and secret marker).
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

export const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Json)[SECRET_SIG] === SECRET_MARK;
export const reveal = <T = unknown>(value: unknown): T =>
  isSecret(value) ? ((value as Json).value as T) : (value as T);
/** The value with every secret inside it revealed. */
const revealAll = (value: unknown): unknown =>
  isSecret(value)
    ? reveal(value)
    : Array.isArray(value)
      ? value.map(revealAll)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealAll(v)]))
        : value;

/**
 * The recorded resources as CrossGuard sees them: URN, revealed props, parent, protect and provider, and the
 * `bucket` and `vpcId` properties depending on the bucket or VPC they name.
 */
export function asPolicyResources(run: StackRun): {
  resources: PolicyResource[];
  args: ResourceValidationArgs[];
} {
  const urnOf = (resource: RecordedResource) =>
    `urn:pulumi:${run.stack}::${PROJECT}::${resource.type}::${resource.name}`;
  const providers = new Map(
    run.resources
      .filter((resource) => resource.type.startsWith("pulumi:providers:"))
      .map((provider) => [`${urnOf(provider)}::${provider.id}`, provider]),
  );
  const resources = run.resources.map(
    (resource) =>
      ({
        type: resource.type,
        name: resource.name,
        props: revealAll(resource.inputs),
        urn: urnOf(resource),
        dependencies: [],
        propertyDependencies: {},
      }) as unknown as PolicyResource,
  );
  const dependOn = (property: string, type: string) =>
    run.resources.forEach((resource, index) => {
      const named = run.resources.findIndex(
        (candidate) => candidate.type === type && candidate.id === resource.inputs[property],
      );
      if (named >= 0) resources[index].propertyDependencies[property] = [resources[named]];
    });
  dependOn("bucket", "aws:s3/bucket:Bucket");
  dependOn("vpcId", "aws:ec2/vpc:Vpc");
  const args = run.resources.map((resource, index) => {
    const provider = resource.provider ? providers.get(resource.provider) : undefined;
    return {
      ...resources[index],
      opts: { protect: resource.protect, parent: resource.parent },
      provider: provider && { type: provider.type, props: provider.inputs, urn: "", name: provider.name },
    } as unknown as ResourceValidationArgs;
  });
  return { resources, args };
}
