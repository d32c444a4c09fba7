// The report in a real browser (Debian's headless Chromium): it opens offline, logs no error, and every chart draws.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { GOLD_TABLES, METRIC_TABLES, QUARANTINE_TABLES } from "../../contract";
import type { Row } from "../../local/delta";
import type { ReportData } from "../../local/report/charts";
import { reportSections } from "../../local/report/charts";
import { chartStates, openReport } from "../../local/report/browser";
import { GOLD_SHAPES } from "../../local/report/gold";
import { escapeHtml, readEcharts, renderReport, scriptJson } from "../../local/report/html";
import { findTables, readReportData, rowsMissingFrom } from "../../local/report/lake";
import { writeReport } from "../../local/report/write";
import { JOBS_PYTHON } from "../../local/run-tool";
import type { HopCounts } from "../../local/verdict";

const same = (n: number) => ({ pin: n, geo: n, user: n });
const COUNTRIES = Array.from({ length: 30 }, (_, i) => `Country ${String.fromCharCode(65 + (i % 26))}${i}`);

/** Rows for every gold table, shaped by the contract's columns: enough per-country rows to need the top 20. */
function goldRows(): Record<string, Row[]> {
  const rows: Record<string, Row[]> = {};
  for (const shape of GOLD_SHAPES) {
    const count = shape.perCountry ? COUNTRIES.length : 4;
    rows[shape.name] = Array.from({ length: shape.name.startsWith("country_with") ? 1 : count }, (_, i) => ({
      ...Object.fromEntries(
        shape.labels.map((label) => [label, label === "country" ? COUNTRIES[i] : `${label} ${i}`]),
      ),
      [shape.measure]: 10 + ((i * 7) % 23),
    }));
  }
  return rows;
}

function metricRows(): Record<string, Row[]> {
  const [activity, byCountry, trending] = METRIC_TABLES;
  const windows = ["2026-12-01T07:00:00", "2026-12-01T07:01:00", "2026-12-01T07:02:00"];
  return {
    [activity]: windows.flatMap((w, i) =>
      ["art", "travel"].map((c, j) => ({ window_start: w, category: c, posts: 3 + i + j })),
    ),
    [byCountry]: windows.flatMap((w) =>
      COUNTRIES.map((country, i) => ({ window_start: w, country, category: "art", posts: 1 + i })),
    ),
    [trending]: ["art", "travel"].flatMap((category) =>
      [1, 2, 3].map((rank) => ({
        category,
        rank,
        poster_name: `poster ${rank}`,
        posts: 10 - rank,
        follower_count: 1000 * rank,
      })),
    ),
  };
}

function counts(): HopCounts {
  return {
    source: same(100),
    batch: {
      accepted: same(100),
      acceptedKeys: same(100),
      sourceAccepted: same(100),
      kafka: same(104),
      s3: same(104),
      silver: { pin: 98, geo: 100, user: 100 },
      quarantined: { pin: 2, geo: 0, user: 0 },
    },
    stream: {
      accepted: same(100),
      acceptedKeys: same(100),
      sourceAccepted: same(100),
      kinesis: same(100),
      delta: { pin: 100, geo: 90, user: 100 },
      quarantined: same(0),
    },
  };
}

function fullData(): ReportData {
  return {
    lake: "/lake",
    generatedAt: "2026-12-01T07:00:00Z",
    gold: goldRows(),
    metrics: metricRows(),
    quarantine: [
      { path: "batch", table: "pin", reason: "not valid JSON", records: 1 },
      { path: "batch", table: "pin", reason: "key <ind> is not an integer", records: 1 },
    ],
    run: {
      counts: counts(),
      steps: [
        { step: "seed", seconds: 1.2 },
        { step: "batch job", seconds: 48.5 },
      ],
      verdict: {
        ok: false,
        line: "verdict: FAILED, stream kinesis → delta geo 90/100 (10 lost)",
      },
    },
  };
}

