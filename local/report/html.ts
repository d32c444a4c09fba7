// The report as one HTML file: the charting library and the data inlined, nothing fetched when it is opened.
import fs from "node:fs";
import type { Chart, ReportData, Section, Table } from "./charts";
import { reportSections } from "./charts";

export const ECHARTS_FILE = require.resolve("echarts/dist/echarts.min.js");

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function tableHtml(table: Table): string {
  const head = `<tr>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`)
    .join("\n");
  const html = `<table><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
  return table.folded
    ? `<details><summary>${escapeHtml(table.caption)}</summary>${html}</details>`
    : `<h3>${escapeHtml(table.caption)}</h3>${html}`;
}

function chartHtml(chart: Chart): string {
  return `<figure class="card"><figcaption>${escapeHtml(chart.title)}</figcaption><div class="chart" id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}" style="height:${chart.height}px"></div></figure>`;
}

function sectionHtml(section: Section): string {
  const notes = section.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`).join("\n");
  const charts =
    section.charts.length > 0 ? `<div class="grid">${section.charts.map(chartHtml).join("\n")}</div>` : "";
  return `<section id="${section.id}"><h2>${escapeHtml(section.title)}</h2>\n${notes}\n${charts}\n${section.tables.map(tableHtml).join("\n")}</section>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2630; background: #f4f6f8; }
header { background: #1d2630; color: #fff; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; opacity: .8; }
main { padding: 8px 24px 32px; }
h2 { margin: 24px 0 8px; font-size: 17px; }
h3 { font-size: 14px; margin: 12px 0 4px; }
.verdict { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin-top: 16px; }
.verdict.ok { background: #e3f4ea; color: #1e6b3f; }
.verdict.failed { background: #fbe4e1; color: #96281b; }
.note { margin: 4px 0; color: #46525e; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; align-items: start; }
.card { background: #fff; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.12); margin: 0; padding: 10px 12px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
table { border-collapse: collapse; background: #fff; margin: 4px 0 12px; font-size: 13px; }
th, td { border: 1px solid #d8dde2; padding: 3px 8px; text-align: left; }
th { background: #eef1f4; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #2f6fb0; }
`;

// Draws every chart, then marks the page: data-charts-drawn counts the charts whose SVG holds marks.
const DRAW = `
(function () {
  var charts = JSON.parse(document.getElementById("report-charts").textContent);
  var drawn = 0;
  charts.forEach(function (spec) {
    var element = document.getElementById("chart-" + spec.id);
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(spec.option);
    if (element.querySelector("svg path, svg rect, svg text")) drawn += 1;
    window.addEventListener("resize", function () { chart.resize(); });
  });
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-charts-drawn", String(drawn));
})();
`;

export function renderReport(data: ReportData, echartsSource: string): string {
  const sections = reportSections(data);
  const charts = sections.flatMap((section) => section.charts);
  const verdict = data.run
    ? `<div class="verdict ${data.run.verdict.ok ? "ok" : "failed"}">${escapeHtml(data.run.verdict.line)}</div>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipeline report</title>
<style>${STYLE}</style>
<script>${echartsSource.replace(/<\/script/gi, "<\\/script")}</script>
</head>
<body>
<header><h1>Pinterest data pipeline: run report</h1><p>${escapeHtml(`lake ${data.lake} · generated ${data.generatedAt}`)}</p></header>
<main>
${verdict}
${sections.map(sectionHtml).join("\n")}
</main>
<script type="application/json" id="report-charts">${scriptJson(charts.map(({ id, option }) => ({ id, option })))}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}

export function readEcharts(): string {
  return fs.readFileSync(ECHARTS_FILE, "utf8");
}
