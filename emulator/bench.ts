// npm run bench:emulator [-- --seconds S]: records per second the sender achieves into a local endpoint that
// accepts the contract, for batch size 1 and 500 and concurrency 1 and 16, S seconds per case (default 3). Posts come from the generator in memory,
// so the numbers measure the sending path (envelopes, HTTP pool, bookkeeping), not the database.
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Delivery, FailureFile, newStats, total, type Target } from "./delivery";
import { generatePosts } from "./generator";
import { Run } from "./run";
import type { StackOutputs } from "./targets";
import { ApiTransport } from "./transport-api";

/** `--seconds S`: how long each case sends (the test runs it at a tiny size). */
function secondsPerCase(argv: string[]): number {
  const index = argv.indexOf("--seconds");
  if (index < 0) return 3;
  const seconds = Number(argv[index + 1]);
  if (!(seconds > 0 && seconds <= 600)) {
    process.stderr.write(
      `bench: --seconds needs a number of seconds from 0 to 600 (got "${argv[index + 1] ?? ""}")\n`,
    );
    process.exit(2);
  }
  return seconds;
}
const SECONDS_PER_CASE = secondsPerCase(process.argv.slice(2));
const CASES = [
  [1, 1],
  [1, 16],
  [500, 1],
  [500, 16],
] as const;

const OUTPUTS: Omit<StackOutputs, "apiUrl"> = {
  apiKey: "bench",
  topics: { pin: "bench.pin", geo: "bench.geo", user: "bench.user" },
  streams: { pin: "bench-pin", geo: "bench-geo", user: "bench-user" },
};

/** The endpoint, run in a child process so that it does not share the sender's event loop. */
function serve(): void {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const answer = req.url?.includes("/topics/")
        ? {
            offsets: body.records.map((_: unknown, offset: number) => ({
              partition: 0,
              offset,
              error_code: null,
            })),
          }
        : req.url?.endsWith("/records")
          ? {
              FailedRecordCount: 0,
              Records: body.Records.map(() => ({ SequenceNumber: "1", ShardId: "shardId-000000000000" })),
            }
          : { SequenceNumber: "1", ShardId: "shardId-000000000000" };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  server.keepAliveTimeout = 60_000;
  // Ends with the bench, even if the bench dies.
  process.on("disconnect", () => process.exit(0));
  server.listen(0, "127.0.0.1", () => process.send?.((server.address() as AddressInfo).port));
}

function startEndpoint(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ["--serve"], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (port) => resolve({ child, port: Number(port) }));
    child.once("exit", (code) => reject(new Error(`bench endpoint exited with code ${code}`)));
  });
}

async function measure(
  apiUrl: string,
  kind: "topic" | "stream",
  batchSize: number,
  concurrency: number,
): Promise<number> {
  const posts = generatePosts(5_000, "bench");
  const outputs: StackOutputs = { ...OUTPUTS, apiUrl };
  const transport = new ApiTransport(outputs, concurrency);
  const failures = new FailureFile(path.join(os.tmpdir(), `emulator-bench-failed-${process.pid}.jsonl`));
  const delivery = new Delivery(transport, failures, newStats());
  const target = (table: Target["table"]): Target => ({
    table,
    kind,
    name: kind === "topic" ? outputs.topics[table] : outputs.streams[table],
  });
  const source = {
    keys: async () => posts.map((post) => post.pin.index),
    fetch: async (keys: readonly number[]) => keys.map((key) => posts[key]),
  };
  const result = await new Run(source, delivery, target).execute(
    { mode: "sequential", seed: "bench", durationMs: SECONDS_PER_CASE * 1000 },
    { rate: 0, concurrency, batchSize },
  );
  await transport.close();
  if (total(result.stats.failed) > 0)
    throw new Error(`bench: ${total(result.stats.failed)} records failed; see ${failures.file}`);
  return total(result.stats.sent) / (result.durationMs / 1000);
}

async function bench(): Promise<void> {
  const { child, port } = await startEndpoint();
  try {
    const apiUrl = `http://127.0.0.1:${port}/bench`;
    const rows: string[] = [];
    for (const kind of ["topic", "stream"] as const) {
      for (const [batchSize, concurrency] of CASES) {
        const rate = await measure(apiUrl, kind, batchSize, concurrency);
        rows.push(
          `| ${kind === "topic" ? "batch (topics)" : "stream (/record, /records)"} | ${batchSize} | ${concurrency} | ${Math.round(rate).toLocaleString("en-US")} |`,
        );
      }
    }
    console.log(
      `records per second into a local endpoint (${SECONDS_PER_CASE} s per case, Node ${process.version}, ${os.cpus().length} cores)\n`,
    );
    console.log("| path | batch size | concurrency | records/s |\n|---|---|---|---|");
    console.log(rows.join("\n"));
  } finally {
    child.kill();
  }
}

if (process.argv.includes("--serve")) {
  serve();
} else {
  bench().catch((error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
