// Apache Kafka broker in KRaft mode (one node that is both broker and controller), bound to 127.0.0.1.
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { RuntimeFailure } from "../../cli/errors";
import { classpathOf, javaArgs, startJava, writeLog4jConfig, writeProperties } from "./java";
import { ensurePortFree, waitUntil } from "./net";
import type { ServiceProcess } from "./process";

const execFileAsync = promisify(execFile);

export interface KafkaBroker {
  /** host:port for clients. */
  readonly bootstrap: string;
  /** Stops the broker and starts it again on the same data (a fault case of the end-to-end test). */
  restart(): Promise<void>;
  /** Freezes the broker (SIGSTOP: connections stay open, nothing is answered) or lets it go on (SIGCONT). */
  pause(paused: boolean): void;
  stop(): Promise<void>;
}

export interface KafkaBrokerOptions {
  dataDir: string;
  port: number;
  controllerPort: number;
  logFile: string;
  heapMb?: number;
  startTimeoutMs?: number;
  /** Broker settings over `brokerProperties` (the gateway fault test adds a listener that a proxy fronts). */
  overrides?: Record<string, string | number>;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding. */
function newClusterId(): string {
  return crypto.randomBytes(16).toString("base64url");
}

/**
 * The largest record batch the broker takes: Kafka's default message.max.bytes, which MSK keeps
 * (https://kafka.apache.org/38/documentation.html#brokerconfigs_message.max.bytes), set explicitly so that the
 * gateway can split what is larger.
 */
export const KAFKA_MAX_MESSAGE_BYTES = 1048588;

export function brokerProperties(opts: {
  logDir: string;
  port: number;
  controllerPort: number;
}): Record<string, string | number> {
  return {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${opts.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${opts.port},CONTROLLER://127.0.0.1:${opts.controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${opts.port}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": opts.logDir,
    "message.max.bytes": KAFKA_MAX_MESSAGE_BYTES,
    "auto.create.topics.enable": "false",
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
    "num.network.threads": 2,
    "num.io.threads": 2,
    "log.flush.interval.messages": 1,
  };
}

/** Runs `use` with an admin client connected to the broker, and disconnects it afterwards. */
export async function withKafkaAdmin<T>(
  bootstrap: string,
  clientId: string,
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** A probe that succeeds once the broker answers a metadata request. */
export async function brokerAnswers(bootstrap: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: "local-probe",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function startKafkaBroker(opts: KafkaBrokerOptions): Promise<KafkaBroker> {
  await ensurePortFree(opts.port, "Kafka broker");
  await ensurePortFree(opts.controllerPort, "Kafka controller");
  const classpath = classpathOf("kafka");
  const logDir = path.join(opts.dataDir, "log");
  const configFile = writeProperties(path.join(opts.dataDir, "server.properties"), {
    ...brokerProperties({ logDir, ...opts }),
    ...opts.overrides,
  });
  const log4jConfig = writeLog4jConfig(path.join(opts.dataDir, "log4j.properties"));
  const heapMb = opts.heapMb ?? 512;
  const bootstrap = `127.0.0.1:${opts.port}`;

  if (!fs.existsSync(path.join(logDir, "meta.properties"))) {
    const args = javaArgs({
      heapMb: 256,
      classpath,
      log4jConfig,
      mainClass: "kafka.tools.StorageTool",
      args: ["format", "-t", newClusterId(), "-c", configFile],
    });
    try {
      const { stdout, stderr } = await execFileAsync("java", args, { timeout: 60_000 });
      fs.appendFileSync(opts.logFile, stdout + stderr);
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      fs.appendFileSync(opts.logFile, (failure.stdout ?? "") + (failure.stderr ?? ""));
      throw new RuntimeFailure(`Kafka broker: formatting ${logDir} failed; see ${opts.logFile}`);
    }
  }

  let process_: ServiceProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc = startJava({
      heapMb,
      classpath,
      log4jConfig,
      mainClass: "kafka.Kafka",
      args: [configFile],
      logFile: opts.logFile,
    });
    process_ = proc;
    try {
      await waitUntil(() => brokerAnswers(bootstrap), {
        timeoutMs: opts.startTimeoutMs ?? 120_000,
        intervalMs: 500,
        abort: proc.exitReason,
        describe: () => `Kafka broker on ${bootstrap} did not start (log: ${opts.logFile})`,
      });
    } catch (error) {
      await proc.stop(2_000);
      throw error;
    }
  };
  await launch();

  return {
    bootstrap,
    async restart() {
      await process_?.stop(30_000);
      await launch();
    },
    pause(paused) {
      process_?.pause(paused);
    },
    async stop() {
      await process_?.stop(30_000);
    },
  };
}
