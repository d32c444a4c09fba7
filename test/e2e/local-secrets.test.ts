// Local mode keeps its database passwords out of sight: during a run, no process's command line (what `ps`
// shows any local user) carries the MariaDB user's or root's password, and no log file does. The emulator steps
// of local/pipeline.ts get the database URL in their environment (EMULATOR_DB_URL), never as --db.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { layoutOf } from "../../local/layout";
import { seed, type StepContext } from "../../local/pipeline";
import { rootPasswordFile, startMariaDb, type MariaDb } from "../../local/services/mariadb";
import { freePort } from "../../local/services/net";
import type { StackEndpoints } from "../../local/stack";

/** Every file below `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("local mode keeps the database passwords off command lines and out of logs", function () {
  this.timeout(300_000);
  let stateDir: string;
  let db: MariaDb | undefined;

  before(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "local-secrets-"));
  });
  after(async () => {
    await db?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("ps during the seeding step shows neither password, and the logs hold none", async () => {
    const layout = layoutOf(stateDir);
    const dataDir = path.join(layout.dataDir, "mariadb");
    db = await startMariaDb({
      dataDir,
      port: await freePort(),
      logFile: path.join(layout.logsDir, "mariadb.log"),
    });
    const secrets = [new URL(db.url).password, fs.readFileSync(rootPasswordFile(dataDir), "utf8").trim()];
    expect(secrets.every((secret) => secret.length >= 16)).to.equal(true);

    const ctx: StepContext = {
      endpoints: { dbUrl: db.url } as StackEndpoints,
      layout,
      say: () => undefined,
      running: new Set(),
    };
    // Every command line of every process, sampled while the emulator runs.
    const commandLines = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { stdout } = await promisify(execFile)("ps", ["-eo", "args", "--no-headers"], {
          maxBuffer: 16 * 1024 * 1024,
        });
        for (const line of stdout.split("\n")) commandLines.add(line);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await seed(ctx, 3000);
    } finally {
      sampling = false;
      await sampler;
    }
    const emulatorLines = [...commandLines].filter((line) => line.includes("emulator/cli.ts"));
    expect(emulatorLines.length, "ps saw the emulator run").to.be.greaterThan(0);
    for (const secret of secrets) {
      for (const line of commandLines) expect(line).not.to.include(secret);
      for (const file of filesUnder(layout.logsDir))
        expect(fs.readFileSync(file, "utf8"), file).not.to.include(secret);
    }
    expect(fs.readFileSync(path.join(layout.logsDir, "emulator-seed.log"), "utf8")).not.to.include("--db");
  });
});
