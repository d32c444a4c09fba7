// The catalog section of docs/contract.md, generated from contract/contract.json so the docs and the Unity Catalog
// comments say the same. `npm run docs:catalog` rewrites it; test/contract/catalog.test.ts fails when it is stale.
import fs from "node:fs";
import path from "node:path";
import {
  CATALOG_TABLES,
  GOLD,
  ORIGIN_COLUMN,
  SILVER_TABLES,
  TABLES,
  goldNowViewComment,
  nowViewComment,
  nowViewName,
  type CatalogTable,
  type CommentedColumn,
} from ".";

export const DOC = path.resolve(__dirname, "../docs/contract.md");
const BEGIN = "<!-- catalog:begin (generated from contract/contract.json by `npm run docs:catalog`) -->";
const END = "<!-- catalog:end -->";

const SCHEMA_HEADINGS: Record<CatalogTable["schema"], string> = {
  batch: "Batch schema (`{prefix with _}_batch`), written by the batch job",
  stream: "Stream schema (`{prefix with _}_stream`), written by the stream job",
};

function columnRows(columns: CommentedColumn[]): string[] {
  return [
    "| column | type | comment |",
    "|---|---|---|",
    ...columns.map((column) => `| \`${column.name}\` | \`${column.type}\` | ${column.comment} |`),
  ];
}

/** The generated section: every table with its comment and columns, then the serving views. */
export function catalogMarkdown(): string {
  const lines: string[] = [BEGIN];
  for (const schema of ["batch", "stream"] as const) {
    lines.push("", `### ${SCHEMA_HEADINGS[schema]}`);
    for (const table of CATALOG_TABLES.filter((candidate) => candidate.schema === schema))
      lines.push("", `\`${table.name}\`: ${table.comment}.`, "", ...columnRows(table.columns));
  }
  lines.push(
    "",
    "### Serving views (section 8), in the batch schema",
    "",
    "| view | comment | columns |",
    "|---|---|---|",
    ...TABLES.map(
      (table) =>
        `| \`${nowViewName(table)}\` | ${nowViewComment(table)} | those of \`${SILVER_TABLES[table]}\`, then \`${ORIGIN_COLUMN.name}\` \`${ORIGIN_COLUMN.type}\`: ${ORIGIN_COLUMN.comment} |`,
    ),
    ...GOLD.map(
      (gold) => `| \`${nowViewName(gold.name)}\` | ${goldNowViewComment(gold)} | those of \`${gold.name}\` |`,
    ),
    "",
    END,
  );
  return lines.join("\n");
}

/** `doc` with its catalog section replaced by `section`; a doc without the markers is an error. */
export function withCatalogSection(doc: string, section: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin)
    throw new Error(`${DOC} has no catalog section: add the lines ${BEGIN} and ${END}`);
  return doc.slice(0, begin) + section + doc.slice(end + END.length);
}

/** The catalog section as the doc holds it now. */
export function catalogSectionOf(doc: string): string {
  return doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length);
}

if (require.main === module) {
  fs.writeFileSync(DOC, withCatalogSection(fs.readFileSync(DOC, "utf8"), catalogMarkdown()));
}
