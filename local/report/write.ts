// Writes the report of a lake directory to one HTML file.
import fs from "node:fs";
import path from "node:path";
import type { RunResult } from "../run-result";
import { readEcharts, renderReport } from "./html";
import { readReportData } from "./lake";

export async function writeReport(opts: {
  lakeDir: string;
  summary?: RunResult;
  out: string;
}): Promise<string> {
  const data = await readReportData(opts.lakeDir, opts.summary);
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, renderReport(data, readEcharts()));
  return opts.out;
}
