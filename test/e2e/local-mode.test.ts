// End to end: local mode with real Kafka, Kafka Connect, Kinesis (moto), MariaDB and Spark, one run shared by every
// test below. The Kafka broker is restarted while the batch traffic is being sent; nothing may be lost.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import mysql from "mysql2/promise";
import { request } from "undici";
import { GOLD_TABLES, SOURCE_TABLES, TABLES, type PerTable } from "../../contract";
import { METRIC_TABLES, STREAM_TABLES } from "../../contract";
import { readRows } from "../../local/delta";
import { layoutOf, type Layout } from "../../local/layout";
import {
  readGold,
  runBatchJob,
  runStreamJob,
  seed,
  send,
  summarize,
  waitForSink,
  type RunSummary,
  type StepContext,
} from "../../local/pipeline";
import { portsFrom } from "../../local/ports";
import { sleep } from "../../local/services/net";
import { startStack, type Stack } from "../../local/stack";
import { canonical, expectedGold, type SourceRows } from "./expected-gold";

const POSTS = 2000;

async function readSource(dbUrl: string): Promise<SourceRows> {
  const db = await mysql.createConnection({ uri: dbUrl, dateStrings: true });
  try {
    const rowsOf = async (table: string): Promise<Record<string, unknown>[]> =>
      (await db.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${table}\``))[0];
    return {
      pin: await rowsOf(SOURCE_TABLES.pin),
      geo: await rowsOf(SOURCE_TABLES.geo),
      user: await rowsOf(SOURCE_TABLES.user),
    };
  } finally {
    await db.end();
  }
}

/** Every object key below `prefix` in a bucket, listed through the S3 API (ListObjects, page by page). */
async function listObjectKeys(endpoint: string, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (;;) {
    const query = new URLSearchParams({ prefix, "max-keys": "1000" });
    if (keys.length > 0) query.set("marker", keys[keys.length - 1]);
    const response = await request(`${endpoint}/${bucket}?${query}`);
    const xml = await response.body.text();
    expect(response.statusCode, xml).to.equal(200);
    keys.push(...[...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]));
    if (!xml.includes("<IsTruncated>true</IsTruncated>")) return keys;
  }
}

