// Adds up the suites' counts into the one line CI reads: "N passed, N failed".
//   tsx tools/summary.ts                     per-suite lines, then the total
//   tsx tools/summary.ts --junit XML OUT     converts a pytest JUnit report into counts
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Counts {
  passed: number;
  failed: number;
}

const resultsDir = join(__dirname, "..", ".cache", "test-results");

function countsFromJunit(xml: string): Counts {
  let passed = 0;
  let failed = 0;
  for (const match of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = (name: string): number => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(match[1])?.[1] ?? 0);
    const bad = attr("failures") + attr("errors") + attr("skipped");
    passed += attr("tests") - bad;
    failed += bad;
  }
  return { passed, failed };
}

function main(argv: string[]): number {
  if (argv[0] === "--junit") {
    const counts = countsFromJunit(readFileSync(argv[1], "utf8"));
    // pytest with no test collected is a failure, not a pass.
    if (counts.passed + counts.failed === 0) counts.failed = 1;
    writeFileSync(argv[2], JSON.stringify(counts));
    return 0;
  }
  const total: Counts = { passed: 0, failed: 0 };
  const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith(".json")) : [];
  for (const file of files.sort()) {
    const counts = JSON.parse(readFileSync(join(resultsDir, file), "utf8")) as Counts;
    console.log(
      `  ${file.replace(/\.json$/, "").padEnd(10)} ${counts.passed} passed, ${counts.failed} failed`,
    );
    total.passed += counts.passed;
    total.failed += counts.failed;
  }
  if (files.length === 0) total.failed = 1;
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return total.failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
