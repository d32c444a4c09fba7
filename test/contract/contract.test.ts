// The TypeScript and the Python reader against contract/contract.json, and against each other.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as contract from "../../contract";

const ROOT = path.resolve(__dirname, "../..");
const FILE = JSON.parse(fs.readFileSync(path.join(ROOT, "contract/contract.json"), "utf8"));
const JOBS_PYTHON = path.join(ROOT, ".cache/venv/jobs/bin/python");
const names = (columns: { name: string }[]): string[] => columns.map((column) => column.name);

describe("contract: the TypeScript reader", () => {
  it("lists the file's tables, in its order", () => {
    expect([...contract.TABLES]).to.deep.equal(FILE.tables);
  });

  // Examples from docs/contract.md (stack outputs): a prefix of 0a1b2c gives these names.
  it("derives topic, stream and connector names by the file's rules", () => {
    expect(contract.topicNames("0a1b2c")).to.deep.equal({
      pin: "0a1b2c.pin",
      geo: "0a1b2c.geo",
      user: "0a1b2c.user",
    });
    expect(contract.streamNames("0a1b2c")).to.deep.equal({
      pin: "0a1b2c-pin",
      geo: "0a1b2c-geo",
      user: "0a1b2c-user",
    });
    expect(contract.s3SinkConnectorName("dev")).to.equal("dev-s3-sink");
    expect(contract.topicDir("dev.pin")).to.equal("topics/dev.pin");
    expect(contract.deltaSchemaNames("pin-dev")).to.deep.equal({
      batch: "pin_dev_batch",
      stream: "pin_dev_stream",
    });
    expect(contract.dataBucketName("dev", "123456789012")).to.equal("dev-pipeline-data-123456789012");
    expect(contract.dagBucketName("dev", "123456789012")).to.equal("airflow-dev-dags-123456789012");
  });

  const prefixes: [string, boolean][] = [
    ["dev", true],
    ["a1", false],
    ["x".repeat(20), true],
    ["x".repeat(21), false],
    ["-dev", false],
    ["dev-", false],
    ["Dev", false],
    ["my-stack-2", true],
  ];
  for (const [prefix, valid] of prefixes) {
    it(`${valid ? "accepts" : "refuses"} the prefix "${prefix}"`, () => {
      if (valid) expect(contract.validatePrefix(prefix)).to.equal(prefix);
      else expect(() => contract.validatePrefix(prefix)).to.throw(/prefix .* is invalid: use 3-20 lowercase/);
    });
  }

  it("a name rule missing a value is an error, not a name with a hole", () => {
    expect(() => contract.renderName("dataBucket", { prefix: "dev" })).to.throw(/needs \{accountId\}/);
  });

  it("exposes the file's tables and columns unchanged", () => {
    for (const table of contract.TABLES) {
      expect(contract.SOURCE_TABLES[table]).to.equal(FILE.source[table].table);
      expect(contract.SOURCE_KEYS[table]).to.equal(FILE.source[table].key);
      expect(contract.SOURCE_COLUMNS[table]).to.deep.equal(names(FILE.source[table].columns));
      expect(contract.SILVER_TABLES[table]).to.equal(FILE.silver[table].name);
      expect(contract.STREAM_TABLES[table]).to.equal(FILE.stream.tables[table]);
    }
    expect(contract.QUARANTINE_TABLES).to.deep.equal({
      batch: FILE.quarantine.batch,
      stream: FILE.quarantine.stream,
    });
    expect(contract.GOLD_TABLES).to.deep.equal(FILE.gold.map((t: { name: string }) => t.name));
    expect(contract.METRIC_TABLES).to.deep.equal(FILE.metrics.map((t: { name: string }) => t.name));
    expect(contract.PLACEHOLDERS).to.deep.equal(FILE.placeholders);
  });

  it("holds the nine gold tables and three metric tables the docs name, each with columns", () => {
    expect(contract.GOLD_TABLES).to.have.length(9);
    expect(contract.METRIC_TABLES).to.deep.equal([
      "category_activity_1m",
      "country_category_activity_1m",
      "trending_profiles",
    ]);
    for (const table of [...contract.GOLD, ...contract.METRICS])
      expect(table.columns).to.have.length.greaterThan(0);
  });
});

describe("contract: table properties", () => {
  it("are declared for the contract's tables only, each with a default", () => {
    const { default: defaults, ...perTableProperties } = FILE.tableProperties;
    expect(defaults).to.be.an("object");
    expect(contract.DECLARED_TABLES).to.include.members(Object.keys(perTableProperties));
  });

  it("merge the defaults with the table's own, the table winning", () => {
    expect(contract.tableProperties("pin_stream")).to.deep.equal({
      ...FILE.tableProperties.default,
      "delta.dataSkippingStatsColumns": "ind,arrived_at",
    });
    expect(contract.tableProperties("trending_profiles")).to.deep.equal(FILE.tableProperties.default);
  });

  it("are all strings, as Delta's table properties are", () => {
    for (const name of contract.DECLARED_TABLES)
      for (const value of Object.values(contract.tableProperties(name))) expect(value).to.be.a("string");
  });

  it("refuse a table the contract does not declare", () => {
    expect(() => contract.tableProperties("pin_streams")).to.throw(/pin_streams is not in contract/);
  });
});

