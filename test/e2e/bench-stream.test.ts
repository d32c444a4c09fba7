// `npm run bench:stream` at a tiny size against a live local stack (`npm run local -- --live`): the real
// commands, so that the benchmark cannot break unnoticed. It checks what the benchmark prints, not how fast.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { METRIC_TABLES, STREAM_TABLES, TABLES } from "../../contract";
import { npmRun } from "./npm-run";

const ROOT = path.resolve(__dirname, "../..");

describe("npm run bench:stream at a tiny size", function () {
  this.timeout(20 * 60_000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stream-"));
  let live: ChildProcess | undefined;
  let liveOutput = "";

  before(async () => {
    live = spawn(
      "npm",
      ["run", "local", "--", "--live", "--posts", "10", "--port-base", "0", "--state-dir", stateDir],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    live.stdout!.on("data", (chunk) => (liveOutput += chunk));
    live.stderr!.on("data", (chunk) => (liveOutput += chunk));
    const exited = new Promise<void>((resolve) => live!.on("exit", () => resolve()));
    const started = (async () => {
      while (!liveOutput.includes("all posts sent")) await new Promise((r) => setTimeout(r, 1000));
    })();
    await Promise.race([started, exited]);
    expect(live.exitCode, `local --live ended early:\n${liveOutput}`).to.equal(null);
  });

  after(async () => {
    await npmRun(["local:down", "--", "--state-dir", stateDir]);
    if (live?.pid && live.exitCode === null) process.kill(-live.pid, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("measures every record into every table and prints p50/p95/max per table", async () => {
    const { code, output } = await npmRun(
      ["bench:stream", "--", "--rate", "6", "--duration", "5", "--timeout", "300"].concat([
        "--state-dir",
        stateDir,
      ]),
    );
    expect(code, output).to.equal(0);
    expect(output).to.match(/^sent 30 records in [\d.]+ s .*, 0 refused$/m);
    for (const name of [...TABLES.map((table) => STREAM_TABLES[table]), ...METRIC_TABLES])
      expect(output).to.match(
        new RegExp(`^${name}\\s+count\\s+10\\s+p50 [\\d.]+ s\\s+p95 [\\d.]+ s\\s+max [\\d.]+ s$`, "m"),
      );
    expect(output).to.match(/^p95 latency {2}[\d.]+ s$/m);
  });
});
