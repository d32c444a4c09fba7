// Starts S3Proxy with the jclouds filesystem provider: the local S3-compatible server, whose objects are plain
// files. Object KEY of bucket B is the file <baseDir>/B/KEY, so <baseDir>/<bucket> plays the Databricks mount.
import fs from "node:fs";
import path from "node:path";
import { request } from "undici";
import { RuntimeFailure } from "../../cli/errors";
import { classpathOf, startJava, writeLog4jConfig, writeProperties } from "./java";
import { ensurePortFree, waitUntil } from "./net";
import type { ServiceProcess } from "./process";

const START_TIMEOUT_MS = 60_000;

export interface S3Server {
  /** http://127.0.0.1:port */
  endpoint: string;
  bucket: string;
  /** The directory holding the bucket's objects as files. */
  bucketDir: string;
  /** Takes the server down (its port refuses connections) and, with `up`, starts it again on the same files. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export function s3ProxyProperties(opts: { port: number; baseDir: string }): Record<string, string> {
  return {
    "s3proxy.endpoint": `http://127.0.0.1:${opts.port}`,
    // Local only, like the Kinesis server: requests are not checked, so signed and unsigned ones both work.
    "s3proxy.authorization": "none",
    "jclouds.provider": "filesystem",
    "jclouds.filesystem.basedir": opts.baseDir,
  };
}

// S3Proxy logs with logback, which logs everything at DEBUG unless it finds a logback.xml on the classpath.
const LOGBACK_XML = `<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>[%d] %level %logger - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="out"/></root>
</configuration>
`;

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await request(`${endpoint}/`, { headersTimeout: 2000, bodyTimeout: 2000 });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const response = await request(`${endpoint}/${bucket}`, { method: "PUT" });
  const body = await response.body.text();
  if (response.statusCode !== 200) {
    throw new RuntimeFailure(
      `S3Proxy did not create bucket ${bucket}: HTTP ${response.statusCode} ${body.slice(0, 200)}`,
    );
  }
}

export async function startS3Proxy(opts: {
  port: number;
  bucket: string;
  baseDir: string;
  dataDir: string;
  logFile: string;
}): Promise<S3Server> {
  const jars = classpathOf("s3proxy");
  await ensurePortFree(opts.port, "S3Proxy");
  fs.mkdirSync(opts.baseDir, { recursive: true });
  fs.mkdirSync(opts.dataDir, { recursive: true });
  fs.writeFileSync(path.join(opts.dataDir, "logback.xml"), LOGBACK_XML);
  const propertiesFile = writeProperties(
    path.join(opts.dataDir, "s3proxy.properties"),
    s3ProxyProperties({ port: opts.port, baseDir: opts.baseDir }),
  );
  const endpoint = `http://127.0.0.1:${opts.port}`;
  const log4jConfig = writeLog4jConfig(path.join(opts.dataDir, "log4j.properties"));
  let server: ServiceProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = startJava({
      heapMb: 256,
      classpath: `${opts.dataDir}:${jars}`,
      log4jConfig,
      mainClass: "org.gaul.s3proxy.Main",
      args: ["--properties", propertiesFile],
      logFile: opts.logFile,
    });
    server = started;
    try {
      await waitUntil(() => answers(endpoint), {
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 250,
        abort: started.exitReason,
        describe: () => `S3Proxy on port ${opts.port} did not start (log: ${opts.logFile})`,
      });
    } catch (error) {
      await started.stop();
      throw error;
    }
  };
  await launch();
  try {
    await createBucket(endpoint, opts.bucket);
  } catch (error) {
    await server?.stop();
    throw error;
  }
  return {
    endpoint,
    bucket: opts.bucket,
    bucketDir: path.join(opts.baseDir, opts.bucket),
    down: async () => server?.stop(),
    up: launch,
    stop: async () => server?.stop(),
  };
}
