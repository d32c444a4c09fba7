// Writes the two copies of the config rows (infra/configKeys.ts) that other tools read: the `config:` section of
// Pulumi.yaml (the CLI's typed declarations) and the config table of docs/deploying.md. `npm run config:docs`
// after adding or changing a row; test/infra/config.test.ts fails while either file differs from this rendering.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { dump, load } from "js-yaml";
import { CONFIG_KEYS, CONFIG_ROWS, type ConfigKey } from "./config";
import { PROJECT } from "./names";

const ROOT = path.resolve(__dirname, "..");
export const PROJECT_FILE = path.join(ROOT, "Pulumi.yaml");
export const DOCS_FILE = path.join(ROOT, "docs", "deploying.md");
const TABLE_HEADER = "| key | type | default | dev | prod | meaning |\n|---|---|---|---|---|---|\n";

/** A YAML scalar as prettier leaves it: plain when YAML allows, else in double quotes. */
function scalar(value: string | number | boolean): string {
  const plain = dump(value, { lineWidth: -1 }).trimEnd();
  return plain.startsWith("'") ? JSON.stringify(value) : plain;
}

/** Pulumi.yaml's `config:` section: every row that is not optional, with its type, default and description. */
function renderProjectConfig(): string {
  const lines = ["config:"];
  for (const name of CONFIG_KEYS) {
    const row = CONFIG_ROWS[name];
    if (row.optional) continue;
    lines.push(`  ${name}:`, `    type: ${row.type}`);
    if (row.default !== undefined) lines.push(`    default: ${scalar(row.default)}`);
    lines.push(`    description: ${scalar(row.description)}`);
  }
  return lines.join("\n") + "\n";
}

function stackValues(stack: string): Record<string, unknown> {
  const file = load(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Json };
  return file.config;
}
type Json = Record<string, unknown>;

/** docs/deploying.md's table: the declared keys in row order, then the optional ones. */
function renderDocsTable(): string {
  const dev = stackValues("dev");
  const prod = stackValues("prod");
  const cell = (value: unknown) => (value === undefined ? "" : `\`${String(value)}\``);
  const line = (name: ConfigKey) => {
    const row = CONFIG_ROWS[name];
    const type = row.secret ? `${row.type}, secret` : row.type;
    const fallback =
      row.default !== undefined ? cell(row.default) : row.optional ? (row.docDefault ?? "—") : "**required**";
    const values = [dev, prod].map((stack) => cell(stack[`${PROJECT}:${name}`]));
    return `| \`${name}\` | ${type} | ${fallback} | ${values.join(" | ")} | ${row.description} |`;
  };
  const ordered = [
    ...CONFIG_KEYS.filter((name) => !CONFIG_ROWS[name].optional),
    ...CONFIG_KEYS.filter((name) => CONFIG_ROWS[name].optional),
  ];
  return TABLE_HEADER + ordered.map(line).join("\n") + "\n";
}

/** `text` with the part from `start` up to the first line that does not begin with `continues` replaced. */
function replaceBlock(text: string, start: string, continues: RegExp, replacement: string): string {
  const from = text.indexOf(start);
  if (from < 0) throw new Error(`no "${start.split("\n")[0]}" to replace`);
  const lines = text.slice(from).split("\n");
  let count = 1;
  while (count < lines.length && continues.test(lines[count])) count += 1;
  const to = from + lines.slice(0, count).join("\n").length + 1;
  return text.slice(0, from) + replacement + text.slice(to);
}

export const projectFileRendered = (text: string) =>
  replaceBlock(text, "config:\n", /^ {2}/, renderProjectConfig());
export const docsFileRendered = (text: string) => replaceBlock(text, TABLE_HEADER, /^\|/, renderDocsTable());

if (require.main === module) {
  for (const [file, render] of [
    [PROJECT_FILE, projectFileRendered],
    [DOCS_FILE, docsFileRendered],
  ] as const) {
    writeFileSync(file, render(readFileSync(file, "utf8")));
    console.log(`config:docs: wrote ${path.relative(ROOT, file)}`);
  }
}
