// The hop rules of a local run: every record of the source must reach every hop of both paths.
// Sending and the sink deliver at least once (a hop may hold a record twice); the cleaned tables hold each key once,
// and a record the job quarantined is accounted for there.
import { TABLES, type PerTable, type Table } from "../contract";

export type PathName = "batch" | "stream";

/** The counts the rules read: per path, each hop's count in path order, and what the job quarantined. */
export interface HopCounts {
  source: PerTable<number>;
  batch: {
    accepted: PerTable<number>;
    kafka: PerTable<number>;
    s3: PerTable<number>;
    silver: PerTable<number>;
    quarantined: PerTable<number>;
  };
  stream: {
    accepted: PerTable<number>;
    kinesis: PerTable<number>;
    delta: PerTable<number>;
    quarantined: PerTable<number>;
  };
}

/** `atLeast`: at-least-once delivery, duplicates allowed; `exact`: distinct keys plus quarantined equal the source. */
export type HopRule = "atLeast" | "exact";

export const HOPS: Record<PathName, { stage: string; rule: HopRule }[]> = {
  batch: [
    { stage: "accepted", rule: "atLeast" },
    { stage: "kafka", rule: "atLeast" },
    { stage: "s3", rule: "atLeast" },
    { stage: "silver", rule: "exact" },
  ],
  stream: [
    { stage: "accepted", rule: "atLeast" },
    { stage: "kinesis", rule: "atLeast" },
    { stage: "delta", rule: "exact" },
  ],
};

export interface HopCheck {
  path: PathName;
  /** The hop, e.g. `kafka → s3`; the first hop starts at `source`. */
  hop: string;
  table: Table;
  rule: HopRule;
  source: number;
  count: number;
  quarantined: number;
  /** Source records missing at this hop (never negative). */
  lost: number;
  /** Keys beyond the source at an exact hop (records that came from nowhere). */
  extra: number;
  ok: boolean;
}

export interface Verdict {
  ok: boolean;
  checks: HopCheck[];
  /** The one-line verdict the run prints. */
  line: string;
}

export function checkHop(
  rule: HopRule,
  source: number,
  count: number,
  quarantined: number,
): Pick<HopCheck, "lost" | "extra" | "ok"> {
  const accounted = rule === "exact" ? count + quarantined : count;
  const lost = Math.max(0, source - accounted);
  const extra = rule === "exact" ? Math.max(0, count - source) : 0;
  return { lost, extra, ok: lost === 0 && extra === 0 };
}

export function checkHops(counts: HopCounts): HopCheck[] {
  return (Object.keys(HOPS) as PathName[]).flatMap((path) =>
    HOPS[path].flatMap(({ stage, rule }, index) => {
      const from = index === 0 ? "source" : HOPS[path][index - 1].stage;
      const stageCounts = (counts[path] as unknown as Record<string, PerTable<number>>)[stage];
      return TABLES.map((table): HopCheck => {
        const quarantined = rule === "exact" ? counts[path].quarantined[table] : 0;
        const source = counts.source[table];
        const count = stageCounts[table];
        return {
          path,
          hop: `${from} → ${stage}`,
          table,
          rule,
          source,
          count,
          quarantined,
          ...checkHop(rule, source, count, quarantined),
        };
      });
    }),
  );
}

function describeFailure(check: HopCheck): string {
  const problem = [
    check.lost > 0 ? `lost ${check.lost}` : "",
    check.extra > 0 ? `${check.extra} more than the source` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `${check.path} ${check.hop} ${check.table} ${check.count}/${check.source} (${problem})`;
}

export function verdictOf(counts: HopCounts): Verdict {
  const checks = checkHops(counts);
  const failed = checks.filter((check) => !check.ok);
  const sourceTotal = TABLES.reduce((sum, table) => sum + counts.source[table], 0);
  const quarantined = (path: PathName): number =>
    TABLES.reduce((sum, table) => sum + counts[path].quarantined[table], 0);
  const held = (["batch", "stream"] as const)
    .filter((path) => quarantined(path) > 0)
    .map((path) => `${quarantined(path)} quarantined by the ${path} job`);
  const line =
    failed.length === 0
      ? `verdict: OK, all ${sourceTotal} source records accounted for at every hop of both paths` +
        (held.length > 0 ? ` (${held.join(", ")})` : "")
      : `verdict: FAILED, records lost at ${failed.map(describeFailure).join("; ")}`;
  return { ok: failed.length === 0, checks, line };
}
