// End to end: local mode with real Kafka, Kafka Connect, Kinesis (moto), MariaDB and Spark, in the dev stack's shape
// (topics of several partitions, streams of several shards), one run shared by every test below. While the batch
// traffic is being sent, three faults hit it in turn: the Kafka broker restarts, the S3 server is down for seconds
// while the sink is writing, and Kafka Connect is killed with SIGKILL and started again. Nothing may be lost.
//
// The run is larger than every page, batch and cap on the path (docs/local-mode.md, "Caps on the path"): the
// emulator's 500-record requests and 1,000-post reads, Kafka Connect's 500-record polls, PutRecords' 500 records,
// GetRecords' 10,000-record pages and the local Kinesis reader's 10,000 records per shard and micro-batch:
// 45,000 posts are 11,250 records in each of a stream's 4 shards.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { request } from "undici";
import {
  GOLD_TABLES,
  s3SinkConnectorName,
  s3SinkConsumerGroup,
  TABLES,
  type PerTable,
  type Table,
} from "../../contract";
import { ListShardsCommand } from "@aws-sdk/client-kinesis";
import { METRIC_TABLES, STREAM_TABLES } from "../../contract";
import { readRows } from "../../local/delta";
import { SinkLineCounter } from "../../local/counts";
import { kinesisClient } from "../../local/kinesis-client";
import { TSX } from "../../local/run-tool";
import { layoutOf, type Layout } from "../../local/layout";
import {
  readGold,
  startJobs,
  seed,
  send,
  summarize,
  waitForSink,
  type StepContext,
} from "../../local/pipeline";
import { withKafkaAdmin } from "../../local/services/kafka";
import { portsFrom } from "../../local/ports";
import { sleep } from "../../local/services/net";
import { startStack, type Stack } from "../../local/stack";
import { canonical, expectedGold, type SourceRows } from "./expected-gold";
import { readSource } from "./source-rows";

/** Above every cap of the path; E2E_POSTS sets another size (npm run bench:local: 50,000). */
const POSTS = Number(process.env.E2E_POSTS ?? 45_000);
/** How long the batch sending lasts, so that each fault hits it in the middle. */
const SEND_SECONDS = 75;
const S3_DOWN_MS = 6_000;

