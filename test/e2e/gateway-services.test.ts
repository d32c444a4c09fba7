// The local gateway in front of a real Kafka broker and a real local Kinesis server (moto), driven by the
// emulator's own delivery code: oversized produces, partitions, a broker paused longer than the emulator's
// request timeout, and single-record puts at high concurrency. No Spark, no sink: these are the gateway's faults.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateStreamCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { Kafka, logLevel } from "kafkajs";
import { streamNames, TABLES, topicNames, type PerTable, type Table } from "../../contract";
import { Delivery, FailureFile, newStats, type Target } from "../../emulator/delivery";
import { generatePosts } from "../../emulator/generator";
import { Run } from "../../emulator/run";
import { ApiTransport } from "../../emulator/transport-api";
import { wireKey } from "../../emulator/wire";
import { startGateway, type Gateway } from "../../local/gateway/server";
import { readStream } from "../../local/counts";
import { kinesisClient } from "../../local/kinesis-client";
import {
  KAFKA_MAX_MESSAGE_BYTES,
  startKafkaBroker,
  withKafkaAdmin,
  type KafkaBroker,
} from "../../local/services/kafka";
import { startKinesisServer, type KinesisServer } from "../../local/services/kinesis";
import { freePort, sleep, waitUntil } from "../../local/services/net";
import { TcpFaultProxy } from "./tcp-fault-proxy";

const PARTITIONS = 3;
const PREFIX = "gwfault";
const topics = topicNames(PREFIX);
const streams = streamNames(PREFIX);

/** Every key in each topic, read from the start of every partition to its end offset. */
async function topicKeys(
  bootstrap: string,
  topic: string,
  keyOf: (value: Record<string, unknown>) => number,
) {
  const ends = await withKafkaAdmin(bootstrap, "gwfault-ends", (admin) => admin.fetchTopicOffsets(topic));
  const total = ends.reduce((sum, partition) => sum + Number(partition.high), 0);
  const consumer = new Kafka({
    clientId: "gwfault-read",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  }).consumer({
    groupId: `gwfault-read-${topic}-${Date.now()}`,
  });
  const keys: number[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        keys.push(keyOf(JSON.parse(message.value!.toString("utf8")) as Record<string, unknown>));
      },
    });
    await waitUntil(async () => keys.length >= total, {
      timeoutMs: 60_000,
      describe: () => `reading ${topic}`,
    });
  } finally {
    await consumer.disconnect();
  }
  return { keys, total };
}

/** Every record's key in a stream, and its number of shards. */
async function streamKeys(endpoint: string, stream: string): Promise<{ keys: number[]; shards: number }> {
  const client = kinesisClient(endpoint);
  try {
    const keys: number[] = [];
    const shards = await readStream(client, stream, (records) => {
      for (const record of records)
        keys.push(wireKey(JSON.parse(Buffer.from(record.Data!).toString("utf8"))));
    });
    return { keys, shards };
  } finally {
    client.destroy();
  }
}

