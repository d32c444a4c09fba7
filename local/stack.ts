// Starts the local stand-ins of the cloud, wires them like the cloud, and writes the outputs file.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CreateStreamCommand, DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { TABLES, streamNames, topicNames, validatePrefix, type PerTable } from "../contract";
import { startGateway, type Gateway } from "./gateway/server";
import { DATA_BUCKET, type Layout } from "./layout";
import type { Ports } from "./ports";
import { startKafkaConnect, type KafkaConnect } from "./services/connect";
import {
  KAFKA_MAX_MESSAGE_BYTES,
  startKafkaBroker,
  withKafkaAdmin,
  type KafkaBroker,
} from "./services/kafka";
import { startKinesisServer, type KinesisServer } from "./services/kinesis";
import { startMariaDb, type MariaDb } from "./services/mariadb";
import { startS3Proxy, type S3Server } from "./services/s3proxy";
import { kinesisClient } from "./kinesis-client";
import { waitUntil } from "./services/net";
import { readStackShape, type StackShape } from "./stack-shape";

/** The stack outputs of docs/contract.md section 6, plus what only local mode has. */
export interface Outputs {
  apiUrl: string;
  apiKey: string;
  topics: PerTable<string>;
  streams: PerTable<string>;
  mountDir: string;
}

/** Everything the pipeline steps need to reach a running stack; also what `stack.json` holds for --keep. */
export interface StackEndpoints {
  prefix: string;
  outputs: Outputs;
  dbUrl: string;
  kafkaBootstrap: string;
  connectUrl: string;
  s3Endpoint: string;
  bucket: string;
  kinesisEndpoint: string;
  logsDir: string;
}

export interface Stack {
  endpoints: StackEndpoints;
  shape: StackShape;
  gateway: Gateway;
  /** The services the fault cases of the end-to-end test stop, pause or kill. */
  kafka: KafkaBroker;
  connect: KafkaConnect;
  s3: S3Server;
  stop(): Promise<void>;
}

async function createTopics(bootstrap: string, topics: string[], partitions: number): Promise<void> {
  await withKafkaAdmin(bootstrap, "local-setup", (admin) =>
    admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    }),
  );
}

async function createStreams(
  endpoint: string,
  streams: string[],
  shape: StackShape["streams"],
): Promise<void> {
  const client = kinesisClient(endpoint);
  try {
    // On-demand as on-demand: moto then opens 4 shards (moto 5.2.5, moto/kinesis/models.py:219-221), as AWS
    // starts an on-demand stream with 4 MiB/s of write capacity, i.e. 4 shards
    // (https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html).
    for (const stream of streams)
      await client.send(
        new CreateStreamCommand(
          shape.mode === "on-demand"
            ? { StreamName: stream, StreamModeDetails: { StreamMode: "ON_DEMAND" } }
            : { StreamName: stream, ShardCount: shape.shardCount },
        ),
      );
    await waitUntil(
      async () => {
        for (const stream of streams) {
          const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
          if (summary.StreamDescriptionSummary?.StreamStatus !== "ACTIVE") return false;
        }
        return true;
      },
      { timeoutMs: 30_000, describe: () => `Kinesis streams ${streams.join(", ")} did not become ACTIVE` },
    );
  } finally {
    client.destroy();
  }
}

/** Stops what started so far, newest first, and never throws. */
async function stopAll(stoppers: (() => Promise<void>)[]): Promise<void> {
  for (const stop of [...stoppers].reverse()) await stop().catch(() => undefined);
}