/** Per partition of each topic, the offset the sink's consumer group has committed. */
async function committedOffsets(bootstrap: string, groupId: string, topics: PerTable<string>) {
  return withKafkaAdmin(bootstrap, "e2e-committed", async (admin) => {
    const offsets = await admin.fetchOffsets({ groupId, topics: TABLES.map((table) => topics[table]) });
    const byTopic = new Map(offsets.map((entry) => [entry.topic, entry.partitions]));
    return Object.fromEntries(
      TABLES.map((table) => [
        table,
        new Map((byTopic.get(topics[table]) ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))])),
      ]),
    ) as PerTable<Map<number, number>>;
  });
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
  this.timeout(Math.max(25, POSTS / 1000) * 60_000);

  let stateDir: string;
  let layout: Layout;
  let stack: Stack | undefined;
  let summary: Awaited<ReturnType<typeof summarize>>;
  let source: SourceRows;
  let gold: Record<string, Record<string, unknown>[]>;
  const total = POSTS * TABLES.length;
  const restart = { acceptedAt: -1, acceptedAfter: -1 };
  const s3Down = {
    acceptedAt: -1,
    writtenAtDown: -1,
    kafkaAtUp: -1,
    writtenAtUp: -1,
    /** Partitions whose committed offset ran ahead of the objects written, seen while S3 was down or coming back. */
    commitsAhead: [] as string[],
    commitChecks: 0,
  };
  const connectKill = { acceptedAt: -1, linesAtKill: -1, restartSeconds: -1 };
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

    const { outputs, kafkaBootstrap, prefix } = stack.endpoints;
    const sink = new SinkLineCounter(layout.mountDir, outputs.topics);
    const sum = (counts: PerTable<number>): number => TABLES.reduce((n, table) => n + counts[table], 0);
    const acceptedBatch = (): number => sum(stack!.gateway.accepted().batch);
    const kafkaNow = async (): Promise<number> =>
      withKafkaAdmin(kafkaBootstrap, "e2e-ends", async (admin) => {
        let n = 0;
        for (const table of TABLES)
          for (const p of await admin.fetchTopicOffsets(outputs.topics[table])) n += Number(p.high);
        return n;
      });
    // The sink's promise: no partition's committed offset is ahead of what its objects hold.
    const checkCommits = async (): Promise<void> => {
      const committed = await committedOffsets(kafkaBootstrap, s3SinkConsumerGroup(prefix), outputs.topics);
      s3Down.commitChecks += 1;
      for (const table of TABLES) {
        const ends = sink.partitionEnds(table);
        for (const [partition, offset] of committed[table])
          if (offset > (ends.get(partition) ?? 0))
            s3Down.commitsAhead.push(
              `${table}/${partition}: committed ${offset}, written ${ends.get(partition) ?? 0}`,
            );
      }
    };
    const waitForAccepted = async (fraction: number): Promise<number> => {
      while (acceptedBatch() < total * fraction) await sleep(50);
      return acceptedBatch();
    };

    // Small requests at a bounded rate, so that the sending lasts well beyond the three faults.
    const batch = send(ctx, "batch", {
      batchSize: 50,
      concurrency: 2,
      rate: Math.ceil(total / SEND_SECONDS),
    });
    const stream = send(ctx, "stream");

    restart.acceptedAt = await waitForAccepted(0.15);
    await stack.kafka.restart();
    restart.acceptedAfter = acceptedBatch();

    s3Down.acceptedAt = await waitForAccepted(0.4);
    s3Down.writtenAtDown = sum(sink.written());
    await stack.s3.down();
    const downUntil = Date.now() + S3_DOWN_MS;
    while (Date.now() < downUntil) {
      await checkCommits();
      await sleep(500);
    }
    s3Down.kafkaAtUp = await kafkaNow();
    await stack.s3.up();
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      await checkCommits();
    }
    s3Down.writtenAtUp = sum(sink.written());

    connectKill.acceptedAt = await waitForAccepted(0.7);
    connectKill.linesAtKill = sum(sink.counts());
    await stack.connect.kill();
    const killed = Date.now();
    await sleep(2_000);
    await stack.connect.start();
    connectKill.restartSeconds = (Date.now() - killed) / 1000;
    await Promise.all([batch, stream]);

    await waitForSink(ctx);
    await checkCommits();
    const jobs = startJobs(ctx);
    jobs.openBatch();
    jobs.openStream();
    summary = await summarize(ctx, await jobs.done);
    source = await readSource(stack.endpoints.dbUrl);
    gold = await readGold(layout);
    console.log(
      `      ${POSTS} posts; faults: ${JSON.stringify({ restart, s3Down, connectKill })}\n      summary: ${JSON.stringify({ source: summary.source, batch: summary.batch, stream: summary.stream })}`,
    );
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

  it("answers the troubleshooting commands of docs/local-mode.md", async () => {
    const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/local-mode.md"), "utf8");
    const documented = /curl 127\.0\.0\.1:19103\/connectors\/([a-z0-9-]+)\/status/.exec(doc);
    expect(documented?.[1], "the connector the docs name").to.equal(s3SinkConnectorName("local"));
    const status = await request(
      `${stack!.endpoints.connectUrl}/connectors/${s3SinkConnectorName("e2e")}/status`,
    );
    expect(status.statusCode).to.equal(200);
    expect(((await status.body.json()) as { connector: { state: string } }).connector.state).to.equal(
      "RUNNING",
    );
    // `npm run local -- logs` lists the logs of a run (here with its state directory).
    const logs = spawnSync(
      TSX,
      [path.resolve(__dirname, "../../local/cli.ts"), "logs", "--state-dir", stateDir],
      {
        encoding: "utf8",
      },
    );
    expect(logs.status, logs.stderr).to.equal(0);
    for (const component of ["connect", "kafka", "s3proxy", "jobs"])
      expect(logs.stdout).to.include(component);
  });

  it("restarted the Kafka broker in the middle of the batch sending", () => {
    expect(restart.acceptedAt, "accepted when the broker stopped").to.be.greaterThan(0);
    expect(restart.acceptedAfter, "accepted when it was back").to.be.lessThan(total);
  });

  it("had S3 down for seconds while the sink was writing, and no offset was committed before its object was written", () => {
    expect(s3Down.acceptedAt, "accepted when S3 went down").to.be.within(1, total - 1);
    expect(s3Down.kafkaAtUp, "records in Kafka the sink had not written when S3 came back").to.be.greaterThan(
      s3Down.writtenAtDown,
    );
    expect(s3Down.writtenAtUp, "written once S3 was back").to.be.greaterThan(s3Down.writtenAtDown);
    expect(s3Down.commitChecks, "committed offsets checked").to.be.greaterThan(10);
    expect(s3Down.commitsAhead, "committed offsets ahead of the objects").to.deep.equal([]);
  });

  it("killed Kafka Connect with SIGKILL in the middle of the sending and started it again", () => {
    expect(connectKill.acceptedAt, "accepted when Connect was killed").to.be.within(1, total - 1);
    expect(connectKill.linesAtKill, "lines written before the kill").to.be.greaterThan(0);
    expect(connectKill.restartSeconds).to.be.greaterThan(0);
  });

  it("accounts for every batch record at every hop: gateway, Kafka, sink files, silver", () => {
    expect(each(summary.batch!.accepted), "accepted by the gateway").to.deep.equal(each(summary.source));
    expect(each(summary.batch!.acceptedKeys), "keys the gateway acknowledged").to.deep.equal(
      each(summary.source),
    );
    expect(each(summary.batch!.sourceAccepted), "source rows acknowledged").to.deep.equal(
      each(summary.source),
    );
    TABLES.forEach((table) => {
      expect(summary.batch!.kafka[table], `${table} records in Kafka`).to.be.at.least(summary.source[table]);
      expect(summary.batch!.s3[table], `${table} lines in the sink files`).to.be.at.least(
        summary.batch!.kafka[table],
      );
    });
    expect(each(summary.batch!.quarantined), "quarantined").to.deep.equal([0, 0, 0]);
    expect(each(summary.batch!.silver), "distinct keys in silver").to.deep.equal(each(summary.source));
  });

  it("accounts for every stream record at every hop: gateway, Kinesis, Delta", () => {
    expect(each(summary.stream!.accepted), "accepted by the gateway").to.deep.equal(each(summary.source));
    expect(each(summary.stream!.acceptedKeys), "keys the gateway acknowledged").to.deep.equal(
      each(summary.source),
    );
    expect(each(summary.stream!.sourceAccepted), "source rows acknowledged").to.deep.equal(
      each(summary.source),
    );
    TABLES.forEach((table) =>
      expect(summary.stream!.kinesis[table], `${table} records in Kinesis`).to.be.at.least(
        summary.source[table],
      ),
    );
    expect(each(summary.stream!.delta), "distinct keys in the Delta tables").to.deep.equal(
      each(summary.source),
    );
  });

  it("spreads each topic over the dev stack's partitions and each stream over several shards", async () => {
    expect(stack!.shape.topicPartitions, "topicPartitions of Pulumi.dev.yaml").to.be.greaterThan(1);
    const kinesis = kinesisClient(stack!.endpoints.kinesisEndpoint);
    try {
      for (const table of TABLES) {
        const stream = stack!.endpoints.outputs.streams[table];
        const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
        // The dev stack's streams are on-demand, which AWS (and moto) start with 4 shards.
        expect(Shards.length, `shards of ${stream}`).to.equal(
          stack!.shape.streams.mode === "on-demand" ? 4 : stack!.shape.streams.shardCount,
        );
      }
    } finally {
      kinesis.destroy();
    }
    for (const table of TABLES) {
      const topic = stack!.endpoints.outputs.topics[table];
      const dirs = fs.readdirSync(path.join(layout.mountDir, "topics", topic)).sort();
      expect(dirs, topic).to.deep.equal(
        Array.from({ length: stack!.shape.topicPartitions }, (_, p) => `partition=${p}`).sort(),
      );
    }
  });

  it("writes the sink objects as one JSON record value per line under topics/{topic}/partition={p}/", () => {
    for (const table of TABLES) {
      const topic = stack!.endpoints.outputs.topics[table];
      const topicRoot = path.join(layout.mountDir, "topics", topic);
      const lines = fs
        .readdirSync(topicRoot)
        .flatMap((partition) =>
          fs
            .readdirSync(path.join(topicRoot, partition))
            .flatMap((file) => fs.readFileSync(path.join(topicRoot, partition, file), "utf8").split("\n")),
        )
        .filter(Boolean);
      const keys = new Set(
        lines.map((line) => (JSON.parse(line) as Record<string, unknown>)[table === "pin" ? "index" : "ind"]),
      );
      expect(keys.size, topic).to.equal(POSTS);
    }
  });

  it("writes the mount's files as S3 objects through S3Proxy, named like Aiven's sink and covering each partition's offsets", async () => {
    const { s3Endpoint, bucket, outputs } = stack!.endpoints;
    const keys = await listObjectKeys(s3Endpoint, bucket, "topics/");
    const files = TABLES.flatMap((table) => {
      const topicRoot = path.join(layout.mountDir, "topics", outputs.topics[table]);
      return fs
        .readdirSync(topicRoot)
        .flatMap((partition) =>
          fs
            .readdirSync(path.join(topicRoot, partition))
            .map((file) => `topics/${outputs.topics[table]}/${partition}/${file}`),
        );
    });
    expect(keys.length, "objects in the bucket").to.be.greaterThan(0);
    expect([...keys].sort()).to.deep.equal([...files].sort());

    const ends = await withKafkaAdmin(stack!.endpoints.kafkaBootstrap, "e2e-tiling", async (admin) =>
      Object.fromEntries(
        await Promise.all(
          TABLES.map(async (table) => [table, await admin.fetchTopicOffsets(outputs.topics[table])] as const),
        ),
      ),
    );
    let overlapping = 0;
    for (const table of TABLES) {
      const topic = outputs.topics[table];
      const dotted = topic.replace(/\./g, "\\.");
      const name = new RegExp(`^topics/${dotted}/partition=(\\d+)/${dotted}\\+(\\d+)\\+(\\d+)\\.json$`);
      const byPartition = new Map<number, { start: number; count: number }[]>();
      for (const key of keys.filter((key) => key.startsWith(`topics/${topic}/`))) {
        const match = name.exec(key);
        expect(match, `object name ${key}`).to.not.equal(null);
        expect(match![1], `${key}: partition folder and name agree`).to.equal(match![2]);
        const lines = fs.readFileSync(path.join(layout.mountDir, key), "utf8");
        expect(lines.endsWith("\n"), `${key} ends with a newline`).to.equal(true);
        const objects = byPartition.get(Number(match![2])) ?? [];
        objects.push({ start: Number(match![3]), count: lines.split("\n").length - 1 });
        byPartition.set(Number(match![2]), objects);
      }
      for (const { partition, high } of ends[table as Table]) {
        // Objects start at 0 and each starts at or before the end of those before it: no offset skipped. After the
        // SIGKILL, Connect writes again from its last committed offset, so objects may overlap (duplicates in S3).
        let next = 0;
        for (const object of (byPartition.get(partition) ?? []).sort((a, b) => a.start - b.start)) {
          expect(
            object.start,
            `${topic} partition ${partition}: object at ${object.start} leaves a gap`,
          ).to.be.at.most(next);
          overlapping += Math.max(0, Math.min(next, object.start + object.count) - object.start);
          next = Math.max(next, object.start + object.count);
        }
        expect(next, `${topic} partition ${partition}: offsets covered`).to.equal(Number(high));
      }
    }
    console.log(`      records written twice to S3 (after the sink's restart): ${overlapping}`);

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

  let expectedAll: ReturnType<typeof expectedGold> | undefined;
  for (const name of GOLD_TABLES) {
    it(`gold table ${name} equals the answer computed from the source rows`, () => {
      const expected = (expectedAll ??= expectedGold(source))[name];
      expect(expected.length, "the expected answer has rows").to.be.greaterThan(0);
      expect(canonical(gold[name])).to.deep.equal(canonical(expected));
    });
  }
});
