// `npm run report:screenshot -- REPORT.html OUT.png [--width N]`: a full-page PNG of a report in headless Chromium.
import { EXIT, RuntimeFailure, runCli, UsageError } from "../../cli/errors";
import { openReport } from "./browser";

const USAGE = "usage: npm run report:screenshot -- REPORT.html OUT.png [--width N] [--height N]";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const positional = argv.filter((arg, index) => !arg.startsWith("--") && !argv[index - 1]?.startsWith("--"));
  const flag = (name: string, fallback: number): number => {
    const index = argv.indexOf(name);
    if (index < 0) return fallback;
    const value = Number(argv[index + 1]);
    if (!Number.isInteger(value) || value < 200)
      throw new UsageError(`${name} needs a whole number of pixels >= 200`);
    return value;
  };
  if (positional.length !== 2) throw new UsageError(USAGE);
  const [report, out] = positional;
  const opened = await openReport(report, { width: flag("--width", 1400), height: flag("--height", 1000) });
  try {
    if (opened.errors.length > 0)
      throw new RuntimeFailure(`the report has errors: ${opened.errors.join("; ")}`);
    await opened.page.screenshot({ path: out, fullPage: !argv.includes("--height") });
  } finally {
    await opened.browser.close();
  }
  console.log(`screenshot: ${out}`);
  return EXIT.ok;
}

runCli("report:screenshot", () => main(process.argv.slice(2)));