describe("local gateway against a real Kafka broker and Kinesis server", function () {
  this.timeout(5 * 60_000);

  let dir: string;
  let kafka: KafkaBroker;
  let proxy: TcpFaultProxy;
  /** The broker as the gateway reaches it, through the proxy. */
  let proxied: string;
  /** The broker as the test reads it, on a listener of its own. */
  let bootstrap: string;
  let kinesis: KinesisServer;
  let gateway: Gateway;
  const apiKey = "gwfault-key";

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-services-"));
    // The gateway reaches the broker through the proxy (its listener advertises the proxy's port); the test reads
    // through a second listener, which a Kafka client is sent back to since metadata names the listener asked.
    const brokerPort = await freePort();
    const directPort = await freePort();
    const proxyPort = await freePort();
    const controllerPort = await freePort();
    proxy = new TcpFaultProxy(brokerPort);
    await proxy.listen(proxyPort);
    proxied = `127.0.0.1:${proxyPort}`;
    bootstrap = `127.0.0.1:${directPort}`;
    [kafka, kinesis] = await Promise.all([
      startKafkaBroker({
        dataDir: path.join(dir, "kafka"),
        port: directPort,
        controllerPort,
        logFile: path.join(dir, "kafka.log"),
        overrides: {
          listeners: `DIRECT://${bootstrap},PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
          "advertised.listeners": `DIRECT://${bootstrap},PLAINTEXT://${proxied}`,
          "listener.security.protocol.map": "DIRECT:PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
          "inter.broker.listener.name": "DIRECT",
        },
      }),
      startKinesisServer({ port: await freePort(), logFile: path.join(dir, "kinesis.log") }),
    ]);
    await withKafkaAdmin(bootstrap, "gwfault-setup", (admin) =>
      admin.createTopics({
        topics: TABLES.map((table) => ({
          topic: topics[table],
          numPartitions: PARTITIONS,
          replicationFactor: 1,
        })),
        waitForLeaders: true,
      }),
    );
    const client = kinesisClient(kinesis.endpoint);
    for (const table of TABLES)
      await client.send(
        new CreateStreamCommand({
          StreamName: streams[table],
          StreamModeDetails: { StreamMode: "ON_DEMAND" },
        }),
      );
    client.destroy();
    await sleep(1_000);
    gateway = await startGateway({
      port: 0,
      apiKey,
      topics,
      streams,
      kafkaBootstrap: proxied,
      topicPartitions: PARTITIONS,
      kafkaMaxMessageBytes: KAFKA_MAX_MESSAGE_BYTES,
      kinesisEndpoint: kinesis.endpoint,
      logFile: path.join(dir, "gateway.log"),
    });
  });

  after(async () => {
    await gateway?.stop();
    kafka?.pause(false);
    await Promise.all([kafka?.stop(), kinesis?.stop(), proxy?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const produce = async (topic: string, records: unknown[]) => {
    const response = await fetch(`${gateway.url}/topics/${topic}`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/vnd.kafka.json.v2+json" },
      body: JSON.stringify({ records }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const endOffsets = async (topic: string): Promise<number[]> =>
    (await withKafkaAdmin(bootstrap, "gwfault-ends", (admin) => admin.fetchTopicOffsets(topic)))
      .sort((a, b) => a.partition - b.partition)
      .map((partition) => Number(partition.high));

  /** Sends `posts` generated posts for every table with the emulator's delivery, as `npm run emulator` does. */
  async function sendPosts(
    kind: Target["kind"],
    posts: number,
    load: { batchSize: number; concurrency: number; rate: number },
    requestTimeoutMs?: number,
    during?: () => Promise<void>,
  ) {
    const all = generatePosts(posts, "gateway-services");
    const transport = new ApiTransport(
      { apiUrl: gateway.url, apiKey, topics, streams },
      load.concurrency,
      requestTimeoutMs,
    );
    const failures = new FailureFile(path.join(dir, `failed-${kind}.jsonl`));
    const delivery = new Delivery(transport, failures, newStats());
    const run = new Run(
      { keys: async () => all.map((_, key) => key), fetch: async (keys) => keys.map((key) => all[key]) },
      delivery,
      (table: Table): Target => ({ table, kind, name: kind === "topic" ? topics[table] : streams[table] }),
    );
    const result = run.execute({ mode: "sequential", count: posts, seed: "1" }, load);
    await during?.();
    const done = await result;
    failures.close();
    await transport.close();
    return done;
  }

  it("writes a produce larger than the broker's message.max.bytes in parts, at the offsets it answers", async () => {
    const before = await endOffsets(topics.pin);
    // Three records of 400 kB for one partition: 1.2 MB, more than one record batch may hold (1,048,588 bytes).
    const records = [0, 1, 2].map((index) => ({
      value: { index: 100_000 + index, text: "x".repeat(400_000) },
      partition: 1,
    }));
    const { status, json } = await produce(topics.pin, records);
    expect(status, JSON.stringify(json).slice(0, 300)).to.equal(200);
    const offsets = json.offsets as { partition: number; offset: number }[];
    expect(offsets.map((entry) => [entry.partition, entry.offset])).to.deep.equal(
      [0, 1, 2].map((index) => [1, before[1] + index]),
    );
    expect(await endOffsets(topics.pin)).to.deep.equal([before[0], before[1] + 3, before[2]]);
  });

  it("refuses one record larger than the broker accepts with 413 naming the limit, writing nothing", async () => {
    const before = await endOffsets(topics.geo);
    const { status, json } = await produce(topics.geo, [
      { value: { ind: 1 } },
      { value: { ind: 2, text: "x".repeat(KAFKA_MAX_MESSAGE_BYTES) } },
    ]);
    expect([status, json.error_code]).to.deep.equal([413, 413]);
    expect(json.message).to.match(
      /^records\[1\] is \d+ bytes; the broker accepts at most \d+ bytes per record \(message\.max\.bytes 1048588\)/,
    );
    expect(await endOffsets(topics.geo)).to.deep.equal(before);
  });

  it("spreads records without a key over every partition, and keeps a record's partition when it names one", async () => {
    const before = await endOffsets(topics.user);
    const { status, json } = await produce(
      topics.user,
      Array.from({ length: 30 }, (_, ind) => ({ value: { ind: 100_000 + ind } })),
    );
    expect(status).to.equal(200);
    const after = await endOffsets(topics.user);
    const added = after.map((end, partition) => end - before[partition]);
    expect(added.reduce((sum, n) => sum + n, 0)).to.equal(30);
    expect(
      added.every((n) => n > 0),
      `records per partition ${added}`,
    ).to.equal(true);
    const partitions = (json.offsets as { partition: number }[]).map((entry) => entry.partition);
    expect(new Set(partitions).size).to.equal(PARTITIONS);
  });

  it("writes the next request after one whose records the broker wrote but whose answer was lost", async () => {
    // The gateway answers 503 for B: the broker wrote it, kafkajs never heard so and gave up. kafkajs keeps B's
    // sequence number for the partition and sends C with it: the broker takes C, of B's length, for a resend of B
    // and drops it while answering success (a different length is OUT_OF_ORDER_SEQUENCE_NUMBER, forever after:
    // tulios/kafkajs#598). The gateway must go on with a new producer id.
    const records = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => ({ value: { ind: from + index }, partition: 0 }));
    expect((await produce(topics.user, records(300_000, 3))).status).to.equal(200);
    const [start] = await endOffsets(topics.user);

    proxy.set("drop-answers");
    const lost = produce(topics.user, records(300_100, 2));
    await waitUntil(async () => (await endOffsets(topics.user))[0] === start + 2, {
      timeoutMs: 10_000,
      describe: () => "the broker writing B",
    });
    proxy.set("refuse");
    expect((await lost).status, "B, written, its answer lost").to.equal(503);
    proxy.set("pass");

    const { status, json } = await produce(topics.user, records(300_200, 2));
    expect(status, JSON.stringify(json)).to.equal(200);
    const { keys } = await topicKeys(bootstrap, topics.user, (value) => Number(value.ind));
    expect(keys.filter((key) => key >= 300_000).sort()).to.deep.equal([
      300_000, 300_001, 300_002, 300_100, 300_101, 300_200, 300_201,
    ]);
  });

  it("loses nothing and counts nothing twice when the broker is paused longer than the emulator's request timeout", async () => {
    const POSTS = 600;
    const acceptedBefore = gateway.accepted().batch;
    const keysBefore: PerTable<number> = { pin: 0, geo: 0, user: 0 };
    for (const table of TABLES)
      keysBefore[table] = (await endOffsets(topics[table])).reduce((a, b) => a + b, 0);
    let pausedAt = -1;
    const result = await sendPosts(
      "topic",
      POSTS,
      { batchSize: 50, concurrency: 2, rate: 600 },
      2_000,
      async () => {
        while (gateway.accepted().batch.pin - acceptedBefore.pin < POSTS / 4) await sleep(20);
        pausedAt = gateway.accepted().batch.pin - acceptedBefore.pin;
        // SIGSTOP: the broker's sockets stay open and answer nothing, so requests hang instead of failing fast.
        kafka.pause(true);
        await sleep(6_000);
        kafka.pause(false);
      },
    );
    console.log(
      `      broker paused 6 s at ${pausedAt} pin records accepted; emulator: sent ${JSON.stringify(result.stats.sent)}, retries ${result.stats.retries}, failed ${JSON.stringify(result.stats.failed)}`,
    );
    expect(pausedAt, "paused in the middle of the sending").to.be.within(1, POSTS - 1);
    expect(result.stats.retries, "requests timed out and were tried again").to.be.greaterThan(0);
    expect(result.stats.failed).to.deep.equal({ pin: 0, geo: 0, user: 0 });
    const accepted = gateway.accepted().batch;
    for (const table of TABLES) {
      expect(accepted[table] - acceptedBefore[table], `${table} accepted`).to.equal(POSTS);
      const { keys } = await topicKeys(bootstrap, topics[table], (value) =>
        Number(table === "pin" ? value.index : value.ind),
      );
      const sent = keys.filter((key) => key < POSTS);
      const distinct = new Set(sent);
      expect(distinct.size, `${table} distinct keys in Kafka`).to.equal(POSTS);
      expect(keys.length - keysBefore[table], `${table} records in Kafka`).to.be.at.least(POSTS);
    }
  });

  it("puts every record of --batch-size 1 --concurrency 16 into a stream of several shards (PutRecord one at a time)", async () => {
    const POSTS = 1000;
    const result = await sendPosts("stream", POSTS, { batchSize: 1, concurrency: 16, rate: 0 });
    expect(result.stats.failed).to.deep.equal({ pin: 0, geo: 0, user: 0 });
    const accepted = gateway.accepted().stream;
    for (const table of TABLES) {
      const { keys, shards } = await streamKeys(kinesis.endpoint, streams[table]);
      console.log(
        `      ${streams[table]}: ${shards} shards, ${keys.length} records read, ${accepted[table]} accepted, retries ${result.stats.retries}`,
      );
      expect(shards, "the on-demand stream has several shards").to.be.greaterThan(1);
      expect(new Set(keys).size, `${table} distinct keys in Kinesis`).to.equal(POSTS);
      expect(keys.length, `${table} records in Kinesis`).to.be.at.least(accepted[table]);
      expect(accepted[table], `${table} accepted`).to.equal(POSTS);
    }
  });
});