describe("contract: the Python reader agrees with the TypeScript reader", function () {
  this.timeout(60_000);
  let python: Record<string, unknown>;

  before(() => {
    const script = `
import json
from pinterest_jobs import contract as c
print(json.dumps({
  "tables": list(c.TABLES),
  "topics": c.topic_names("0a1b2c"),
  "streams": c.stream_names("0a1b2c"),
  "topicDir": c.topic_dir("/mnt/x", "dev.pin"),
  "sourceTables": c.SOURCE_TABLES,
  "sourceFields": {t: list(v) for t, v in c.SOURCE_FIELDS.items()},
  "sourceKeys": c.SOURCE_KEYS,
  "placeholders": c.PLACEHOLDERS,
  "silver": c.SILVER_TABLES,
  "silverColumns": {t: list(v) for t, v in c.SILVER_COLUMNS.items()},
  "stream": c.STREAM_TABLES,
  "quarantine": {"batch": c.QUARANTINE_TABLE, "stream": c.STREAM_QUARANTINE_TABLE},
  "gold": list(c.GOLD_TABLES),
  "metrics": list(c.METRIC_TABLES),
  "trending": {"windowMinutes": c.TRENDING_WINDOW_MINUTES, "top": c.TRENDING_TOP},
  "catalog": [
    {"schema": t.schema, "name": t.name, "comment": t.comment,
     "columns": [{"name": col.name, "type": col.type, "comment": col.comment} for col in t.columns]}
    for t in c.CATALOG_TABLES
  ],
  "origin": {"name": c.ORIGIN_COLUMN.name, "type": c.ORIGIN_COLUMN.type, "comment": c.ORIGIN_COLUMN.comment},
  "nowViews": [c.now_view_name(n) for n in ["pin", *c.GOLD_TABLES]],
  "nowComments": [c.now_view_comment(t) for t in c.TABLES] + [c.gold_now_view_comment(g) for g in c.GOLD_TABLES],
  "tableProperties": {t: c.table_properties(t) for t in c.DECLARED_TABLES},
}))`;
    python = JSON.parse(execFileSync(JOBS_PYTHON, ["-c", script], { encoding: "utf8" }));
  });

  it("on every name and column", () => {
    expect(python).to.deep.equal({
      tables: [...contract.TABLES],
      topics: contract.topicNames("0a1b2c"),
      streams: contract.streamNames("0a1b2c"),
      topicDir: `/mnt/x/${contract.topicDir("dev.pin")}`,
      sourceTables: contract.SOURCE_TABLES,
      sourceFields: contract.SOURCE_COLUMNS,
      sourceKeys: contract.SOURCE_KEYS,
      placeholders: contract.PLACEHOLDERS,
      silver: contract.SILVER_TABLES,
      silverColumns: contract.perTable((table) => names(contract.SILVER_COLUMNS[table])),
      stream: contract.STREAM_TABLES,
      quarantine: contract.QUARANTINE_TABLES,
      gold: contract.GOLD_TABLES,
      metrics: contract.METRIC_TABLES,
      trending: contract.TRENDING,
      catalog: contract.CATALOG_TABLES,
      origin: contract.ORIGIN_COLUMN,
      nowViews: ["pin", ...contract.GOLD_TABLES].map(contract.nowViewName),
      nowComments: [
        ...contract.TABLES.map(contract.nowViewComment),
        ...contract.GOLD.map(contract.goldNowViewComment),
      ],
      tableProperties: Object.fromEntries(
        contract.DECLARED_TABLES.map((name) => [name, contract.tableProperties(name)]),
      ),
    });
  });

  it("refuses the same bad prefix with the same rule", () => {
    let stderr = "";
    try {
      execFileSync(
        JOBS_PYTHON,
        ["-c", "from pinterest_jobs import contract; contract.topic_names('Bad_Prefix')"],
        {
          stdio: "pipe",
        },
      );
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).to.contain(`use ${FILE.prefix.rule}`);
  });

  it("the jobs package reads the repository's contract file, byte for byte", () => {
    const packaged = execFileSync(
      JOBS_PYTHON,
      [
        "-c",
        "from importlib.resources import files; print(files('pinterest_jobs').joinpath('contract.json').read_text(), end='')",
      ],
      { encoding: "utf8" },
    );
    expect(packaged).to.equal(fs.readFileSync(path.join(ROOT, "contract/contract.json"), "utf8"));
  });
});