describe("local mode end to end", function () {
  this.timeout(25 * 60_000);

  let stateDir: string;
  let layout: Layout;
  let stack: Stack | undefined;
  let summary: RunSummary;
  let source: SourceRows;
  let gold: Record<string, Record<string, unknown>[]>;
  let acceptedAtRestart = -1;
  let acceptedAfterRestart = -1;
  const log: string[] = [];

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "local-e2e-"));
    layout = layoutOf(stateDir);
    stack = await startStack({
      prefix: "e2e",
      layout,
      ports: await portsFrom(0),
      say: (line) => log.push(line),
    });
    const ctx: StepContext = {
      endpoints: stack.endpoints,
      layout,
      say: (line) => log.push(line),
      running: new Set(),
    };
    await seed(ctx, POSTS);

    // The fault: once a quarter of the batch records are in, the broker stops and starts again while sending goes on
    // (small requests at a bounded rate, so that sending lasts well beyond the restart).
    const batch = send(ctx, "batch", { batchSize: 50, concurrency: 2, rate: 400 });
    const stream = send(ctx, "stream");
    const total = POSTS * TABLES.length;
    const acceptedBatch = (): number =>
      TABLES.reduce((sum, table) => sum + stack!.gateway.accepted().batch[table], 0);
    while (acceptedBatch() < total / 4) await sleep(50);
    acceptedAtRestart = acceptedBatch();
    await stack.kafka.restart();
    acceptedAfterRestart = acceptedBatch();
    await Promise.all([batch, stream]);

    await waitForSink(ctx);
    const batchJob = await runBatchJob(ctx);
    await runStreamJob(ctx);
    summary = await summarize(ctx, batchJob);
    source = await readSource(stack.endpoints.dbUrl);
    gold = await readGold(layout);
  });

  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state !== "passed") failed = true;
  });

  after(async () => {
    await stack?.stop();
    if (!stateDir) return;
    // A failed run keeps its logs (the `before` hook failing counts too: then no summary exists).
    if (failed || !summary)
      console.log(`local-mode e2e: state and logs kept in ${stateDir}\n${log.join("\n")}`);
    else fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const each = (counts: PerTable<number>): number[] => TABLES.map((table) => counts[table]);

  it(`seeds ${POSTS} posts in each source table`, () => {
    expect(summary.source).to.deep.equal({ pin: POSTS, geo: POSTS, user: POSTS });
    expect(TABLES.map((table) => source[table].length)).to.deep.equal([POSTS, POSTS, POSTS]);
  });

  it("restarted the Kafka broker in the middle of the batch sending", () => {
    expect(acceptedAtRestart, "accepted when the broker stopped").to.be.greaterThan(0);
    expect(acceptedAfterRestart, "accepted when it was back").to.be.lessThan(POSTS * TABLES.length);
  });

  it("accounts for every batch record at every hop: gateway, Kafka, sink files, silver", () => {
    expect(each(summary.batch.accepted), "accepted by the gateway").to.deep.equal(each(summary.source));
    TABLES.forEach((table) => {
      expect(summary.batch.kafka[table], `${table} records in Kafka`).to.be.at.least(summary.source[table]);
      expect(summary.batch.s3[table], `${table} lines in the sink files`).to.be.at.least(
        summary.batch.kafka[table],
      );
    });
    expect(each(summary.batch.quarantined), "quarantined").to.deep.equal([0, 0, 0]);
    expect(each(summary.batch.silver), "distinct keys in silver").to.deep.equal(each(summary.source));
  });

  it("accounts for every stream record at every hop: gateway, Kinesis, Delta", () => {
    expect(each(summary.stream.accepted), "accepted by the gateway").to.deep.equal(each(summary.source));
    TABLES.forEach((table) =>
      expect(summary.stream.kinesis[table], `${table} records in Kinesis`).to.be.at.least(
        summary.source[table],
      ),
    );
    expect(each(summary.stream.delta), "distinct keys in the Delta tables").to.deep.equal(
      each(summary.source),
    );
  });

  it("writes the sink objects as one JSON record value per line under topics/{topic}/partition=0/", () => {
    for (const table of TABLES) {
      const topic = stack!.endpoints.outputs.topics[table];
      const dir = path.join(layout.mountDir, "topics", topic, "partition=0");
      const lines = fs
        .readdirSync(dir)
        .flatMap((file) => fs.readFileSync(path.join(dir, file), "utf8").split("\n"))
        .filter(Boolean);
      const keys = new Set(
        lines.map((line) => (JSON.parse(line) as Record<string, unknown>)[table === "pin" ? "index" : "ind"]),
      );
      expect(keys.size, topic).to.equal(POSTS);
    }
  });

  it("writes the mount's files as S3 objects through S3Proxy, named like Aiven's sink and tiling each partition", async () => {
    const { s3Endpoint, bucket, outputs } = stack!.endpoints;
    const keys = await listObjectKeys(s3Endpoint, bucket, "topics/");
    const files = TABLES.flatMap((table) => {
      const dir = path.join(layout.mountDir, "topics", outputs.topics[table], "partition=0");
      return fs.readdirSync(dir).map((file) => `topics/${outputs.topics[table]}/partition=0/${file}`);
    });
    expect(keys.length, "objects in the bucket").to.be.greaterThan(0);
    expect([...keys].sort()).to.deep.equal([...files].sort());

    for (const table of TABLES) {
      const topic = outputs.topics[table];
      const dotted = topic.replace(/\./g, "\\.");
      const name = new RegExp(`^topics/${dotted}/partition=0/${dotted}\\+0\\+(\\d+)\\.json$`);
      const objects = keys
        .filter((key) => key.startsWith(`topics/${topic}/`))
        .map((key) => {
          const match = name.exec(key);
          expect(match, `object name ${key}`).to.not.equal(null);
          const lines = fs.readFileSync(path.join(layout.mountDir, key), "utf8");
          expect(lines.endsWith("\n"), `${key} ends with a newline`).to.equal(true);
          return { start: Number(match![1]), count: lines.split("\n").length - 1 };
        })
        .sort((a, b) => a.start - b.start);
      // Each object starts where the one before ends: no record written twice, none skipped.
      let next = 0;
      for (const object of objects) {
        expect(object.start, `${topic} object start`).to.equal(next);
        next += object.count;
      }
      expect(next, `${topic} records in its objects`).to.equal(summary.batch.kafka[table]);
    }

    const first = keys[0];
    // Keys hold "+" and "=", which must be percent-encoded in the path.
    const response = await request(
      `${s3Endpoint}/${bucket}/${first.split("/").map(encodeURIComponent).join("/")}`,
    );
    expect(response.statusCode).to.equal(200);
    expect(await response.body.text(), `GET ${first}`).to.equal(
      fs.readFileSync(path.join(layout.mountDir, first), "utf8"),
    );
  });

  it("keeps the real-time metric tables equal to what pin_stream and geo_stream imply (issue 12)", async () => {
    const [CATEGORY_ACTIVITY, COUNTRY_CATEGORY_ACTIVITY] = METRIC_TABLES;
    const [pins, geos, activity, countryActivity] = await readRows(
      [STREAM_TABLES.pin, STREAM_TABLES.geo, CATEGORY_ACTIVITY, COUNTRY_CATEGORY_ACTIVITY].map((name) =>
        path.join(layout.streamDir, name),
      ),
    );
    const minute = (value: unknown): string => String(value).slice(0, 16);
    const sumBy = (items: { key: string; n: number }[]): Record<string, number> => {
      const sums: Record<string, number> = {};
      for (const { key, n } of items) sums[key] = (sums[key] ?? 0) + n;
      return sums;
    };
    const tally = (keys: string[]) => sumBy(keys.map((key) => ({ key, n: 1 })));
    const postsBy = (rows: Record<string, unknown>[], key: (row: Record<string, unknown>) => string) =>
      sumBy(rows.map((row) => ({ key: key(row), n: Number(row.posts) })));

    expect(new Set(pins.map((pin) => pin.ind)).size).to.equal(POSTS);
    expect(postsBy(activity, (row) => String(row.category))).to.deep.equal(
      tally(pins.map((pin) => String(pin.category))),
    );
    const countryOf = new Map(geos.map((geo) => [geo.ind, geo.country]));
    const joined = pins
      .filter((pin) => countryOf.has(pin.ind))
      .map((pin) => `${minute(pin.arrived_at)}|${String(countryOf.get(pin.ind))}|${String(pin.category)}`);
    expect(joined.length).to.equal(POSTS);
    expect(
      postsBy(
        countryActivity,
        (row) => `${minute(row.window_start)}|${String(row.country)}|${String(row.category)}`,
      ),
    ).to.deep.equal(tally(joined));
  });

  for (const name of GOLD_TABLES) {
    it(`gold table ${name} equals the answer computed from the source rows`, () => {
      const expected = expectedGold(source)[name];
      expect(expected.length, "the expected answer has rows").to.be.greaterThan(0);
      expect(canonical(gold[name])).to.deep.equal(canonical(expected));
    });
  }
});
