// Pure parts of the deployable program: verified downloads, the stage deployment's fingerprint, the storage
// layouts of the two Databricks modes and the physical names.
import { expect } from "chai";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { artifactFileName, fetchVerified, PinnedArtifact } from "../../infra/artifacts";
import { storageLayout } from "../../infra/databricksStorage";
import { deploymentFingerprint } from "../../infra/ingestApi";
import { kafkaBody, kinesisRecordBody, kinesisRecordsBody } from "../../emulator/wire";
import { KAFKA_JSON_CONTENT_TYPE, REQUEST_BODY_SCHEMAS } from "../../contract/wire";
import {
  restProxyLoadBalancerName,
  restProxyTargetGroupName,
  unityCatalogNames,
} from "../../infra/physicalNames";

const bytes = Buffer.from("connector archive");
const artifact: PinnedArtifact = {
  url: "https://example.com/releases/v1/connector-1.zip",
  sha256: createHash("sha256").update(bytes).digest("hex"),
  checksumKey: "connectPluginSha256",
};

describe("verified downloads", () => {
  let cache: string;
  beforeEach(() => (cache = mkdtempSync(path.join(tmpdir(), "artifacts-"))));
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it("downloads once, checks the checksum, and serves the cached copy after that", async () => {
    let downloads = 0;
    const download = async () => {
      downloads += 1;
      return bytes;
    };
    const file = await fetchVerified(artifact, download, cache);
    expect(file).to.equal(path.join(cache, artifact.sha256, "connector-1.zip"));
    expect(readFileSync(file).equals(bytes)).to.equal(true);
    expect(await fetchVerified(artifact, download, cache)).to.equal(file);
    expect(downloads).to.equal(1);
  });

  it("refuses a download whose checksum differs, in one line, and keeps nothing", async () => {
    const tampered = async () => Buffer.from("something else");
    let message = "";
    try {
      await fetchVerified(artifact, tampered, cache);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.contain(
      `has SHA-256 ${createHash("sha256").update("something else").digest("hex")}, not ${artifact.sha256}`,
    );
    expect(message).to.contain("connectPluginSha256");
    expect(message).not.to.contain("\n");
    expect(existsSync(path.join(cache, artifact.sha256))).to.equal(false);
  });

  it("the file keeps the URL's last segment as its name", () => {
    expect(artifactFileName(artifact.url)).to.equal("connector-1.zip");
    expect(() => artifactFileName("https://example.com/")).to.throw(/does not end with a file name/);
  });
});

describe("stage deployment fingerprint", () => {
  const integration = {
    kind: "integration",
    args: {
      uri: "http://nlb-1.elb.us-east-1.amazonaws.com:8082/topics/{topic}",
      connectionId: "vpclink-1",
      credentials: undefined,
    },
  };
  const method = {
    kind: "method",
    args: { httpMethod: "POST", apiKeyRequired: true, requestValidatorId: "v1" },
  };
  const kinesis = {
    kind: "integration",
    args: {
      uri: "arn:aws:apigateway:us-east-1:kinesis:action/PutRecord",
      credentials: "arn:aws:iam::1:role/a",
    },
  };
  const base = deploymentFingerprint([method, integration, kinesis]);

  const changes: [string, unknown[]][] = [
    [
      "an integration URI (a new NLB)",
      [
        method,
        { ...integration, args: { ...integration.args, uri: "http://nlb-2:8082/topics/{topic}" } },
        kinesis,
      ],
    ],
    [
      "the VPC link",
      [method, { ...integration, args: { ...integration.args, connectionId: "vpclink-2" } }, kinesis],
    ],
    [
      "the credentials role",
      [method, integration, { ...kinesis, args: { ...kinesis.args, credentials: "arn:aws:iam::1:role/b" } }],
    ],
    [
      "apiKeyRequired",
      [{ ...method, args: { ...method.args, apiKeyRequired: false } }, integration, kinesis],
    ],
    ["a new method", [method, integration, kinesis, { kind: "method", args: { httpMethod: "GET" } }]],
    ["a removed integration", [method, integration]],
  ];
  for (const [what, parts] of changes) {
    it(`changes with ${what}`, () => expect(deploymentFingerprint(parts)).not.to.equal(base));
  }

  it("does not change with the order parts were declared in, nor with undefined arguments", () => {
    expect(deploymentFingerprint([kinesis, integration, method])).to.equal(base);
    expect(
      deploymentFingerprint([
        method,
        { ...integration, args: { connectionId: "vpclink-1", uri: integration.args.uri } },
        kinesis,
      ]),
    ).to.equal(base);
  });
});

describe("Databricks storage layouts", () => {
  const schemas = { batch: "p_batch", stream: "p_stream" };
  it("unity-catalog: volume paths for input, checkpoints and the wheel; tables in the catalog", () => {
    expect(
      storageLayout({ kind: "unity-catalog", catalog: "cat", names: unityCatalogNames("p-x"), schemas }),
    ).to.deep.equal({
      input: "/Volumes/cat/p_x_landing",
      checkpoint: "/Volumes/cat/p_x_landing/checkpoints/stream",
      batchCheckpoint: "/Volumes/cat/p_x_landing/checkpoints/batch",
      batchOutput: "cat.p_batch",
      streamOutput: "cat.p_stream",
      wheelDir: "/Volumes/cat/p_x_landing/artifacts",
    });
  });

  it("mount: everything under dbfs:/mnt/..., tables in a catalog only when one is named", () => {
    const mount = {
      kind: "mount" as const,
      mountUri: "dbfs:/mnt/p-data",
      schemas,
      workspaceDir: "/Shared/x/p",
    };
    expect(storageLayout({ ...mount, catalog: undefined })).to.deep.equal({
      input: "dbfs:/mnt/p-data",
      checkpoint: "dbfs:/mnt/p-data/checkpoints/stream",
      batchCheckpoint: "dbfs:/mnt/p-data/checkpoints/batch",
      batchOutput: "dbfs:/mnt/p-data/delta/batch",
      streamOutput: "dbfs:/mnt/p-data/delta/stream",
      wheelDir: "/Workspace/Shared/x/p/wheels",
    });
    expect(storageLayout({ ...mount, catalog: "cat" })).to.include({
      batchOutput: "cat.p_batch",
      streamOutput: "cat.p_stream",
    });
  });
});

describe("physical names", () => {
  it("the REST proxy's load balancer and target group fit 32 characters and never begin with internal-", () => {
    for (const prefix of ["abc", "pinpipe-dev", "internal-prod", "a2345678901234567890".slice(0, 19) + "z"]) {
      for (const name of [restProxyLoadBalancerName(prefix), restProxyTargetGroupName(prefix)]) {
        expect(name.length, name).to.be.at.most(32);
        expect(name, name).to.match(/^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
      }
    }
  });

  it("the topics volume is named after the sink's first folder, so the batch job's input/topics/<topic> is inside it", () => {
    expect(unityCatalogNames("pinpipe-dev")).to.include({
      topicsVolume: "topics",
      catalog: "pinpipe_dev",
      landingSchema: "pinpipe_dev_landing",
    });
  });
});

/** The subset of JSON schema draft 4 the request models use: type, required, properties, items, minItems, minLength. */
function schemaErrors(schema: Record<string, unknown>, value: unknown, at = "$"): string[] {
  const errors: string[] = [];
  const type = schema.type as string | undefined;
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (type === "object" && !isObject) return [`${at} is not an object`];
  if (type === "array" && !Array.isArray(value)) return [`${at} is not an array`];
  if (type === "string" && typeof value !== "string") return [`${at} is not a string`];
  if (isObject) {
    const object = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? [])
      if (!(name in object)) errors.push(`${at}.${name} is missing`);
    for (const [name, sub] of Object.entries(
      (schema.properties as Record<string, Record<string, unknown>>) ?? {},
    ))
      if (name in object) errors.push(...schemaErrors(sub, object[name], `${at}.${name}`));
  }
  if (Array.isArray(value)) {
    if (value.length < ((schema.minItems as number | undefined) ?? 0)) errors.push(`${at} has too few items`);
    const items = schema.items as Record<string, unknown> | undefined;
    if (items) value.forEach((item, index) => errors.push(...schemaErrors(items, item, `${at}[${index}]`)));
  }
  if (typeof value === "string" && value.length < ((schema.minLength as number | undefined) ?? 0))
    errors.push(`${at} is too short`);
  return errors;
}

describe("API Gateway request models", () => {
  const row = { index: 7528, title: "t" };
  it("accept what the emulator sends (docs/contract.md section 2), under the content type it sends", () => {
    // docs/contract.md section 2: Kafka REST v2 with JSON-embedded values.
    expect(KAFKA_JSON_CONTENT_TYPE).to.equal("application/vnd.kafka.json.v2+json");
    expect(schemaErrors(REQUEST_BODY_SCHEMAS.produce, kafkaBody([row]))).to.deep.equal([]);
    expect(
      schemaErrors(REQUEST_BODY_SCHEMAS.PutRecord, kinesisRecordBody("p-pin", "pin", row)),
    ).to.deep.equal([]);
    expect(
      schemaErrors(REQUEST_BODY_SCHEMAS.PutRecords, kinesisRecordsBody("p-pin", "pin", [row])),
    ).to.deep.equal([]);
  });

  const bad: [keyof typeof REQUEST_BODY_SCHEMAS, unknown][] = [
    ["produce", {}],
    ["produce", { records: [] }],
    ["produce", { records: [{ key: "k" }] }],
    ["produce", [row]],
    ["PutRecord", { Data: row }],
    ["PutRecord", { Data: row, PartitionKey: "" }],
    ["PutRecords", { Records: [] }],
    ["PutRecords", { Records: [{ Data: row }] }],
  ];
  for (const [model, body] of bad) {
    it(`refuse ${model} body ${JSON.stringify(body)}`, () => {
      expect(schemaErrors(REQUEST_BODY_SCHEMAS[model], body)).not.to.deep.equal([]);
    });
  }
});

describe("deploy guide and secrets", () => {
  const root = path.join(__dirname, "..", "..");
  it("never writes the stack's outputs (the API key) to a file; the emulator reads the stack, and the file is ignored anyway", () => {
    const guide = readFileSync(path.join(root, "docs", "deploying.md"), "utf8");
    // `pulumi stack output --show-secrets` redirected into a file would put the API key in the working tree.
    expect(guide).not.to.match(/stack output[^\n]*--show-secrets[^\n]*>/);
    expect(guide).not.to.match(/--outputs stack-outputs/);
    expect(guide).to.match(/npm run emulator -- batch .*--stack dev/);
    for (const file of ["stack-outputs.json", "stack-outputs.prod.json"])
      expect(execFileSync("git", ["check-ignore", file], { cwd: root, encoding: "utf8" }).trim()).to.equal(
        file,
      );
  });
});
