// The README and docs/: every relative link resolves (file and heading), the README fits a screen's worth of
// reading, and every environment variable the code reads is documented.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

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
});
