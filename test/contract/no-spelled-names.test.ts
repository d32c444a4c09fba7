// No module outside contract/ spells one of the contract's names as a string literal: each name has one home.
// Tests and fixtures may spell them on purpose, as independent oracles, and are not scanned.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as contract from "../../contract";

const ROOT = path.resolve(__dirname, "../..");

/** Tracked source files that are neither the contract nor tests. */
function scannedFiles(): string[] {
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter(Boolean);
  return tracked.filter(
    (file) =>
      /\.(ts|py|java)$/.test(file) &&
      !file.startsWith("contract/") &&
      file !== "jobs/src/pinterest_jobs/contract.py" &&
      !file.startsWith("test/") &&
      // The DuckDB side of the batch benchmark is an independent implementation of the gold queries, on purpose.
      !file.startsWith("jobs/bench/") &&
      !/(^|\/)tests\//.test(file) &&
      fs.existsSync(path.join(ROOT, file)),
  );
}

const CONTRACT_NAMES = [
  ...Object.values(contract.SOURCE_TABLES),
  ...Object.values(contract.SILVER_TABLES),
  ...Object.values(contract.STREAM_TABLES),
  contract.QUARANTINE_TABLES.batch,
  contract.QUARANTINE_TABLES.stream,
  ...contract.GOLD_TABLES,
  ...contract.METRIC_TABLES,
];

/** The name as a string literal: in Python a backtick is prose (docstrings), in TypeScript a template string. */
function quotedName(name: string, file = ".ts"): RegExp {
  return file.endsWith(".py") ? new RegExp(`["']${name}["']`) : new RegExp(`["'\`]${name}["'\`]`);
}

// Naming rules spelled again: `${prefix}.${table}`, f"{prefix}-{table}", the connector after a prefix, and the
// sink's object keys (`topics/{topic}/partition=`). `/topics/{topic}` alone is the
// Kafka REST route, not the folder.
const RULE_SPELLINGS = [
  /\$?\{prefix\}[.-]\$?\{table\}/,
  /\$?\{prefix\}-s3-sink|s3-sink-\$?\{prefix\}/,
  /topics\/\{+topic\}+\/partition=/,
];

describe("contract: no module spells a contract name", () => {
  const files = scannedFiles();

  it("scans the repository's modules", () => {
    expect(files.length).to.be.greaterThan(50);
  });

  it("finds a planted spelling (the scan itself works)", () => {
    const planted = `const table = "${contract.GOLD_TABLES[0]}";`;
    expect(quotedName(contract.GOLD_TABLES[0]).test(planted)).to.equal(true);
    expect(RULE_SPELLINGS[0].test("return `${prefix}.${table}`;")).to.equal(true);
  });

  it("no table name is quoted outside contract/", () => {
    const hits: string[] = [];
    for (const file of files) {
      const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
      lines.forEach((line, index) => {
        if (/^\s*(\/\/|\*|\/\*\*|#)/.test(line)) return; // comments may name things
        for (const name of CONTRACT_NAMES)
          if (quotedName(name, file).test(line)) hits.push(`${file}:${index + 1}: ${name}`);
        for (const rule of RULE_SPELLINGS)
          if (rule.test(line)) hits.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(hits, hits.join("\n")).to.deep.equal([]);
  });
});

describe("contract: dependencies point one way", () => {
  it("nothing outside infra/ (and its tests) imports infra/", () => {
    const offenders = scannedFiles()
      .filter((file) => file.endsWith(".ts") && !file.startsWith("infra/"))
      .filter((file) => /from\s+["'](\.\.\/)+infra\//.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
    expect(offenders).to.deep.equal([]);
  });
});