describe("report: content", () => {
  it("has a chart per gold table, a funnel per path, quarantine by reason, step timings and the three metric tables", () => {
    const ids = reportSections(fullData()).flatMap((section) => section.charts.map((chart) => chart.id));
    expect(ids).to.deep.equal([
      "hops-batch",
      "hops-stream",
      ...GOLD_TABLES.map((name) => `gold-${name}`),
      ...METRIC_TABLES.map((name) => `metric-${name}`),
      "quarantine-reasons",
      "steps",
    ]);
  });

  it("charts the top 20 of a per-country table and lists every row below it", () => {
    const gold = reportSections(fullData()).find((section) => section.id === "gold")!;
    const perCountry = GOLD_SHAPES.filter(
      (shape) => shape.perCountry && !shape.name.startsWith("country_with"),
    );
    expect(perCountry.map((shape) => shape.name)).to.deep.equal([
      "popular_category_by_country",
      "most_followed_user_by_country",
    ]);
    for (const shape of perCountry) {
      const chart = gold.charts.find((c) => c.id === `gold-${shape.name}`)!;
      const bars = (chart.option.series as { data: number[] }[])[0].data;
      expect(bars, shape.name).to.have.length(20);
      expect(Math.max(...bars)).to.equal(32);
      const table = gold.tables.find((t) => t.caption.startsWith(shape.name))!;
      expect(table.rows, shape.name).to.have.length(COUNTRIES.length);
    }
  });

  it("colours the hop that lost records", () => {
    const stream = reportSections(fullData())[0].charts.find((chart) => chart.id === "hops-stream")!;
    const geo = (stream.option.series as { name: string; data: unknown[] }[]).find((s) => s.name === "geo")!;
    // Stages top-down: delta, kinesis, accepted, source; only delta lost geo records.
    expect(geo.data[0]).to.deep.equal({ value: 90, itemStyle: { color: "#c0392b" } });
    expect(geo.data.slice(1)).to.deep.equal([100, 100, 100]);
  });

  it("says what is missing instead of drawing empty charts", () => {
    const sections = reportSections({
      lake: "/l",
      generatedAt: "now",
      gold: {},
      metrics: {},
      quarantine: [],
    });
    expect(sections.flatMap((s) => s.charts)).to.deep.equal([]);
    expect(sections.flatMap((s) => s.notes).join("\n"))
      .to.match(/No run summary/)
      .and.match(/No record was quarantined/);
  });

  it("shows where the gold tables and their _now views differ, row by row", () => {
    const [name] = GOLD_TABLES;
    const sections = reportSections({
      ...fullData(),
      asOfNow: {
        streamOnly: { pin: 3, geo: 3, user: 0 },
        differences: [
          {
            table: name,
            batchOnly: [{ country: "Chad", category: "art", category_count: 2 }],
            nowOnly: [{ country: "Chad", category: "travel", category_count: 3 }],
          },
          { table: GOLD_TABLES[1], batchOnly: [], nowOnly: [] },
        ],
      },
    });
    const section = sections.find((s) => s.id === "as-of-now")!;
    expect(section.notes[0]).to.include("pin 3, geo 3, user 0");
    expect(section.tables).to.have.length(1);
    expect(section.tables[0].caption).to.equal(`${name}: 1 rows only in the batch view, 1 only as of now`);
    expect(section.tables[0].rows).to.deep.equal([
      ["Chad", "art", "2", "gold (batch)"],
      ["Chad", "travel", "3", `${name}_now`],
    ]);
  });

  it("diffs rows whatever the order of their keys", () => {
    expect(
      rowsMissingFrom(
        [
          { a: 1, b: 2.5 },
          { a: 2, b: 1 },
        ],
        [{ b: 2.5, a: 1 }],
      ),
    ).to.deep.equal([{ a: 2, b: 1 }]);
  });

  it("escapes text and keeps script data inert", () => {
    expect(escapeHtml(`<b a="1">&'`)).to.equal("&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
    expect(scriptJson({ s: "</script><!--" })).to.equal('{"s":"\\u003c/script>\\u003c!--"}');
  });
});

describe("report: in headless Chromium", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-test-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("opens offline with no console error, and every chart has drawn its SVG", async () => {
    const file = path.join(dir, "report.html");
    const data = fullData();
    fs.writeFileSync(file, renderReport(data, readEcharts()));
    const expected = reportSections(data).flatMap((s) => s.charts).length;
    const opened = await openReport(file);
    try {
      expect(opened.errors).to.deep.equal([]);
      expect(opened.requests, "requests beyond the file").to.deep.equal([]);
      const charts = await chartStates(opened.page);
      expect(charts).to.have.length(expected);
      for (const chart of charts) {
        expect(chart.width, chart.id).to.be.greaterThan(200);
        expect(chart.height, chart.id).to.be.greaterThan(100);
        // An axis alone is a handful of marks; bars and their labels add at least one per row.
        expect(chart.marks, `${chart.id} marks`).to.be.greaterThan(10);
      }
      const text = await opened.page.textContent("body");
      expect(text).to.include("verdict: FAILED, stream kinesis → delta geo 90/100");
    } finally {
      await opened.browser.close();
    }
  });

  it("reads a lake's Delta tables wherever they sit below it", async () => {
    // Delta tables written by delta-rs (the `deltalake` package), as another engine than the jobs' Spark would.
    const lake = path.join(dir, "lake");
    const script = `
import os, sys, pyarrow as pa
from deltalake import write_deltalake
def table(path, columns):
    write_deltalake(path, pa.table(columns))
lake, gold, quarantine = sys.argv[1], sys.argv[2], sys.argv[3]
table(os.path.join(lake, "copied", "gold", gold), {"post_year": [2019, 2020], "category": ["art", "travel"], "category_count": [3, 5]})
table(os.path.join(lake, "copied", quarantine), {"table": ["pin", "pin", "geo"], "source": ["t", "t", "t"], "reason": ["bad", "bad", "worse"], "payload": ["", "", ""]})
`;
    execFileSync(JOBS_PYTHON, ["-c", script, lake, GOLD_TABLES[1], QUARANTINE_TABLES.batch]);
    expect([...findTables(lake).keys()].sort()).to.deep.equal(
      [GOLD_TABLES[1], QUARANTINE_TABLES.batch].sort(),
    );
    const data = await readReportData(lake);
    expect(data.gold).to.deep.equal({
      [GOLD_TABLES[1]]: [
        { post_year: 2019, category: "art", category_count: 3 },
        { post_year: 2020, category: "travel", category_count: 5 },
      ],
    });
    expect(data.metrics).to.deep.equal({});
    expect(data.run).to.equal(undefined);
    expect(data.quarantine).to.have.deep.members([
      { path: "batch", table: "pin", reason: "bad", records: 2 },
      { path: "batch", table: "geo", reason: "worse", records: 1 },
    ]);

    // The same lake through the command's path (tables → HTML file) draws in the browser too.
    const out = path.join(dir, "lake-report.html");
    await writeReport({ lakeDir: lake, out });
    const opened = await openReport(out);
    try {
      expect(opened.errors).to.deep.equal([]);
      const charts = await chartStates(opened.page);
      expect(charts.map((chart) => chart.id)).to.deep.equal([`gold-${GOLD_TABLES[1]}`, "quarantine-reasons"]);
      for (const chart of charts) expect(chart.marks, chart.id).to.be.greaterThan(10);
    } finally {
      await opened.browser.close();
    }
  });

  it("refuses a folder without gold tables, naming what it looked for", async () => {
    const empty = fs.mkdtempSync(path.join(dir, "empty-"));
    let message = "";
    await readReportData(empty).catch((error: Error) => (message = error.message));
    expect(message)
      .to.match(/no gold table below .*empty-/)
      .and.include(GOLD_TABLES[0]);
  });
});
