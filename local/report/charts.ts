// The report's content as data: sections of ECharts options (https://echarts.apache.org/en/option.html) and tables.
import { nowViewName, TABLES, TRENDING, type PerTable } from "../../contract";
import type { Row } from "../delta";
import type { QuarantineGroup, StepTiming } from "../run-result";
import { checkHops, countAt, HOPS, pathsOf, type HopCheck, type HopCounts, type PathName } from "../verdict";
import {
  byLabel,
  cellText,
  GOLD_SHAPES,
  METRIC_SHAPES,
  rowLabel,
  TOP_ROWS,
  topRows,
  type TableShape,
} from "./gold";

/** What a report is made of; every part but the lake's tables is optional. */
export interface ReportData {
  /** Where the tables were read from. */
  lake: string;
  generatedAt: string;
  gold: Record<string, Row[]>;
  metrics: Record<string, Row[]>;
  quarantine: QuarantineGroup[];
  /** The serving views against the gold tables, when the lake has the silver and the stream tables. */
  asOfNow?: AsOfNow;
  /** The run's hop counts, steps and verdict, when a run summary was found. */
  run?: { counts: HopCounts; steps: StepTiming[]; verdict: { ok: boolean; line: string } };
}

/** Where "as of now" (the <gold>_now views: batch plus the stream's new keys) differs from the gold tables. */
export interface AsOfNow {
  /** Stream keys that silver lacks, per table: what the speed layer adds. */
  streamOnly: PerTable<number>;
  differences: { table: string; batchOnly: Row[]; nowOnly: Row[] }[];
}

export interface Chart {
  id: string;
  title: string;
  /** An ECharts option object: plain JSON, no functions. */
  option: Record<string, unknown>;
  height: number;
}

export interface Table {
  caption: string;
  columns: string[];
  rows: string[][];
  /** Shown folded (a <details> element) when the table is long. */
  folded: boolean;
}

export interface Section {
  id: string;
  title: string;
  notes: string[];
  charts: Chart[];
  tables: Table[];
}

const PALETTE = ["#2f6fb0", "#e07b39", "#3a9d6b", "#b04a6f", "#7a5fb0", "#c2a33a", "#4aa3b0", "#8a8a8a"];
const LOST = "#c0392b";
const BAR_HEIGHT = 22;

function tableOf(caption: string, columns: string[], rows: Row[]): Table {
  return {
    caption,
    columns,
    rows: rows.map((row) => columns.map((column) => cellText(row[column]))),
    folded: rows.length > 12,
  };
}

/** Horizontal bars: one per label, largest on top as the reader scans down. */
function horizontalBars(id: string, title: string, labels: string[], values: number[], unit: string): Chart {
  return {
    id,
    title,
    height: Math.max(160, 60 + labels.length * BAR_HEIGHT),
    option: {
      animation: false,
      color: PALETTE,
      grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "value",
        name: unit,
        nameLocation: "middle",
        nameGap: 24,
        splitNumber: 4,
        axisLabel: { hideOverlap: true },
      },
      yAxis: {
        type: "category",
        data: [...labels].reverse(),
        axisLabel: { width: 260, overflow: "truncate" },
      },
      series: [{ type: "bar", data: [...values].reverse(), label: { show: true, position: "right" } }],
    },
  };
}

function verticalBars(id: string, title: string, labels: string[], values: number[], unit: string): Chart {
  return {
    id,
    title,
    height: 280,
    option: {
      animation: false,
      color: PALETTE,
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category",
        data: labels,
        axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 },
      },
      yAxis: { type: "value", name: unit, nameTextStyle: { align: "left" } },
      series: [{ type: "bar", data: values, label: { show: labels.length <= 12, position: "top" } }],
    },
  };
}

function goldSection(gold: Record<string, Row[]>): Section {
  const charts: Chart[] = [];
  const tables: Table[] = [];
  const notes: string[] = [];
  for (const shape of GOLD_SHAPES) {
    const rows = gold[shape.name];
    if (!rows) {
      notes.push(`${shape.name}: not in this lake`);
      continue;
    }
    if (rows.length === 0) {
      notes.push(`${shape.name}: no rows`);
      continue;
    }
    const columns = [...shape.labels, shape.measure];
    if (shape.perCountry && rows.length > 1) {
      const top = topRows(shape, rows, TOP_ROWS);
      charts.push(
        horizontalBars(
          `gold-${shape.name}`,
          `${shape.name} (top ${top.length} of ${rows.length} by ${shape.measure})`,
          top.map((row) => rowLabel(shape, row)),
          top.map((row) => Number(row[shape.measure])),
          shape.measure,
        ),
      );
      tables.push(tableOf(`${shape.name}: all ${rows.length} rows`, columns, byLabel(shape, rows)));
    } else {
      const ordered = byLabel(shape, rows);
      charts.push(
        verticalBars(
          `gold-${shape.name}`,
          shape.name,
          ordered.map((row) => rowLabel(shape, row)),
          ordered.map((row) => Number(row[shape.measure])),
          shape.measure,
        ),
      );
    }
  }
  return { id: "gold", title: "Gold tables (batch job)", notes, charts, tables };
}