export async function startStack(opts: {
  prefix: string;
  layout: Layout;
  ports: Ports;
  say: (line: string) => void;
  /** Partitions and shards; the dev stack's config when not given. */
  shape?: StackShape;
}): Promise<Stack> {
  const { layout, ports, say } = opts;
  const shape = opts.shape ?? readStackShape();
  const prefix = validatePrefix(opts.prefix);
  const topics = topicNames(prefix);
  const streams = streamNames(prefix);
  const logOf = (name: string): string => path.join(layout.logsDir, `${name}.log`);
  const dataOf = (name: string): string => path.join(layout.dataDir, name);
  fs.mkdirSync(layout.logsDir, { recursive: true });

  const stoppers: (() => Promise<void>)[] = [];
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    stoppers.push(() => service.stop());
    return service;
  };
  try {
    say(
      `starting MariaDB (:${ports.mariadb}), Kinesis (moto, :${ports.kinesis}), Kafka (KRaft, :${ports.kafka}) and S3Proxy (:${ports.s3})`,
    );
    const results = await Promise.allSettled([
      startMariaDb({ dataDir: dataOf("mariadb"), port: ports.mariadb, logFile: logOf("mariadb") }),
      startKinesisServer({ port: ports.kinesis, logFile: logOf("kinesis") }),
      startKafkaBroker({
        dataDir: dataOf("kafka"),
        port: ports.kafka,
        controllerPort: ports.kafkaController,
        logFile: logOf("kafka"),
      }),
      startS3Proxy({
        port: ports.s3,
        bucket: DATA_BUCKET,
        baseDir: layout.s3Dir,
        dataDir: dataOf("s3proxy"),
        logFile: logOf("s3proxy"),
      }),
    ]);
    for (const result of results) if (result.status === "fulfilled") track(result.value);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
    const [db, kinesis, kafka, s3] = results.map(
      (result) => (result as PromiseFulfilledResult<unknown>).value,
    ) as [MariaDb, KinesisServer, KafkaBroker, S3Server];

    const shards =
      shape.streams.mode === "on-demand" ? "on-demand" : `${shape.streams.shardCount} shards each`;
    say(
      `creating topics ${Object.values(topics).join(", ")} (${shape.topicPartitions} partitions each) and streams ${Object.values(streams).join(", ")} (${shards}), as stack ${shape.stack} has them`,
    );
    await createTopics(kafka.bootstrap, Object.values(topics), shape.topicPartitions);
    await createStreams(kinesis.endpoint, Object.values(streams), shape.streams);

    say(
      `starting Kafka Connect with the S3 sink into s3://${s3.bucket} at ${s3.endpoint} (:${ports.connect})`,
    );
    const connect: KafkaConnect = track(
      await startKafkaConnect({
        bootstrap: kafka.bootstrap,
        topics: TABLES.map((table) => topics[table]),
        s3Endpoint: s3.endpoint,
        bucket: s3.bucket,
        prefix,
        tasks: shape.topicPartitions,
        dataDir: dataOf("connect"),
        port: ports.connect,
        logFile: logOf("connect"),
      }),
    );

    const apiKey = crypto.randomBytes(20).toString("hex");
    const gateway = track(
      await startGateway({
        port: ports.gateway,
        apiKey,
        topics,
        streams,
        kafkaBootstrap: kafka.bootstrap,
        topicPartitions: shape.topicPartitions,
        kafkaMaxMessageBytes: KAFKA_MAX_MESSAGE_BYTES,
        kinesisEndpoint: kinesis.endpoint,
        logFile: logOf("gateway"),
      }),
    );
    say(`gateway on ${gateway.url}`);

    const outputs: Outputs = { apiUrl: gateway.url, apiKey, topics, streams, mountDir: s3.bucketDir };
    fs.writeFileSync(layout.outputsFile, JSON.stringify(outputs, null, 2) + "\n", { mode: 0o600 });
    return {
      endpoints: {
        prefix,
        outputs,
        dbUrl: db.url,
        kafkaBootstrap: kafka.bootstrap,
        connectUrl: connect.restUrl,
        s3Endpoint: s3.endpoint,
        bucket: s3.bucket,
        kinesisEndpoint: kinesis.endpoint,
        logsDir: layout.logsDir,
      },
      shape,
      gateway,
      kafka,
      connect,
      s3,
      stop: () => stopAll(stoppers),
    };
  } catch (error) {
    await stopAll(stoppers);
    throw error;
  }
}
