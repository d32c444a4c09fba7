// Kafka Connect (standalone worker) running the project's own S3 sink (local/s3-sink) for every topic: it
// writes each partition's record values as JSON-lines objects topics/{topic}/partition={p}/{topic}+{p}+{offset}.json
// to the local S3 server, with the object names Aiven's sink uses in the cloud (infra/s3SinkConfig.ts).
import path from "node:path";
import { request } from "undici";
import { s3SinkConnectorName, sinkObjectKey } from "../../contract";
import { JARS_DIR, classpathOf, startJava, writeLog4jConfig, writeProperties } from "./java";
import { ensurePortFree, waitUntil } from "./net";
import type { ServiceProcess } from "./process";

/** Kafka Connect's plugin.path: one folder per plugin, each with its jar and dependencies. */
export const CONNECT_PLUGINS_DIR = path.join(JARS_DIR, "connect-plugins");
const S3_SINK_PLUGIN = "s3-sink";

export interface KafkaConnect {
  readonly restUrl: string;
  /** Kills the worker with SIGKILL, as a crash would: nothing is flushed or committed on the way out. */
  kill(): Promise<void>;
  /** Starts the worker again on the same configuration and waits until its sink runs. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface KafkaConnectOptions {
  bootstrap: string;
  topics: string[];
  s3Endpoint: string;
  bucket: string;
  /** Names the connector (one per stack). */
  prefix: string;
  /** Sink tasks: the cloud runs as many as each topic has partitions (infra/batchIngestion.ts). */
  tasks: number;
  dataDir: string;
  port: number;
  logFile: string;
  heapMb?: number;
  startTimeoutMs?: number;
}

export function workerProperties(opts: {
  bootstrap: string;
  port: number;
  offsetsFile: string;
}): Record<string, string | number> {
  return {
    "bootstrap.servers": opts.bootstrap,
    // Values are the JSON text the gateway produced; the sink writes that text unchanged, one line per record.
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    "offset.storage.file.filename": opts.offsetsFile,
    // The sink writes its buffered records as objects, and its consumer offsets are committed, at this interval.
    "offset.flush.interval.ms": 1000,
    listeners: `http://127.0.0.1:${opts.port}`,
    "rest.advertised.host.name": "127.0.0.1",
    "rest.advertised.port": opts.port,
    "plugin.path": CONNECT_PLUGINS_DIR,
    "plugin.discovery": "only_scan",
  };
}

export function sinkConnectorProperties(opts: {
  prefix: string;
  tasks: number;
  topics: string[];
  s3Endpoint: string;
  bucket: string;
}): Record<string, string | number> {
  return {
    name: s3SinkConnectorName(opts.prefix),
    "connector.class": "pinterest.local.s3sink.S3SinkConnector",
    "tasks.max": opts.tasks,
    topics: opts.topics.join(","),
    "s3.endpoint": opts.s3Endpoint,
    "s3.bucket": opts.bucket,
    // Aiven's template syntax, as infra/s3SinkConfig.ts configures the cloud's sink.
    "file.name.template": sinkObjectKey({
      topic: "{{topic}}",
      partition: "{{partition}}",
      startOffset: "{{start_offset}}",
    }),
    "s3.region": "us-east-1",
    // The local S3 server does not check credentials; the SDK only needs some to sign with.
    "aws.access.key.id": "local",
    "aws.secret.access.key": "local",
    "consumer.override.auto.offset.reset": "earliest",
  };
}

interface ConnectorStatus {
  connector?: { state?: string };
  tasks?: { state?: string; trace?: string }[];
}

async function connectorStates(
  restUrl: string,
  names: string[],
): Promise<{ running: boolean; failure?: string }> {
  for (const name of names) {
    let status: ConnectorStatus;
    try {
      const response = await request(`${restUrl}/connectors/${name}/status`, {
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { running: false };
      }
      status = (await response.body.json()) as ConnectorStatus;
    } catch {
      return { running: false };
    }
    const failed = [status.connector, ...(status.tasks ?? [])].find((state) => state?.state === "FAILED");
    if (failed) return { running: false, failure: `connector ${name} failed` };
    const tasks = status.tasks ?? [];
    if (
      status.connector?.state !== "RUNNING" ||
      tasks.length === 0 ||
      tasks.some((task) => task.state !== "RUNNING")
    ) {
      return { running: false };
    }
  }
  return { running: true };
}

export async function startKafkaConnect(opts: KafkaConnectOptions): Promise<KafkaConnect> {
  await ensurePortFree(opts.port, "Kafka Connect REST");
  const classpath = classpathOf("kafka");
  // Fails with the command that builds the connector when its plugin folder is missing.
  classpathOf(path.join("connect-plugins", S3_SINK_PLUGIN));
  const workerFile = writeProperties(
    path.join(opts.dataDir, "worker.properties"),
    workerProperties({
      bootstrap: opts.bootstrap,
      port: opts.port,
      offsetsFile: path.join(opts.dataDir, "offsets.dat"),
    }),
  );
  const name = s3SinkConnectorName(opts.prefix);
  const connectorFile = writeProperties(
    path.join(opts.dataDir, `${name}.properties`),
    sinkConnectorProperties(opts),
  );
  const log4jConfig = writeLog4jConfig(path.join(opts.dataDir, "log4j.properties"));
  const restUrl = `http://127.0.0.1:${opts.port}`;

  let proc: ServiceProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = startJava({
      heapMb: opts.heapMb ?? 384,
      classpath,
      log4jConfig,
      mainClass: "org.apache.kafka.connect.cli.ConnectStandalone",
      args: [workerFile, connectorFile],
      logFile: opts.logFile,
    });
    proc = started;
    let failure: string | undefined;
    try {
      await waitUntil(
        async () => {
          const state = await connectorStates(restUrl, [name]);
          failure = state.failure;
          return state.running;
        },
        {
          timeoutMs: opts.startTimeoutMs ?? 120_000,
          intervalMs: 500,
          abort: () => started.exitReason() ?? failure,
          describe: () => `Kafka Connect on ${restUrl} did not start its S3 sink (log: ${opts.logFile})`,
        },
      );
    } catch (error) {
      await started.stop(2_000);
      throw error;
    }
  };
  await launch();
  return {
    restUrl,
    kill: async () => proc?.kill(),
    start: launch,
    stop: async () => proc?.stop(30_000),
  };
}
