// What a local run found: every hop's count, the quarantine by reason, the verdict and the steps' timings.
// The pipeline produces it; the report reads it (and the summary.json it is written to).
import type { HopCheck, HopCounts, PathName } from "./verdict";

/** Quarantined records of one table for one reason, as the quarantine tables hold them. */
export interface QuarantineGroup {
  path: PathName;
  table: string;
  reason: string;
  records: number;
}

export interface StepTiming {
  step: string;
  seconds: number;
}

/** Every hop's count, as `summarize` reads them once the jobs are done. */
export interface RunSummary extends HopCounts {
  prefix: string;
  mount: string;
  gold: string;
  quarantine: QuarantineGroup[];
}

export interface RunResult extends RunSummary {
  verdict: { ok: boolean; line: string; failed: HopCheck[] };
  steps: StepTiming[];
  report: string;
}