function funnelChart(path: PathName, checks: HopCheck[], counts: HopCounts): Chart {
  const stages = ["source", ...HOPS[path].map((hop) => hop.stage)];
  const valueAt = (stage: string, table: (typeof TABLES)[number]): number =>
    countAt(counts, path, stage)[table];
  return {
    id: `hops-${path}`,
    title: `${path} path: ${stages.join(" → ")}`,
    height: 70 + stages.length * TABLES.length * 16,
    option: {
      animation: false,
      color: PALETTE,
      legend: { top: 0 },
      grid: { left: 8, right: 56, top: 28, bottom: 28, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "value",
        name: "records",
        nameLocation: "middle",
        nameGap: 24,
        splitNumber: 4,
        axisLabel: { hideOverlap: true },
      },
      yAxis: { type: "category", data: [...stages].reverse() },
      series: TABLES.map((table) => ({
        type: "bar",
        name: table,
        label: { show: true, position: "right" },
        data: [...stages].reverse().map((stage) => {
          const failed = checks.some(
            (check) => check.hop.endsWith(`→ ${stage}`) && check.table === table && !check.ok,
          );
          const value = valueAt(stage, table);
          return failed ? { value, itemStyle: { color: LOST } } : value;
        }),
      })),
    },
  };
}

function hopSection(data: ReportData): Section {
  if (!data.run)
    return {
      id: "hops",
      title: "Records at every hop",
      notes: [
        "No run summary next to this lake: the hop counts come from `npm run local` (its summary.json).",
      ],
      charts: [],
      tables: [],
    };
  const { counts } = data.run;
  const checks = checkHops(counts);
  const paths = pathsOf(counts);
  return {
    id: "hops",
    title: "Records at every hop",
    notes: [],
    charts: paths.map((path) => funnelChart(path, checks, counts)),
    tables: [
      tableOf(
        "every hop checked: every source row acknowledged by the gateway; at least the records acknowledged where delivery may repeat (duplicated); exactly the keys acknowledged, quarantined included, in the cleaned tables (lost, extra)",
        [
          "path",
          "hop",
          "table",
          "rule",
          "expected",
          "count",
          "quarantined",
          "lost",
          "extra",
          "duplicated",
          "ok",
        ],
        checks.map((check) => ({ ...check, ok: check.ok ? "yes" : "NO" })),
      ),
    ],
  };
}

function quarantineSection(groups: QuarantineGroup[]): Section {
  const section: Section = {
    id: "quarantined",
    title: "Quarantined records",
    notes: [],
    charts: [],
    tables: [],
  };
  if (groups.length === 0) {
    section.notes.push("No record was quarantined: every record was valid JSON with an integer key.");
    return section;
  }
  const sorted = [...groups].sort((a, b) => b.records - a.records);
  section.charts.push(
    horizontalBars(
      "quarantine-reasons",
      "quarantined records by reason",
      sorted.map((group) => `${group.path} · ${group.table} · ${group.reason}`),
      sorted.map((group) => group.records),
      "records",
    ),
  );
  section.tables.push(
    tableOf("quarantined records", ["path", "table", "reason", "records"], sorted as unknown as Row[]),
  );
  return section;
}

function stepSection(steps: StepTiming[] | undefined): Section {
  const section: Section = { id: "steps", title: "Step timings", notes: [], charts: [], tables: [] };
  if (!steps || steps.length === 0) {
    section.notes.push("No step timings: they come from the run summary of `npm run local`.");
    return section;
  }
  const total = steps.reduce((sum, step) => sum + step.seconds, 0);
  section.notes.push(`${total.toFixed(1)} s in all`);
  section.charts.push(
    horizontalBars(
      "steps",
      "seconds per step",
      steps.map((step) => step.step),
      steps.map((step) => step.seconds),
      "seconds",
    ),
  );
  return section;
}

const minuteOf = (value: unknown): string => String(value).replace("T", " ").slice(0, 16);

