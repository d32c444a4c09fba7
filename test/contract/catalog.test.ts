// Every table the jobs write, as the catalog declares it: comments on every table and column, the right schema,
// the stream tables' columns, and docs/contract.md's generated catalog section equal to the contract.
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as contract from "../../contract";
import { DOC, catalogMarkdown, catalogSectionOf, withCatalogSection } from "../../contract/catalogDoc";

const ROOT = path.resolve(__dirname, "../..");
const FILE = JSON.parse(fs.readFileSync(path.join(ROOT, "contract/contract.json"), "utf8"));
const names = (items: { name: string }[]): string[] => items.map((item) => item.name);

describe("contract: the catalog", () => {
  it("lists the 20 tables the docs name once each: 3 silver, quarantine, 9 gold, 3 stream, stream quarantine, 3 metrics", () => {
    const tables = names(contract.CATALOG_TABLES);
    expect(tables).to.have.length(20);
    expect(new Set(tables).size).to.equal(20);
    const inSchema = (schema: string): string[] =>
      names(contract.CATALOG_TABLES.filter((table) => table.schema === schema));
    expect(inSchema("batch")).to.deep.equal([
      ...Object.values(contract.SILVER_TABLES),
      contract.QUARANTINE_TABLES.batch,
      ...contract.GOLD_TABLES,
    ]);
    expect(inSchema("stream")).to.deep.equal([
      ...Object.values(contract.STREAM_TABLES),
      contract.QUARANTINE_TABLES.stream,
      ...contract.METRIC_TABLES,
    ]);
  });

  it("names the same tables as DECLARED_TABLES (the table properties' list), and each has its properties", () => {
    expect(names(contract.CATALOG_TABLES).sort()).to.deep.equal([...contract.DECLARED_TABLES].sort());
    for (const table of contract.CATALOG_TABLES)
      expect(contract.tableProperties(table.name)).to.be.an("object");
  });

  it("a stream table has its silver table's columns, then arrived_at", () => {
    for (const table of contract.TABLES)
      expect(names(contract.catalogTable(contract.STREAM_TABLES[table]).columns)).to.deep.equal([
        ...names(FILE.silver[table].columns),
        "arrived_at",
      ]);
  });

  it("every table and every column has a comment, one line, ending without a full stop", () => {
    const comments = contract.CATALOG_TABLES.flatMap((table) => [
      table.comment,
      ...table.columns.map((column) => column.comment),
    ]);
    comments.push(contract.ORIGIN_COLUMN.comment);
    expect(comments).to.have.length.greaterThan(100);
    for (const comment of comments) {
      expect(comment, comment)
        .to.be.a("string")
        .and.match(/^\S.*[^.\s]$/);
      expect(comment).not.to.contain("\n");
    }
  });

  it("every column object of the file carries a comment (none is added by the reader)", () => {
    const columnLists = [
      ...Object.values(FILE.silver).map((table) => (table as { columns: object[] }).columns),
      FILE.stream.extraColumns,
      FILE.quarantine.columns,
      ...FILE.gold.map((table: { columns: object[] }) => table.columns),
      ...FILE.metrics.map((table: { columns: object[] }) => table.columns),
    ];
    for (const columns of columnLists)
      for (const column of columns) expect(column).to.have.keys("name", "type", "comment");
  });

  it("an unknown table is an error naming it", () => {
    expect(() => contract.catalogTable("pins")).to.throw(/no table pins/);
  });

  it("names the serving views by the contract's rule", () => {
    expect(contract.nowViewName("pin")).to.equal("pin_now");
    expect(contract.nowViewName(contract.GOLD_TABLES[0])).to.equal(`${contract.GOLD_TABLES[0]}_now`);
    expect(contract.nowViewComment("geo"))
      .to.contain(contract.SILVER_TABLES.geo)
      .and.contain(contract.STREAM_TABLES.geo);
    expect(contract.goldNowViewComment(contract.GOLD[0])).to.contain(contract.GOLD[0].comment);
    expect(contract.ORIGIN_COLUMN).to.deep.include({ name: "origin", type: "string" });
  });
});

describe("contract: docs/contract.md's catalog section", () => {
  it("equals the section generated from the contract (run `npm run docs:catalog` when this fails)", () => {
    expect(catalogSectionOf(fs.readFileSync(DOC, "utf8"))).to.equal(catalogMarkdown());
  });

  it("names every table, column and comment of the contract", () => {
    const section = catalogMarkdown();
    for (const table of contract.CATALOG_TABLES) {
      expect(section).to.contain(`\`${table.name}\`: ${table.comment}.`);
      for (const column of table.columns)
        expect(section).to.contain(`| \`${column.name}\` | \`${column.type}\` | ${column.comment} |`);
    }
  });

  it("replacing the section keeps the rest of the doc; a doc without the markers is an error", () => {
    const doc = `# Title\n\n${catalogMarkdown().replace("pin_silver", "stale")}\n\nAfter.\n`;
    expect(withCatalogSection(doc, catalogMarkdown())).to.equal(
      `# Title\n\n${catalogMarkdown()}\n\nAfter.\n`,
    );
    expect(() => withCatalogSection("# Title\n", catalogMarkdown())).to.throw(/has no catalog section/);
  });
});
