// The hop rules of a local run: every record the gateway acknowledged must reach every hop of its path, and every
// row of the source database (the emulator's traffic) must have been acknowledged. Traffic from any other client
// through the gateway counts too: the gateway keeps every key it acknowledged, per path and table.
// Sending and the sink deliver at least once (a hop may hold a record twice: duplicated); the cleaned tables hold
// each acknowledged key once (lost: fewer; extra: keys the gateway never acknowledged), and a record the job
// quarantined is accounted for there.
import { TABLES, type PerTable, type Table } from "../contract";

export type PathName = "batch" | "stream";
const PATHS: PathName[] = ["batch", "stream"];

/** What the gateway acknowledged on one path, as the first hop of each path reads it. */
export interface Acknowledged {
  /** Records acknowledged, duplicates and every client included. */
  accepted: PerTable<number>;
  /** Distinct keys acknowledged (a record without a key counts as its own). */
  acceptedKeys: PerTable<number>;
  /** Rows of the source database whose key the gateway acknowledged. */
  sourceAccepted: PerTable<number>;
}

/** The counts the rules read: per path, each hop's count in path order, and what the job quarantined. */
export interface HopCounts {
  source: PerTable<number>;
  /** A path is absent when its job did not run (`jobs --batch-only` or `--stream-only`). */
  batch?: Acknowledged & {
    kafka: PerTable<number>;
    s3: PerTable<number>;
    silver: PerTable<number>;
    quarantined: PerTable<number>;
  };
  stream?: Acknowledged & {
    kinesis: PerTable<number>;
    delta: PerTable<number>;
    quarantined: PerTable<number>;
  };
}

/** `atLeast`: at-least-once delivery, copies allowed; `exact`: distinct keys plus quarantined equal what is expected. */
export type HopRule = "atLeast" | "exact";

/** A hop: the stage it reaches, its rule, the count it is judged by and the count it must reach. */
export interface Hop {
  stage: string;
  rule: HopRule;
  count: string;
  expected: string;
}

export const HOPS: Record<PathName, Hop[]> = {
  batch: [
    { stage: "accepted", rule: "atLeast", count: "sourceAccepted", expected: "source" },
    { stage: "kafka", rule: "atLeast", count: "kafka", expected: "accepted" },
    { stage: "s3", rule: "atLeast", count: "s3", expected: "kafka" },
    { stage: "silver", rule: "exact", count: "silver", expected: "acceptedKeys" },
  ],
  stream: [
    { stage: "accepted", rule: "atLeast", count: "sourceAccepted", expected: "source" },
    { stage: "kinesis", rule: "atLeast", count: "kinesis", expected: "accepted" },
    { stage: "delta", rule: "exact", count: "delta", expected: "acceptedKeys" },
  ],
};

export interface HopCheck {
  path: PathName;
  /** The hop, e.g. `kafka → s3`; the first hop starts at `source`. */
  hop: string;
  table: Table;
  rule: HopRule;
  /** What the hop must hold: the source rows, the records or keys the gateway acknowledged, the previous hop's records. */
  expected: number;
  count: number;
  quarantined: number;
  /** Expected records missing at this hop (never negative). */
  lost: number;
  /** Keys beyond the acknowledged ones at an exact hop: records that came from nowhere. */
  extra: number;
  /** Copies beyond the expected records at an at-least-once hop (allowed). */
  duplicated: number;
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
  expected: number,
  count: number,
  quarantined: number,
): Pick<HopCheck, "lost" | "extra" | "duplicated" | "ok"> {
  const accounted = rule === "exact" ? count + quarantined : count;
  const lost = Math.max(0, expected - accounted);
  const extra = rule === "exact" ? Math.max(0, count - expected) : 0;
  const duplicated = rule === "atLeast" ? Math.max(0, count - expected) : 0;
  return { lost, extra, duplicated, ok: lost === 0 && extra === 0 };
}

/** The paths whose counts are present (both after a full run). */
export function pathsOf(counts: HopCounts): PathName[] {
  return PATHS.filter((path) => counts[path] !== undefined);
}

/** A count of one path by name: `source` or one of the path's own fields. */
export function countAt(counts: HopCounts, path: PathName, name: string): PerTable<number> {
  if (name === "source") return counts.source;
  return (counts[path] as unknown as Record<string, PerTable<number>>)[name];
}

export function checkHops(counts: HopCounts): HopCheck[] {
  return pathsOf(counts).flatMap((path) =>
    HOPS[path].flatMap((hop, index) => {
      const from = index === 0 ? "source" : HOPS[path][index - 1].stage;
      return TABLES.map((table): HopCheck => {
        const quarantined = hop.rule === "exact" ? counts[path]!.quarantined[table] : 0;
        const expected = countAt(counts, path, hop.expected)[table];
        const count = countAt(counts, path, hop.count)[table];
        return {
          path,
          hop: `${from} → ${hop.stage}`,
          table,
          rule: hop.rule,
          expected,
          count,
          quarantined,
          ...checkHop(hop.rule, expected, count, quarantined),
        };
      });
    }),
  );
}

function describeFailure(check: HopCheck): string {
  const problem = [
    check.lost > 0 ? `${check.lost} lost` : "",
    check.extra > 0 ? `${check.extra} extra: keys the gateway never acknowledged` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const what = check.hop.startsWith("source →") ? ": database rows the gateway never acknowledged" : "";
  return `${check.path} ${check.hop} ${check.table} ${check.count}/${check.expected} (${problem}${what})`;
}

const total = (counts: PerTable<number>): number => TABLES.reduce((sum, table) => sum + counts[table], 0);

export function verdictOf(counts: HopCounts): Verdict {
  const checks = checkHops(counts);
  const failed = checks.filter((check) => !check.ok);
  const paths = pathsOf(counts);
  const notes = paths.flatMap((path) => {
    const counted = counts[path]!;
    const others = total(counted.acceptedKeys) - total(counted.sourceAccepted);
    const duplicated = checks
      .filter((check) => check.path === path)
      .reduce((sum, check) => sum + check.duplicated, 0);
    const quarantined = total(counted.quarantined);
    return [
      others > 0 ? `${others} more keys from other clients on the ${path} path` : "",
      duplicated > 0 ? `${duplicated} duplicated in ${path} delivery` : "",
      quarantined > 0 ? `${quarantined} quarantined by the ${path} job` : "",
    ].filter(Boolean);
  });
  const scope = paths.length === 2 ? "both paths" : `the ${paths[0]} path`;
  const line =
    failed.length === 0
      ? `verdict: OK, all ${total(counts.source)} source records accounted for at every hop of ${scope}` +
        (notes.length > 0 ? ` (${notes.join(", ")})` : "")
      : `verdict: FAILED, ${failed.map(describeFailure).join("; ")}`;
  return { ok: failed.length === 0, checks, line };
}
