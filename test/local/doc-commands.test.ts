// The commands the docs give, run as a user runs them (through npm and package.json) on this clone: the help of
// both command lines, the emulator's benchmark at a tiny size, and the report of a lake written as Databricks
// writes tables (deletion vectors). Local mode's own commands run against a stack in test/e2e.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { readReportData } from "../../local/report/lake";

const ROOT = path.resolve(__dirname, "../..");

function npmRun(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("npm", ["run", "--silent", script, "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("docs' commands on this clone", function () {
  this.timeout(180_000);

  it("npm run local -- --help prints the usage", () => {
    const result = npmRun("local", ["--help"]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include("usage: npm run local -- [command] [flags]");
  });

  it("npm run emulator -- --help prints the usage", () => {
    const result = npmRun("emulator", ["--help"]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^usage: npm run emulator/im);
  });

  it("npm run bench:emulator at a tiny size prints its table", () => {
    const result = npmRun("bench:emulator", ["--seconds", "0.3"]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include("| path | batch size | concurrency | records/s |");
    expect(result.stdout.match(/^\| (batch|stream) /gm)).to.have.length(8);
  });

  // test/local/fixtures/dv-lake was written by delta-spark with delta.enableDeletionVectors and a DELETE
  // (make_dv_lake.py): Databricks turns deletion vectors on for new tables ("Deletion vectors are enabled by
  // default when creating a new table using a SQL warehouse or Databricks Runtime 14.1 or above",
  // https://docs.databricks.com/aws/en/delta/deletion-vectors). A reader that ignores the vectors sees 40 rows
  // in the gold table and 8 quarantined records; the table holds 20 and 5.
  it("npm run report -- --lake reads tables with deletion vectors", async () => {
    const lake = path.join(ROOT, "test/local/fixtures/dv-lake");
    const log = fs.readFileSync(
      path.join(lake, "gold/popular_category_by_year/_delta_log/00000000000000000001.json"),
      "utf8",
    );
    expect(log, "the fixture's DELETE wrote a deletion vector").to.include('"deletionVector":{');
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dv-report-")), "report.html");
    const result = npmRun("report", ["--lake", lake, "--out", out]);
    expect(result.status, result.stderr).to.equal(0);
    expect(fs.readFileSync(out, "utf8")).to.include('"gold-popular_category_by_year"');
    const data = await readReportData(lake);
    const rows = data.gold.popular_category_by_year;
    expect(rows).to.have.length(20);
    expect(rows.every((row) => Number(row.category_count) % 2 === 0)).to.equal(true);
    expect(data.quarantine).to.deep.equal([{ path: "batch", table: "pin", reason: "bad", records: 5 }]);
  });
});
