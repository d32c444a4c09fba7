// The README and docs/: every relative link resolves (file and heading), the README fits a screen's worth of
// reading, every environment variable the code reads is documented with the code's default, and every
// `npm run ...` line names a script that exists, with flags the command accepts.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseArgs as parseLocalArgs, USAGE as LOCAL_USAGE } from "../../local/args";

const ROOT = path.resolve(__dirname, "../..");
const DOCS = [
  "README.md",
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => headingAnchor(m[1])));
}

function relativeLinks(file: string): string[] {
  const text = fs
    .readFileSync(path.join(ROOT, file), "utf8")
    .replace(/```[\s\S]*?```/g, "")
    .replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe("docs: README and docs/", () => {
  it("turns headings into GitHub's anchors", () => {
    expect(headingAnchor("What the tests here cannot prove")).to.equal("what-the-tests-here-cannot-prove");
    expect(headingAnchor("`npm run local`: flags, state")).to.equal("npm-run-local-flags-state");
    expect(headingAnchor("Records at every hop (batch & stream)")).to.equal(
      "records-at-every-hop-batch--stream",
    );
  });

  for (const file of DOCS) {
    it(`${file}: every relative link resolves`, () => {
      const broken = relativeLinks(file).filter((target) => {
        const [pathPart, anchor] = target.split("#");
        const resolved = pathPart
          ? path.resolve(path.dirname(path.join(ROOT, file)), decodeURI(pathPart))
          : path.join(ROOT, file);
        if (!fs.existsSync(resolved)) return true;
        return anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor);
      });
      expect(broken).to.deep.equal([]);
    });
  }

  it("README.md is at most 150 lines, shows the committed report screenshot and links every doc", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme.split("\n").length).to.be.at.most(150);
    expect(readme).to.match(/!\[[^\]]+\]\(docs\/report\.png\)/);
    const tracked = execFileSync("git", ["ls-files", "docs/report.png"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    expect(tracked, "docs/report.png is committed").to.equal("docs/report.png");
    for (const doc of DOCS.filter((f) => f !== "README.md")) expect(readme, doc).to.include(`(${doc})`);
  });

  it("documents every environment variable the code reads in docs/environment.md", () => {
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => /\.(ts|py|cjs|mjs)$/.test(f) && fs.existsSync(path.join(ROOT, f)));
    const read = new Set<string>();
    const patterns = [
      /process\.env\.([A-Z][A-Z0-9_]+)/g,
      /process\.env\[["']([A-Z][A-Z0-9_]+)["']\]/g,
      /os\.environ(?:\.get|\.setdefault)?\(\s*["']([A-Z][A-Z0-9_]+)["']/g,
      /os\.environ\[["']([A-Z][A-Z0-9_]+)["']\]/g,
      /["']([A-Z][A-Z0-9_]+)["']\s+in\s+os\.environ/g,
      /os\.getenv\(\s*["']([A-Z][A-Z0-9_]+)["']/g,
    ];
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) read.add(match[1]);
    }
    expect(read.size, "variables found").to.be.greaterThan(5);
    const doc = fs.readFileSync(path.join(ROOT, "docs/environment.md"), "utf8");
    expect([...read].filter((name) => !doc.includes(`\`${name}\``)).sort()).to.deep.equal([]);
  });

  it("gives each environment variable's default as the code has it", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/environment.md"), "utf8");
    const documented = new Map(
      [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]),
    );
    // Literal defaults in the code: a Python environ.get with a string default, a TypeScript env read with ??.
    const inCode = new Map<string, string>();
    const sources = ["jobs/src/pinterest_jobs", "local", "emulator", "test/e2e", "test/infra/harness"];
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", ...sources], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => /\.(ts|py)$/.test(f) && fs.existsSync(path.join(ROOT, f)));
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const m of text.matchAll(/os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)",\s*"([^"]*)"\s*\)/g))
        inCode.set(m[1], m[2]);
      for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]+) \?\? (?:"([^"]*)"|([\d_]+))/g))
        inCode.set(m[1], m[2] ?? m[3].replace(/_/g, ""));
    }
    expect([...inCode.keys()], "defaults found in the code").to.include.members([
      "PINTEREST_JOBS_DRIVER_MEMORY",
      "PINTEREST_JOBS_MASTER",
      "E2E_POSTS",
      "CHROMIUM_PATH",
    ]);
    // A cell may name a pair (`test` / `test`) or show a number with separators (45,000).
    const cellValues = (cell: string): string[] =>
      [...cell.matchAll(/`([^`]*)`|(\d[\d,]*)/g)].map((m) => m[1] ?? m[2].replace(/,/g, ""));
    const wrong = [...inCode]
      .filter(([name]) => documented.has(name))
      .filter(([name, value]) => !cellValues(documented.get(name)!).includes(value))
      .map(([name, value]) => `${name}: docs say ${documented.get(name)}, the code ${value}`);
    expect(wrong).to.deep.equal([]);
  });

  it("gives each local-mode flag's default as the parser has it", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/local-mode.md"), "utf8");
    const defaults = parseLocalArgs([]);
    const rows = new Map(
      [...doc.matchAll(/^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]),
    );
    expect(rows.get("--posts")).to.equal(String(defaults.posts));
    expect(rows.get("--prefix")).to.equal(`\`${defaults.prefix}\``);
    expect(rows.get("--port-base")).to.equal(String(defaults.portBase));
    expect(rows.get("--state-dir")).to.equal(`\`${path.relative(ROOT, defaults.stateDir)}/\``);
  });

  // Every `npm run SCRIPT -- ARGS` in the docs: SCRIPT exists, and each flag in ARGS is one the command takes.
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const commandLines = DOCS.flatMap((file) =>
    [
      ...fs
        .readFileSync(path.join(ROOT, file), "utf8")
        .matchAll(/npm run ([a-z][a-z0-9:-]*)((?: -- [^`\n#|&)]*)?)/g),
    ].map((m) => ({ file, script: m[1], args: m[2].replace(/^ -- /, "").trim() })),
  );
  /** The sources that define each command's flags; local mode is checked with its own parser instead. */
  const flagSources: Record<string, string[]> = {
    emulator: ["emulator/cli.ts"],
    report: ["local/report/cli.ts"],
    "report:screenshot": ["local/report/screenshot.ts"],
    "bench:stream": ["local/bench-stream.ts"],
    "bench:emulator": ["emulator/bench.ts"],
    "bench:batch": ["jobs/bench/bench_batch.py"],
    "jobs:batch": ["jobs/src/pinterest_jobs/batch.py", "jobs/src/pinterest_jobs/cli.py"],
    "jobs:stream": ["jobs/src/pinterest_jobs/stream.py", "jobs/src/pinterest_jobs/cli.py"],
  };
  // Flags of the command itself: a command substituted into an argument ($(node -p ...)) is not one.
  const flagsOf = (args: string): string[] =>
    [...args.replace(/\$\([^)]*\)?/g, "").matchAll(/(?:^|[\s[])(--?[a-z][a-z0-9-]*)/g)].map((m) => m[1]);

  it("finds the npm run lines of the docs", () => {
    expect(commandLines.length).to.be.greaterThan(40);
    expect(commandLines.filter((line) => line.script === "local" && line.args).length).to.be.greaterThan(5);
  });

  it("names only scripts that package.json has", () => {
    const missing = commandLines.filter((line) => !(line.script in scripts));
    expect(missing.map((line) => `${line.file}: npm run ${line.script}`)).to.deep.equal([]);
  });

  it("shows only flags that local mode accepts, for the command they are shown with", () => {
    const refused = commandLines
      .filter((line) => line.script === "local" && line.args)
      .flatMap((line) => {
        // A quoted argument (the SQL of query) is one word, as the shell passes it; the line match stops at a
        // ")", so a quote may be left open.
        const words = [...line.args.matchAll(/"[^"]*"?|\S+/g)]
          .map((match) => match[0])
          .filter((word) => !/[[\]]/.test(word) || /^\[?-/.test(word) || word.startsWith('"'));
        const argv = words
          .map((word) => (word.startsWith('"') ? word.replace(/^"|"$/g, "") : word.replace(/[[\]]/g, "")))
          .filter(Boolean);
        // Placeholders in the docs (a component, N) stand for a value the parser takes.
        const concrete = argv.map((word) => ({ component: "kafka", N: "5", DIR: "d" })[word] ?? word);
        try {
          parseLocalArgs(concrete);
          return [];
        } catch (error) {
          return [`${line.file}: npm run local -- ${line.args}: ${(error as Error).message}`];
        }
      });
    expect(refused).to.deep.equal([]);
    expect(LOCAL_USAGE).to.include("--spark-ui");
  });

  // Each benchmark runs in npm test, at a tiny size, so that a command the docs give never fails on a fresh clone.
  const benchmarkTests: Record<string, string> = {
    "bench:emulator": "test/local/doc-commands.test.ts",
    "bench:batch": "jobs/tests/test_bench.py",
    "bench:stream": "test/e2e/bench-stream.test.ts",
  };
  it("runs every bench:* script in npm test", () => {
    const benches = Object.keys(scripts).filter((name) => name.startsWith("bench:"));
    const untested = benches.filter((name) => {
      if (name === "bench:local") {
        // The end-to-end test itself at 50,000 posts; test:e2e runs that file at 45,000.
        const file = /mocha .* (test\/e2e\/\S+\.test\.ts)$/.exec(scripts[name])?.[1];
        return !file || !scripts["test:e2e"].includes("test/e2e/**/*.test.ts");
      }
      const test = benchmarkTests[name];
      return !test || !fs.readFileSync(path.join(ROOT, test), "utf8").includes(`"${name}"`);
    });
    expect(untested).to.deep.equal([]);
  });

  it("shows only flags the other commands define", () => {
    const unknown = commandLines
      .filter((line) => line.script in flagSources && line.args)
      .flatMap((line) => {
        const source = flagSources[line.script]
          .map((f) => fs.readFileSync(path.join(ROOT, f), "utf8"))
          .join("\n");
        return flagsOf(line.args)
          .filter((flag) => !["--help", "-h"].includes(flag))
          .filter((flag) => !new RegExp(`["'\\s]${flag}\\b`).test(source))
          .map((flag) => `${line.file}: npm run ${line.script} ... ${flag}`);
      });
    expect(unknown).to.deep.equal([]);
  });
});
