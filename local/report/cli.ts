// `npm run report -- --lake DIR [--out FILE] [--summary FILE]`: the report of any lake directory.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { EXIT, RuntimeFailure, runCli, UsageError } from "../../cli/errors";
import { DEFAULT_STATE_DIR, REPO_ROOT } from "../layout";
import type { RunResult } from "../run-result";
import { writeReport } from "./write";

export const USAGE = `usage: npm run report -- --lake DIR [--out FILE] [--summary FILE]

Builds the report (one HTML file that opens offline) from the Delta tables below DIR: the gold tables, the
real-time metric tables and the quarantine tables, wherever below DIR they are (local mode's .local/lake, or
tables copied from a workspace). With a run summary it also shows the records at every hop, the verdict and
the step timings.

  --lake DIR      the folder to read (required)
  --out FILE      where to write the report (default ${path.relative(REPO_ROOT, path.join(DEFAULT_STATE_DIR, "report.html"))})
  --summary FILE  a run summary of npm run local (default: summary.json in DIR or in the folder above it)
  -h, --help      this text
  --version       the project's version`;

function summaryFor(lake: string, given: string | undefined): RunResult | undefined {
  const candidates = given
    ? [given]
    : [path.join(lake, "summary.json"), path.join(lake, "..", "summary.json")];
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  if (given && !file) throw new UsageError(`--summary ${given} does not exist`);
  if (!file) return undefined;
  let summary: RunResult;
  try {
    summary = JSON.parse(fs.readFileSync(file, "utf8")) as RunResult;
  } catch (error) {
    throw new RuntimeFailure(`${file} is not a run summary (${(error as Error).message})`);
  }
  if (!summary.verdict || !summary.stream?.quarantined) {
    console.error(
      `report: ${file} comes from an older npm run local (no verdict); the hop counts are left out`,
    );
    return undefined;
  }
  return summary;
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        lake: { type: "string" },
        out: { type: "string" },
        summary: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]}; see: npm run report -- --help`);
  }
  if (values.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (values.version) {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    console.log(`pinterest-data-pipeline ${version}`);
    return EXIT.ok;
  }
  if (!values.lake) throw new UsageError("--lake DIR is required: the folder with the Delta tables");
  const lake = path.resolve(values.lake);
  if (!fs.existsSync(lake) || !fs.statSync(lake).isDirectory())
    throw new UsageError(`--lake ${values.lake} is not a directory`);
  const out = path.resolve(values.out ?? path.join(DEFAULT_STATE_DIR, "report.html"));
  const summary = summaryFor(lake, values.summary && path.resolve(values.summary));
  try {
    await writeReport({ lakeDir: lake, summary, out });
  } catch (error) {
    throw new RuntimeFailure((error as Error).message);
  }
  console.log(`report: ${out}${summary ? "" : " (no run summary found: no hop counts or step timings)"}`);
  return EXIT.ok;
}

if (require.main === module) runCli("report", () => main(process.argv.slice(2)));
