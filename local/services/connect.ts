// Kafka Connect (standalone worker) running Kafka's FileStreamSink connector, one per topic: it appends every
// record value as one line to topics/{topic}/partition=0/{topic}+0.json under the mount directory.
import fs from "node:fs";
import path from "node:path";
import { request } from "undici";
import { classpathOf, startJava, writeLog4jConfig, writeProperties } from "./java";
import { ensurePortFree, waitUntil } from "./net";
import type { ServiceProcess } from "./process";

export interface KafkaConnect {
  readonly restUrl: string;
  stop(): Promise<void>;
}

export interface KafkaConnectOptions {
  bootstrap: string;
  /** Topics to sink; each must have exactly one partition (see sinkFileOf). */
  topics: string[];
  mountDir: string;
  dataDir: string;
  port: number;
  logFile: string;
  heapMb?: number;
  startTimeoutMs?: number;
}

/** The one file a topic's sink writes. FileStreamSink writes a topic to one file, so local topics have one partition. */
export function sinkFileOf(mountDir: string, topic: string): string {
  return path.join(mountDir, "topics", topic, "partition=0", `${topic}+0.json`);
}

export function connectorName(topic: string): string {
  return `file-sink-${topic}`;
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
    // The sink's file is flushed and its consumer offsets committed at this interval.
    "offset.flush.interval.ms": 1000,
    listeners: `http://127.0.0.1:${opts.port}`,
    "rest.advertised.host.name": "127.0.0.1",
    "rest.advertised.port": opts.port,
    "plugin.discovery": "only_scan",
  };
}

export function sinkConnectorProperties(topic: string, mountDir: string): Record<string, string | number> {
  return {
    name: connectorName(topic),
    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
    "tasks.max": 1,
    topics: topic,
    file: sinkFileOf(mountDir, topic),
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
  const workerFile = writeProperties(
    path.join(opts.dataDir, "worker.properties"),
    workerProperties({
      bootstrap: opts.bootstrap,
      port: opts.port,
      offsetsFile: path.join(opts.dataDir, "offsets.dat"),
    }),
  );
  const connectorFiles = opts.topics.map((topic) => {
    fs.mkdirSync(path.dirname(sinkFileOf(opts.mountDir, topic)), { recursive: true });
    return writeProperties(
      path.join(opts.dataDir, `${connectorName(topic)}.properties`),
      sinkConnectorProperties(topic, opts.mountDir),
    );
  });
  const log4jConfig = writeLog4jConfig(path.join(opts.dataDir, "log4j.properties"));
  const restUrl = `http://127.0.0.1:${opts.port}`;

  const proc: ServiceProcess = startJava({
    heapMb: opts.heapMb ?? 384,
    classpath,
    log4jConfig,
    mainClass: "org.apache.kafka.connect.cli.ConnectStandalone",
    args: [workerFile, ...connectorFiles],
    logFile: opts.logFile,
  });
  let failure: string | undefined;
  try {
    await waitUntil(
      async () => {
        const state = await connectorStates(restUrl, opts.topics.map(connectorName));
        failure = state.failure;
        return state.running;
      },
      {
        timeoutMs: opts.startTimeoutMs ?? 120_000,
        intervalMs: 500,
        abort: () => proc.exitReason() ?? failure,
        describe: () => `Kafka Connect on ${restUrl} did not start its sinks (log: ${opts.logFile})`,
      },
    );
  } catch (error) {
    await proc.stop(2_000);
    throw error;
  }
  return { restUrl, stop: () => proc.stop(30_000) };
}
