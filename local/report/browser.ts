// Opens a report in Debian's headless Chromium through playwright-core, records what went wrong, takes screenshots.
import fs from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { RuntimeFailure } from "../../cli/errors";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this machine refuses.
const FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OpenedReport {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Every URL the page asked for beyond the file itself (a self-contained report asks for none). */
  requests: string[];
}

export async function openReport(
  file: string,
  viewport = { width: 1400, height: 1000 },
): Promise<OpenedReport> {
  if (!fs.existsSync(CHROMIUM))
    throw new RuntimeFailure(`no Chromium at ${CHROMIUM}; install it with: bash tools/ensure.sh chromium`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const requests: string[] = [];
  const url = `file://${fs.realpathSync(file)}`;
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  await page.goto(url, { waitUntil: "load" });
  return { browser, page, errors, requests };
}

export interface ChartState {
  id: string;
  /** Drawn marks: SVG paths, rects and texts inside the chart. */
  marks: number;
  width: number;
  height: number;
}

export async function chartStates(page: Page): Promise<ChartState[]> {
  return page.$$eval(".chart", (elements) =>
    elements.map((element) => ({
      id: element.getAttribute("data-chart") ?? element.id,
      marks: element.querySelectorAll("svg path, svg rect, svg text").length,
      width: element.getBoundingClientRect().width,
      height: element.getBoundingClientRect().height,
    })),
  );
}