function metricsSection(metrics: Record<string, Row[]>): Section {
  const section: Section = {
    id: "realtime",
    title: "Real-time metrics (stream job)",
    notes: [],
    charts: [],
    tables: [],
  };
  // The contract names the metric tables; their columns say which is which.
  const metricWith = (has: string[], lacks: string[]): string =>
    Object.values(METRIC_SHAPES).find(
      (shape) => has.every((c) => shape.labels.includes(c)) && !lacks.some((c) => shape.labels.includes(c)),
    )!.name;
  const categoryName = metricWith(["window_start", "category"], ["country"]);
  const countryName = metricWith(["window_start", "country", "category"], []);
  const trendingName = metricWith(["rank", "poster_name"], []);
  const present = Object.keys(metrics).filter((name) => metrics[name].length > 0);
  if (present.length === 0) {
    section.notes.push("No real-time metric tables with rows in this lake.");
    return section;
  }
  const windows = (rows: Row[]): string[] => [...new Set(rows.map((row) => String(row.window_start)))].sort();

  const activity = metrics[categoryName];
  if (activity?.length) {
    const latest = windows(activity).slice(-15);
    const categories = [...new Set(activity.map((row) => String(row.category)))].sort();
    section.charts.push({
      id: `metric-${categoryName}`,
      title: `${categoryName}: posts per category in the latest ${latest.length} one-minute windows (UTC)`,
      height: 320,
      option: {
        animation: false,
        color: PALETTE,
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "category", data: latest.map(minuteOf) },
        yAxis: { type: "value", name: "posts", nameTextStyle: { align: "left" } },
        series: categories.map((category) => ({
          type: "bar",
          name: category,
          stack: "posts",
          data: latest.map((window) =>
            activity
              .filter((row) => String(row.window_start) === window && String(row.category) === category)
              .reduce((sum, row) => sum + Number(row.posts), 0),
          ),
        })),
      },
    });
  }

  const byCountry = metrics[countryName];
  if (byCountry?.length) {
    const window = windows(byCountry).at(-1)!;
    const shape: TableShape = { ...METRIC_SHAPES[countryName], labels: ["country", "category"] };
    const inWindow = byCountry.filter((row) => String(row.window_start) === window);
    const top = topRows(shape, inWindow, TOP_ROWS);
    section.charts.push(
      horizontalBars(
        `metric-${countryName}`,
        `${countryName}: the window of ${minuteOf(window)} UTC (top ${top.length} of ${inWindow.length})`,
        top.map((row) => rowLabel(shape, row)),
        top.map((row) => Number(row.posts)),
        "posts",
      ),
    );
    section.tables.push(
      tableOf(
        `${countryName}, window ${minuteOf(window)} UTC: all ${inWindow.length} rows`,
        ["country", "category", "posts"],
        byLabel(shape, inWindow),
      ),
    );
  }

  const trending = metrics[trendingName];
  if (trending?.length) {
    const ordered = [...trending].sort(
      (a, b) => String(a.category).localeCompare(String(b.category)) || Number(a.rank) - Number(b.rank),
    );
    section.charts.push(
      horizontalBars(
        `metric-${trendingName}`,
        `${trendingName}: the top ${TRENDING.top} posters per category in the last ${TRENDING.windowMinutes} minutes`,
        ordered.map((row) => `${cellText(row.category)} #${cellText(row.rank)} ${cellText(row.poster_name)}`),
        ordered.map((row) => Number(row.posts)),
        "posts",
      ),
    );
    section.tables.push(
      tableOf(trendingName, ["category", "rank", "poster_name", "posts", "follower_count"], ordered),
    );
  }
  return section;
}

function asOfNowSection(asOfNow: AsOfNow | undefined): Section {
  const section: Section = {
    id: "as-of-now",
    title: "As of now: the batch view and the speed layer",
    notes: [],
    charts: [],
    tables: [],
  };
  if (!asOfNow) {
    section.notes.push("No silver and stream tables side by side in this lake: nothing to merge.");
    return section;
  }
  const added = TABLES.map((table) => `${table} ${asOfNow.streamOnly[table]}`).join(", ");
  section.notes.push(
    `The stream tables hold keys the batch has not seen (${added}); the ${nowViewName("<gold>")} views ` +
      "add them to silver and run the same gold queries (docs/contract.md section 8).",
  );
  const differing = asOfNow.differences.filter((d) => d.batchOnly.length + d.nowOnly.length > 0);
  if (differing.length === 0)
    section.notes.push("Every gold table equals its _now view: the stream adds nothing yet.");
  for (const difference of differing) {
    const rows = [
      ...difference.batchOnly.map((row) => ({ ...row, in: "gold (batch)" })),
      ...difference.nowOnly.map((row) => ({ ...row, in: nowViewName(difference.table) })),
    ];
    const shape = GOLD_SHAPES.find((s) => s.name === difference.table)!;
    section.tables.push(
      tableOf(
        `${difference.table}: ${difference.batchOnly.length} rows only in the batch view, ${difference.nowOnly.length} only as of now`,
        [...shape.labels, shape.measure, "in"],
        byLabel(shape, rows),
      ),
    );
  }
  return section;
}

export function reportSections(data: ReportData): Section[] {
  return [
    hopSection(data),
    goldSection(data.gold),
    asOfNowSection(data.asOfNow),
    metricsSection(data.metrics),
    quarantineSection(data.quarantine),
    stepSection(data.run?.steps),
  ];
}
