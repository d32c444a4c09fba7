// Bad input and unreachable services: one clear line on stderr, a non-zero exit, no stack trace.
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { main } from "../../emulator/cli";
import { EXIT, RuntimeFailure, UsageError } from "../../cli/errors";
import { freePort } from "../../local/services/net";
import { OUTPUTS } from "./support/ingest-api";
import { runCli, startTestDatabase, writeOutputs, type CliResult } from "./support/environment";

function expectOneLineError(result: CliResult, pattern: RegExp, code: number = EXIT.failure): void {
  expect(result.code, result.stderr).to.equal(code);
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^emulator: /);
  expect(lines[0]).to.match(pattern);
  expect(result.stderr).not.to.match(/\n\s+at /);
}

/** The same validation in-process (cheaper than a child process): main() rejects with a UsageError (bad flags,
 * exit 2) or a RuntimeFailure (the work could not be done, exit 1). */
async function expectRejection(
  args: string[],
  kind: typeof UsageError | typeof RuntimeFailure,
  pattern: RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await main(args);
  } catch (error) {
    caught = error;
  }
  expect(caught, `no ${kind.name} for ${args.join(" ")}`).to.be.instanceOf(kind);
  expect((caught as Error).message).to.match(pattern);
  expect((caught as Error).message).not.to.contain("\n");
}

async function captureStdout(run: () => Promise<unknown>): Promise<string> {
  const original = console.log;
  let out = "";
  console.log = (...parts: unknown[]) => {
    out += parts.join(" ") + "\n";
  };
  try {
    await run();
  } finally {
    console.log = original;
  }
  return out;
}

describe("emulator CLI errors", function () {
  this.timeout(120_000);
  let db: Awaited<ReturnType<typeof startTestDatabase>>;
  let outputs: string;

  before(async () => {
    db = await startTestDatabase("cli");
    outputs = writeOutputs(db.dir, { ...OUTPUTS, apiUrl: "http://127.0.0.1:9/dev" });
  });
  after(async () => {
    await db?.stop();
  });

  it("prints help for every command", async () => {
    for (const command of ["seed", "batch"]) {
      expect(await captureStdout(() => main([command, "--help"]))).to.contain(
        `npm run emulator -- ${command}`,
      );
    }
    expect(await captureStdout(() => main(["--help"]))).to.contain("Commands:");
    const stream = await runCli(["stream", "--help"]);
    expect(stream.code).to.equal(0);
    for (const flag of [
      "--db",
      "--outputs",
      "--stack",
      "--mode",
      "--count",
      "--all",
      "--duration",
      "--rate",
      "--concurrency",
      "--batch-size",
      "--via",
      "--endpoint",
      "--json",
      "--failed-file",
    ]) {
      expect(stream.stdout).to.contain(flag);
    }
  });

  it("names a missing database, with the tables to create", async () => {
    expectOneLineError(
      await runCli(["batch", "--db", db.url, "--outputs", outputs]),
      /source tables are missing .* seed --db/,
    );
  });

  it("names an unreachable database", async () => {
    const url = `mysql://pinterest:x@127.0.0.1:${await freePort()}/pinterest`;
    expectOneLineError(
      await runCli(["seed", "--db", url]),
      /cannot reach the database at 127\.0\.0\.1:\d+\/pinterest \(connection refused\)/,
    );
  });

  it("names wrong credentials", async () => {
    const url = db.url.replace(/:[0-9a-f]+@/, ":wrong-password@");
    expectOneLineError(await runCli(["seed", "--db", url]), /refused the user name or password; check --db/);
  });

  it("rejects a malformed outputs file", async () => {
    const dir = db.dir;
    const notJson = path.join(dir, "bad.json");
    fs.writeFileSync(notJson, "{apiUrl: ");
    expectOneLineError(
      await runCli(["batch", "--db", db.url, "--outputs", notJson]),
      /outputs file .*bad\.json is not valid JSON/,
    );
    const noTopics = writeOutputs(dir, {
      apiUrl: "https://x.example/dev",
      apiKey: "k",
      streams: OUTPUTS.streams,
    });
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", noTopics],
      RuntimeFailure,
      /"topics" must be an object .*missing: pin, geo, user/,
    );
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", path.join(dir, "absent.json")],
      RuntimeFailure,
      /cannot read the outputs file .*absent\.json \(ENOENT\)/,
    );
    fs.writeFileSync(noTopics, JSON.stringify({ ...OUTPUTS, apiUrl: "ftp://x" }));
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", noTopics],
      RuntimeFailure,
      /"apiUrl" must be an http\(s\) URL/,
    );
  });

  it("says when the pulumi CLI is missing for --stack", async () => {
    const result = await runCli(["batch", "--db", db.url, "--stack", "dev"], {
      env: { PATH: path.dirname(process.execPath) },
    });
    expectOneLineError(
      result,
      /the pulumi CLI is not installed \(needed by --stack\); install it or pass --outputs <file>/,
    );
  });

  it("rejects bad flags", async () => {
    expectOneLineError(
      await runCli(["batch", "--db", db.url, "--outputs", outputs, "--via", "sdk"]),
      /Unknown option '--via'.*batch --help/,
      EXIT.usage,
    );
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", outputs, "--count", "3", "--all"],
      UsageError,
      /pass only one of --count, --all, --duration/,
    );
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", outputs, "--mode", "shuffle"],
      UsageError,
      /--mode must be sequential or random/,
    );
    await expectRejection(
      ["stream", "--db", db.url, "--outputs", outputs, "--batch-size", "501"],
      UsageError,
      /--batch-size must be a whole number from 1 to 500/,
    );
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", outputs, "--duration", "soon"],
      UsageError,
      /--duration must look like 90, 90s, 5m or 1h/,
    );
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", outputs, "--request-timeout", "0s"],
      UsageError,
      /--request-timeout must look like 90, 90s, 5m or 1h \(got "0s"\)/,
    );
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", outputs, "--rate=-1"],
      UsageError,
      /--rate must be a whole number from 0 \(got "-1"\)/,
    );
    await expectRejection(
      ["stream", "--db", db.url, "--outputs", outputs, "--endpoint", "http://x"],
      UsageError,
      /--endpoint and --region apply to --via sdk only/,
    );
    await expectRejection(["batch", "--outputs", outputs], UsageError, /--db <mysql url> is required/);
    await expectRejection(["batch", "--db", db.url], UsageError, /--outputs <file> or --stack <name>/);
    await expectRejection(
      ["batch", "--db", db.url, "--outputs", outputs, "--stack", "dev"],
      UsageError,
      /either --outputs or --stack, not both/,
    );
    await expectRejection(["launch"], UsageError, /unknown command "launch"/);
    await expectRejection(["seed", "--db", "postgres://x@y/z"], UsageError, /--db must look like mysql:\/\//);
  });
});
