// Starts moto's server, the local stand-in of the Kinesis API, on 127.0.0.1 (through local/kinesis_server.py, which
// makes a shard's put and GetRecords independent of its size).
import fs from "node:fs";
import path from "node:path";
import { request } from "undici";
import { RuntimeFailure } from "../../cli/errors";
import { JOBS_PYTHON } from "../run-tool";
import { ensurePortFree, waitUntil } from "./net";
import { startServiceProcess } from "./process";

const KINESIS_SERVER = path.resolve(__dirname, "../kinesis_server.py");
const START_TIMEOUT_MS = 60_000;

export interface KinesisServer {
  /** http://127.0.0.1:port */
  endpoint: string;
  stop(): Promise<void>;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await request(`${endpoint}/moto-api/`, { headersTimeout: 2000, bodyTimeout: 2000 });
    await response.body.dump();
    return true;
  } catch {
    return false;
  }
}

export async function startKinesisServer(opts: { port: number; logFile: string }): Promise<KinesisServer> {
  if (!fs.existsSync(JOBS_PYTHON)) {
    throw new RuntimeFailure(`Kinesis server: ${JOBS_PYTHON} is missing; run: bash tools/ensure.sh jobs`);
  }
  await ensurePortFree(opts.port, "Kinesis server");
  const endpoint = `http://127.0.0.1:${opts.port}`;
  const server = startServiceProcess({
    command: JOBS_PYTHON,
    args: [KINESIS_SERVER, "-H", "127.0.0.1", "-p", String(opts.port)],
    logFile: opts.logFile,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  try {
    await waitUntil(() => answers(endpoint), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 250,
      abort: server.exitReason,
      describe: () => `Kinesis server (moto) on port ${opts.port} did not start; see ${opts.logFile}`,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { endpoint, stop: () => server.stop() };
}
