// The serving layer's SQL (contract/serving.ts): the gold queries read from contract/gold, the `_now` views' text,
// and the `<table>_now` view run on a hand-built case (SQLite through the jobs' Python, no Spark needed).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import * as contract from "../../contract";
import {
  GOLD_SQL_DIR,
  ORIGINS,
  goldQueryOver,
  goldSql,
  nowViewSql,
  quotedName,
  servingViews,
} from "../../contract/serving";

const ROOT = path.resolve(__dirname, "../..");
const JOBS_PYTHON = path.join(ROOT, ".cache/venv/jobs/bin/python");
const ref = (schema: string, name: string): string => quotedName("cat", schema, name);

describe("contract: the gold queries' SQL", () => {
  it("one file per gold table, nothing else in the folder", () => {
    expect(fs.readdirSync(GOLD_SQL_DIR).sort()).to.deep.equal(
      contract.GOLD_TABLES.map((name) => `${name}.sql`).sort(),
    );
    for (const name of contract.GOLD_TABLES) expect(goldSql(name)).to.match(/\bSELECT\b/i);
  });

  it("a gold table without its file is an error naming the file to write", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "gold-"));
    expect(() => goldSql("popular_category_by_country", empty)).to.throw(
      /gold query popular_category_by_country has no SQL: write .*popular_category_by_country\.sql/,
    );
  });

  it("a query over other relations binds pin, geo and user by a WITH clause around the unchanged text", () => {
    const sql = "-- a comment that must end before the closing parenthesis\nSELECT count(*) AS n FROM pin";
    const bound = goldQueryOver(sql, { pin: "`a`.`b`.`p`", geo: "`a`.`b`.`g`", user: "`a`.`b`.`u`" });
    expect(bound).to.equal(
      "WITH `pin` AS (SELECT * FROM `a`.`b`.`p`), `geo` AS (SELECT * FROM `a`.`b`.`g`), " +
        "`user` AS (SELECT * FROM `a`.`b`.`u`)\nSELECT * FROM (\n" +
        sql +
        "\n) AS query",
    );
  });
});

describe("contract: the serving views", () => {
  const views = servingViews(ref);

  it("are pin_now, geo_now, user_now, then one <gold>_now per gold table, each reading only views before it", () => {
    expect(views.map((view) => view.name)).to.deep.equal([
      "pin_now",
      "geo_now",
      "user_now",
      ...contract.GOLD_TABLES.map((name) => `${name}_now`),
    ]);
    const seen = new Set<string>();
    for (const view of views) {
      for (const read of view.readsViews) expect(seen.has(read), `${view.name} reads ${read}`).to.equal(true);
      seen.add(view.name);
    }
  });

  it("a table's view reads its silver table (batch schema) and its stream table (stream schema), fully qualified", () => {
    const pin = views[0];
    expect(pin.readsTables).to.deep.equal([contract.SILVER_TABLES.pin, contract.STREAM_TABLES.pin]);
    expect(pin.sql).to.contain(`FROM ${ref("batch", contract.SILVER_TABLES.pin)}`);
    expect(pin.sql).to.contain(`FROM ${ref("stream", contract.STREAM_TABLES.pin)} AS s`);
    expect(pin.comment).to.equal(contract.nowViewComment("pin"));
  });

  it("a gold view is the gold file's text over the three _now views", () => {
    for (const gold of contract.GOLD) {
      const view = views.find((candidate) => candidate.name === `${gold.name}_now`);
      expect(view?.sql).to.equal(
        goldQueryOver(goldSql(gold.name), {
          pin: ref("batch", "pin_now"),
          geo: ref("batch", "geo_now"),
          user: ref("batch", "user_now"),
        }),
      );
      expect(view?.readsViews).to.deep.equal(["pin_now", "geo_now", "user_now"]);
      expect(view?.comment).to.equal(contract.goldNowViewComment(gold));
    }
  });

  it("backticks a name that holds one, so no name ends the quoting", () => {
    expect(quotedName("a`b", "c")).to.equal("`a``b`.`c`");
  });
});

describe("contract: <table>_now on a hand-built case (SQLite)", function () {
  this.timeout(60_000);

  // Keys: 1 only in silver, 2 in both (silver's row wins), 3 only in the stream, twice in neither.
  it("a key only in silver, only in the stream, or in both is there once, from silver when both hold it", () => {
    const columns = contract.SILVER_COLUMNS.user.map((column) => column.name);
    expect(columns).to.deep.equal(["ind", "user_name", "age", "date_joined"]);
    const sql = nowViewSql("user", "`user_silver`", "`user_stream`");
    const script = `
import json, sqlite3, sys
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE user_silver (ind, user_name, age, date_joined)")
db.execute("CREATE TABLE user_stream (ind, user_name, age, date_joined, arrived_at)")
db.executemany("INSERT INTO user_silver VALUES (?, ?, ?, ?)", [(1, "Ann Silver", 30, "2020-01-01"), (2, "Bob Silver", 40, "2019-01-01")])
db.executemany("INSERT INTO user_stream VALUES (?, ?, ?, ?, ?)", [(2, "Bob Stream", 41, "2019-01-01", "t"), (3, "Cy Stream", 22, "2021-01-01", "t")])
print(json.dumps(sorted(db.execute(sys.argv[1]).fetchall())))`;
    const rows = JSON.parse(execFileSync(JOBS_PYTHON, ["-c", script, sql], { encoding: "utf8" }));
    expect(rows).to.deep.equal([
      [1, "Ann Silver", 30, "2020-01-01", ORIGINS.batch],
      [2, "Bob Silver", 40, "2019-01-01", ORIGINS.batch],
      [3, "Cy Stream", 22, "2021-01-01", ORIGINS.stream],
    ]);
  });
});
