import { expect } from "chai";
import { readFileSync } from "fs";
import * as path from "path";
import {
  CONFIG_KEYS,
  CONFIG_ROWS,
  ConfigError,
  configWarnings,
  OPTIONAL_KEYS,
  parseConfig,
  SECRET_KEYS,
} from "../../infra/config";
import { PROJECT } from "../../infra/names";
import { key, REQUIRED_USER_SET } from "./harness/fixtures";
import { DOCS_FILE, docsFileRendered, PROJECT_FILE, projectFileRendered } from "../../infra/configDocs";
import { readProjectFile, readStackFile } from "./harness/stackConfig";

const minimal = { "aws:region": "us-east-1", [key("prefix")]: "pinpipe-dev", ...REQUIRED_USER_SET };
const without = (name: string) => Object.fromEntries(Object.entries(minimal).filter(([k]) => k !== name));

function configError(raw: Record<string, string>): string {
  try {
    parseConfig(raw, "dev");
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted the config");
}

describe("stack config", () => {
  it("defaults every optional key", () => {
    const config = parseConfig(minimal, "dev");
    expect(config.prefix).to.equal("pinpipe-dev");
    expect(config.network).to.deep.equal({ vpcCidr: "10.40.0.0/16", azCount: 2, natGatewayPerAz: false });
    expect(config.msk.mode).to.equal("provisioned");
    expect(config.streams).to.deep.equal({ mode: "on-demand", shardCount: 1, retentionHours: 24 });
    expect(config.api.stageName).to.equal("dev");
    expect(config.api.allowStreamAdmin).to.equal(false);
    expect(config.orchestration.webserverAccessMode).to.equal("PRIVATE_ONLY");
    expect(config.orchestration.dagSchedule).to.equal("@daily");
    expect(config.databricks.auth).to.deep.equal({ kind: "token", token: "dapi-token" });
    expect(config.databricks.catalog).to.equal(undefined);
    expect(config.databricks.storage).to.equal("unity-catalog");
    // API Gateway's CloudWatch role is one setting per account and region: opt-in, or two stacks fight over it.
    expect(config.api.manageAccountLogging).to.equal(false);
    expect(config.restProxy.mskIamAuthSha256).to.equal(
      "a46aff030edf9451c098ffb2a73938a9edec6e8d98b00daf4117738eda418309",
    );
  });

  it("refuses MSK Serverless in one line: the topics are made with MSK's topic API, which serves provisioned only", () => {
    // MSK developer guide, Topic Operations, requirements: "Your cluster must be an MSK Provisioned cluster.
    // These APIs are not available for MSK Serverless clusters." and "Apache Kafka version 3.6.0 or later".
    const message = configError({ ...minimal, [key("mskMode")]: "serverless" });
    expect(message).to.contain(`config "${PROJECT}:mskMode" is "serverless"`);
    expect(message).to.contain("pulumi config set mskMode provisioned");
    expect(message).not.to.contain("\n");
    expect(configError({ ...minimal, [key("mskKafkaVersion")]: "3.5.1" })).to.match(/3\.6\.0 or later/);
    for (const version of ["3.6.0", "3.8.x", "3.9.x", "4.0.x", "3.10.x"])
      expect(parseConfig({ ...minimal, [key("mskKafkaVersion")]: version }, "dev").msk.kafkaVersion).to.equal(
        version,
      );
  });

  it("a download checksum must be 64 hex digits; another IAM auth version needs its own", () => {
    expect(configError({ ...minimal, [key("confluentSha256")]: "abc" })).to.match(
      /confluentSha256" is "abc" but must be 64 lowercase hexadecimal digits/,
    );
    const other = configError({ ...minimal, [key("mskIamAuthVersion")]: "2.3.9" });
    expect(other).to.contain(`"${PROJECT}:mskIamAuthSha256" is required`);
    expect(other).to.contain("sha256sum");
    expect(
      parseConfig(
        { ...minimal, [key("mskIamAuthVersion")]: "2.3.9", [key("mskIamAuthSha256")]: "ab".repeat(32) },
        "dev",
      ).restProxy.mskIamAuthSha256,
    ).to.equal("ab".repeat(32));
  });

  it("the cross-account role is needed only with mount storage (it hands the instance profile to clusters)", () => {
    expect(parseConfig(minimal, "dev").databricks.crossAccountRoleName).to.equal("");
    const message = configError({ ...minimal, [key("databricksStorage")]: "mount" });
    expect(message).to.contain(`"${PROJECT}:databricksCrossAccountRoleName" is required`);
    expect(
      parseConfig(
        {
          ...minimal,
          [key("databricksStorage")]: "mount",
          [key("databricksCrossAccountRoleName")]: "dbx-cross-account",
        },
        "dev",
      ).databricks,
    ).to.include({ storage: "mount", crossAccountRoleName: "dbx-cross-account" });
    expect(configError({ ...minimal, [key("databricksStorage")]: "dbfs" })).to.match(
      /one of unity-catalog, mount/,
    );
  });

  it("the jobs' service principal is an application id, and needs Unity Catalog storage (its grants are UC's)", () => {
    const principal = "8d23ae77-912e-4a19-81e4-b9c3f5cc9349";
    expect(parseConfig(minimal, "dev").databricks.jobsServicePrincipal).to.equal(undefined);
    expect(
      parseConfig({ ...minimal, [key("databricksJobsServicePrincipal")]: principal }, "dev").databricks
        .jobsServicePrincipal,
    ).to.equal(principal);
    expect(configError({ ...minimal, [key("databricksJobsServicePrincipal")]: "jobs-sp" })).to.match(
      /must be a service principal's application id/,
    );
    expect(
      configError({
        ...minimal,
        [key("databricksJobsServicePrincipal")]: principal,
        [key("databricksStorage")]: "mount",
        [key("databricksCrossAccountRoleName")]: "dbx-cross-account",
      }),
    ).to.contain("needs databricksStorage unity-catalog");
  });

  for (const [missing, command] of [
    ["prefix", "pulumi config set prefix "],
    ["aws:region", "pulumi config set aws:region "],
    ["databricksHost", "pulumi config set databricksHost "],
    ["confluentSha256", "pulumi config set confluentSha256 <sha256>"],
    ["connectPluginSha256", "pulumi config set connectPluginSha256 <sha256>"],
    ["databricksToken", "pulumi config set --secret databricksToken "],
  ]) {
    it(`a missing ${missing} names itself and the command that sets it, on one line`, () => {
      const message = configError(without(missing.includes(":") ? missing : key(missing)));
      expect(message).to.contain(`"${missing.includes(":") ? missing : key(missing)}"`);
      expect(message).to.contain(command);
      expect(message).not.to.contain("\n");
    });
  }

  it("reports every problem at once", () => {
    const message = configError({ [key("azCount")]: "7" });
    for (const name of ["prefix", "aws:region", "databricksHost", "databricksToken", "azCount"])
      expect(message).to.contain(name);
  });

  it("rejects values of the wrong type or outside the allowed set", () => {
    expect(configError({ ...minimal, [key("azCount")]: "two" })).to.match(
      /azCount" is "two" but must be an integer from 2 to 3/,
    );
    expect(configError({ ...minimal, [key("natGatewayPerAz")]: "yes" })).to.match(
      /natGatewayPerAz" is "yes" but must be true or false/,
    );
    expect(configError({ ...minimal, [key("mskMode")]: "huge" })).to.match(/one of provisioned, serverless/);
    expect(configError({ ...minimal, [key("prefix")]: "Bad_Prefix" })).to.match(
      /prefix "Bad_Prefix" is invalid/,
    );
    expect(configError({ ...minimal, [key("vpcCidr")]: "192.168.0.0/24" })).to.match(
      /a 10\.N\.0\.0\/16 block/,
    );
    expect(configError({ ...minimal, [key("databricksHost")]: "dbc.cloud.databricks.com" })).to.match(
      /workspace URL/,
    );
  });

  it("checks values against each other", () => {
    expect(configError({ ...minimal, [key("topicReplicationFactor")]: "3" })).to.match(
      /exceeds the number of brokers/,
    );
    expect(configError({ ...minimal, [key("mwaaMinWorkers")]: "3", [key("mwaaMaxWorkers")]: "2" })).to.match(
      /below mwaaMinWorkers/,
    );
  });

  it("a separate Airflow token needs its identity, which gets CAN_MANAGE_RUN: a user e-mail or an application id", () => {
    // Without a grant, that identity cannot Run now the batch job (Databricks docs, "Jobs access control").
    const withToken = { ...minimal, [key("airflowDatabricksToken")]: "dapi-airflow" };
    const message = configError(withToken);
    expect(message).to.contain(
      `config "${PROJECT}:airflowDatabricksPrincipal" is required with airflowDatabricksToken`,
    );
    expect(message).to.contain("pulumi config set airflowDatabricksPrincipal");
    expect(message).not.to.contain("\n");
    const sp = "6f0e2a9c-1d3b-4c5e-8f7a-9b0c1d2e3f40";
    expect(
      parseConfig({ ...withToken, [key("airflowDatabricksPrincipal")]: sp }, "dev").databricks
        .airflowPrincipal,
    ).to.deep.equal({ kind: "servicePrincipal", applicationId: sp });
    expect(
      parseConfig({ ...withToken, [key("airflowDatabricksPrincipal")]: "airflow@example.com" }, "dev")
        .databricks.airflowPrincipal,
    ).to.deep.equal({ kind: "user", userName: "airflow@example.com" });
    expect(configError({ ...withToken, [key("airflowDatabricksPrincipal")]: "airflow" })).to.contain(
      "a workspace user's e-mail or a service principal's application id",
    );
    expect(configError({ ...minimal, [key("airflowDatabricksPrincipal")]: sp })).to.contain(
      "is set without airflowDatabricksToken",
    );
    expect(parseConfig(minimal, "dev").databricks.airflowPrincipal).to.equal(undefined);
  });

  it("the stage logs only when API Gateway's account role is managed here or declared to exist, never both", () => {
    // Access and execution logs both need the account's CloudWatch role (AWS API Gateway developer guide,
    // "Set up CloudWatch logging for REST APIs", Permissions).
    expect(parseConfig(minimal, "dev").api.logging).to.equal(false);
    expect(parseConfig({ ...minimal, [key("manageApiGatewayAccount")]: "true" }, "dev").api.logging).to.equal(
      true,
    );
    expect(parseConfig({ ...minimal, [key("apiLoggingRoleExists")]: "true" }, "dev").api.logging).to.equal(
      true,
    );
    expect(
      configError({
        ...minimal,
        [key("manageApiGatewayAccount")]: "true",
        [key("apiLoggingRoleExists")]: "true",
      }),
    ).to.contain("are both true");
  });

  it("the stream idle time is a whole number of 5-minute alarm periods", () => {
    expect(parseConfig(minimal, "dev").monitoring.thresholds.streamIdleMinutes).to.equal(15);
    expect(configError({ ...minimal, [key("alarmStreamIdleMinutes")]: "12" })).to.contain("a multiple of 5");
  });

  it("warns at every up when alarms, job failures or API logs would go unheard", () => {
    const quiet = configWarnings(parseConfig(minimal, "dev"));
    expect(quiet).to.have.length(3);
    expect(quiet[0]).to.contain("no alarmEmails").and.contain("pulumi config set alarmEmails");
    expect(quiet[1]).to.contain("no jobFailureEmails").and.contain("pulumi config set jobFailureEmails");
    expect(quiet[2]).to.contain("no access or execution logs");
    const told = parseConfig(
      {
        ...minimal,
        [key("alarmEmails")]: "oncall@example.com",
        [key("jobFailureEmails")]: "data@example.com",
        [key("manageApiGatewayAccount")]: "true",
      },
      "dev",
    );
    expect(configWarnings(told)).to.deep.equal([]);
    expect(
      configWarnings(
        parseConfig({ ...minimal, [key("jobFailureWebhookUrl")]: "https://hooks.example.com/x" }, "dev"),
      ),
    ).not.to.satisfy((warnings: string[]) =>
      warnings.some((warning) => warning.includes("jobFailureEmails")),
    );
  });

  it("accepts an OAuth service principal instead of a token, but not both, and not half of one", () => {
    const oauth = {
      ...without(key("databricksToken")),
      [key("databricksClientId")]: "sp-id",
      [key("databricksClientSecret")]: "sp-secret",
    };
    expect(parseConfig(oauth, "prod").databricks.auth).to.deep.equal({
      kind: "oauth",
      clientId: "sp-id",
      clientSecret: "sp-secret",
    });
    expect(configError({ ...oauth, [key("databricksToken")]: "t" })).to.match(/both set/);
    expect(
      configError({ ...without(key("databricksToken")), [key("databricksClientId")]: "sp-id" }),
    ).to.contain("pulumi config set --secret databricksClientSecret");
  });

  describe("project and stack files", () => {
    const project = readProjectFile();

    it("Pulumi.yaml runs infra/index.ts with TypeScript and is named after the config namespace", () => {
      const file = project as unknown as {
        name: string;
        main: string;
        runtime: { name: string; options: { typescript: boolean } };
      };
      expect(file.name).to.equal(PROJECT);
      expect(file.main).to.equal("infra/index.ts");
      expect(file.runtime).to.deep.equal({ name: "nodejs", options: { typescript: true } });
    });

    it("Pulumi.yaml declares every key but the optional ones without default; undefaulted ones are the required keys", () => {
      expect(Object.keys(project.config).sort()).to.deep.equal(
        CONFIG_KEYS.filter((name) => !OPTIONAL_KEYS.includes(name)).sort(),
      );
      for (const secret of SECRET_KEYS) expect(OPTIONAL_KEYS).to.include(secret);
      const undefaulted = Object.keys(project.config).filter(
        (name) => project.config[name].default === undefined,
      );
      expect(undefaulted.sort()).to.deep.equal([
        "confluentSha256",
        "connectPluginSha256",
        "databricksHost",
        "prefix",
      ]);
      for (const name of undefaulted)
        expect(() => parseConfig(without(key(name)), "dev"), name).to.throw(ConfigError);
    });

    it("the defaults in Pulumi.yaml are the program's defaults", () => {
      const defaults = parseConfig(minimal, "dev");
      const fromYaml = Object.fromEntries(
        Object.entries(project.config)
          .filter(([, spec]) => spec.default !== undefined)
          .map(([name, spec]) => [key(name), String(spec.default)]),
      );
      expect(parseConfig({ ...minimal, ...fromYaml }, "dev")).to.deep.equal(defaults);
    });

    for (const stack of ["dev", "prod"]) {
      it(`Pulumi.${stack}.yaml values have the types Pulumi.yaml declares (the CLI infers a value's type from its text)`, () => {
        for (const [name, value] of Object.entries(readStackFile(stack))) {
          const declared = project.config[name.slice(`${PROJECT}:`.length)];
          if (name.startsWith("aws:") || declared === undefined) continue;
          const inferred = /^-?[0-9]+$/.test(value)
            ? "integer"
            : /^(true|false)$/.test(value)
              ? "boolean"
              : "string";
          expect(inferred, name).to.equal(declared.type);
        }
        for (const [name, spec] of Object.entries(project.config)) {
          if (spec.default === undefined) continue;
          const expectedJsType = spec.type === "integer" ? "number" : spec.type;
          expect(typeof spec.default, name).to.equal(expectedJsType);
        }
      });
    }

    it("docs/deploying.md's config table is Pulumi.yaml's keys, types, defaults and descriptions, and the stack files' values", () => {
      const doc = readFileSync(path.join(__dirname, "..", "..", "docs", "deploying.md"), "utf8");
      const start = doc.indexOf("| key | type | default | dev | prod | meaning |");
      expect(start, "the config table").to.be.greaterThan(0);
      const rows = doc
        .slice(start)
        .split("\n")
        .slice(2)
        .filter((line) => line.startsWith("| `"))
        .map((line) => line.slice(2, -2).split(" | "));
      const table = new Map(rows.map(([name, ...cells]) => [name.replace(/`/g, ""), cells]));
      expect([...table.keys()].sort()).to.deep.equal([...CONFIG_KEYS].sort());
      const cell = (value: unknown) => (value === undefined ? "" : `\`${String(value)}\``);
      const dev = readStackFile("dev");
      const prod = readStackFile("prod");
      for (const [name, spec] of Object.entries(project.config)) {
        const [type, defaultCell, devCell, prodCell, meaning] = table.get(name) as string[];
        expect(type, name).to.equal(spec.type);
        expect(defaultCell, name).to.equal(spec.default === undefined ? "**required**" : cell(spec.default));
        expect(meaning, name).to.equal((spec as { description?: string }).description);
        expect(devCell, name).to.equal(cell(dev[key(name)]));
        expect(prodCell, name).to.equal(cell(prod[key(name)]));
      }
      for (const name of OPTIONAL_KEYS) {
        const [type, , devCell, prodCell] = table.get(name) as string[];
        expect(type, name).to.equal(SECRET_KEYS.includes(name) ? "string, secret" : "string");
        expect(devCell, name).to.equal(cell(dev[key(name)]));
        expect(prodCell, name).to.equal(cell(prod[key(name)]));
      }
      // The defaults the program applies are the table's: a config of the required keys alone parses to the
      // same as one that spells every documented default out.
      const documented = Object.fromEntries(
        [...table.entries()]
          .filter(([, [, value]]) => /^`.*`$/.test(value))
          .map(([name, [, value]]) => [key(name), value.slice(1, -1)]),
      );
      delete documented[key("mskIamAuthSha256")];
      expect(parseConfig({ ...minimal, ...documented }, "dev")).to.deep.equal(parseConfig(minimal, "dev"));
    });

    it("Pulumi.yaml's config section and docs/deploying.md's table are what `npm run config:docs` writes", () => {
      for (const [file, render] of [
        [PROJECT_FILE, projectFileRendered],
        [DOCS_FILE, docsFileRendered],
      ] as const) {
        const text = readFileSync(file, "utf8");
        expect(render(text) === text, `${file} differs from the rows: run npm run config:docs`).to.equal(
          true,
        );
      }
    });

    it("Pulumi.yaml declares every row but the optional ones, with the row's type, default and description", () => {
      const declared = CONFIG_KEYS.filter((name) => !CONFIG_ROWS[name].optional);
      expect(Object.keys(project.config).sort()).to.deep.equal(declared.sort());
      for (const name of declared) {
        const row = CONFIG_ROWS[name];
        expect(project.config[name], name).to.deep.equal({
          type: row.type,
          ...(row.default === undefined ? {} : { default: row.default }),
          description: row.description,
        });
      }
    });

    it("docs/deploying.md's config table has every row's type, default and meaning", () => {
      const doc = readFileSync(path.join(__dirname, "..", "..", "docs", "deploying.md"), "utf8");
      const rows = doc
        .slice(doc.indexOf("| key | type | default | dev | prod | meaning |"))
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((line) => line.slice(2, -2).split(" | "));
      const table = new Map(rows.map(([name, ...cells]) => [name.replace(/`/g, ""), cells]));
      for (const name of CONFIG_KEYS) {
        const row = CONFIG_ROWS[name];
        const [type, defaultCell, , , meaning] = table.get(name) ?? [];
        expect(type, name).to.equal(row.secret ? `${row.type}, secret` : row.type);
        const expectedDefault =
          row.default !== undefined
            ? `\`${String(row.default)}\``
            : row.optional
              ? (row.docDefault ?? "—")
              : "**required**";
        expect(defaultCell, name).to.equal(expectedDefault);
        expect(meaning, name).to.equal(row.description);
      }
    });

    it("each row lands in its own field of the parsed config, which holds the row's default", () => {
      const parsed = parseConfig(minimal, "dev") as unknown as Record<string, unknown>;
      const at = CONFIG_KEYS.flatMap((name) => CONFIG_ROWS[name].at ?? []);
      expect(new Set(at).size).to.equal(at.length);
      for (const name of CONFIG_KEYS) {
        const row = CONFIG_ROWS[name];
        if (row.at === undefined || row.default === undefined) continue;
        const value = row.at
          .split(".")
          .reduce((node: unknown, part) => (node as Record<string, unknown>)[part], parsed);
        expect(value, name).to.equal(row.default);
      }
    });

    for (const stack of ["dev", "prod"]) {
      it(`Pulumi.${stack}.yaml holds no secret, encrypted or not, and only known keys`, () => {
        const values = readStackFile(stack);
        for (const name of Object.keys(values)) {
          if (name.startsWith("aws:")) continue;
          expect(CONFIG_KEYS.map(key), name).to.include(name);
          expect(SECRET_KEYS.map(key), name).not.to.include(name);
        }
        expect(JSON.stringify(values)).not.to.match(/secure|dapi/i);
      });
    }
  });
});
