// The local CLI's flags, its instant --help, its heartbeat and the pieces of status and logs that read files.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { UsageError } from "../../cli/errors";
import { keptLocalStack } from "../../emulator/local-defaults";
import { parseArgs, USAGE } from "../../local/args";
import { logComponents, logFile, printLog } from "../../local/logs";
import { DEFAULT_PORT_BASE } from "../../local/ports";
import { formatSeconds, heartbeatLine, startHeartbeat } from "../../local/run-tool";
import { addressOf, checkpointSequences } from "../../local/status";

const ROOT = path.resolve(__dirname, "../..");

describe("local CLI: flags", () => {
  const good: { argv: string[]; expect: Record<string, unknown> }[] = [
    { argv: [], expect: { command: "run", posts: 2000, keep: false, json: false, sparkUi: false } },
    {
      argv: ["--posts", "12000", "--keep", "--json", "--spark-ui"],
      expect: { command: "run", posts: 12000, keep: true, json: true, sparkUi: true },
    },
    { argv: ["up", "--port-base", "0"], expect: { command: "up", portBase: 0 } },
    { argv: ["restart", "kafka"], expect: { command: "restart", component: "kafka" } },
    { argv: ["peek", "local.pin"], expect: { command: "peek", peekName: "local.pin", records: 10 } },
    {
      argv: ["peek", "local-geo", "-n", "3"],
      expect: { command: "peek", peekName: "local-geo", records: 3 },
    },
    { argv: ["jobs", "--batch-only"], expect: { command: "jobs", only: "batch" } },
    {
      argv: ["jobs", "--stream-only", "--spark-ui"],
      expect: { command: "jobs", only: "stream", sparkUi: true },
    },
    { argv: ["status", "--json"], expect: { command: "status", json: true } },
    { argv: ["logs"], expect: { command: "logs", follow: false } },
    {
      argv: ["logs", "connect", "--follow"],
      expect: { command: "logs", component: "connect", follow: true },
    },
    { argv: ["logs", "kafka", "-f"], expect: { command: "logs", component: "kafka", follow: true } },
    {
      argv: ["jobs", "--summary", "s.json"],
      expect: { command: "jobs", summaryFile: path.resolve("s.json") },
    },
    { argv: ["down", "--state-dir", "x"], expect: { command: "down", stateDir: path.resolve("x") } },
    { argv: ["--port-base", "0"], expect: { portBase: 0 } },
    { argv: ["-h"], expect: { help: true } },
    { argv: ["status", "--version"], expect: { version: true } },
    {
      argv: ["query", "SELECT * FROM pin_now", "--json"],
      expect: { command: "query", sql: "SELECT * FROM pin_now", json: true },
    },
  ];
  for (const c of good) {
    it(`accepts ${c.argv.join(" ") || "(nothing)"}`, () => {
      expect(parseArgs(c.argv)).to.include(c.expect);
    });
  }

  const bad: { argv: string[]; message: RegExp }[] = [
    {
      argv: ["start"],
      message: /unknown command "start": use one of: run up status logs jobs restart peek query down$/,
    },
    { argv: ["peek"], message: /peek needs a topic or stream name/ },
    { argv: ["peek", "local.pin", "-n", "0"], message: /-n needs a whole number from 1 to 10000/ },
    { argv: ["jobs", "--batch-only", "--stream-only"], message: /--batch-only or --stream-only, not both/ },
    { argv: ["--batch-only"], message: /--batch-only does not apply to run \(only to jobs\)/ },
    { argv: ["status", "-n", "2"], message: /-n does not apply to status \(only to peek\)/ },
    { argv: ["--posts", "0"], message: /--posts needs a whole number from 1 to 10000000 \(got "0"\)/ },
    { argv: ["--posts"], message: /--posts needs a whole number .* \(got nothing\)/ },
    { argv: ["--bogus"], message: /unknown flag "--bogus"/ },
    { argv: ["status", "--follow"], message: /--follow does not apply to status \(only to logs\)/ },
    { argv: ["logs", "--posts", "5"], message: /--posts does not apply to logs \(only to run\)/ },
    { argv: ["status", "extra"], message: /unexpected argument "extra"/ },
    { argv: ["--port-base", "80"], message: /--port-base must be 0 or at least 1024/ },
    { argv: ["--prefix", "Bad_Prefix"], message: /prefix "Bad_Prefix" is invalid/ },
    { argv: ["--state-dir"], message: /--state-dir needs a value/ },
    { argv: ["query"], message: /query needs the SQL, e\.g\. npm run local -- query "SELECT/ },
    { argv: ["query", "--json"], message: /query needs the SQL/ },
    { argv: ["query", "SELECT 1", "--posts", "3"], message: /--posts does not apply to query/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.argv.join(" ")} with a usage error`, () => {
      expect(() => parseArgs(c.argv))
        .to.throw(UsageError)
        .with.property("message")
        .that.matches(c.message);
    });
  }

  it("the usage's defaults are the parser's defaults", () => {
    const defaults = parseArgs([]);
    const documented = Object.fromEntries(
      [...USAGE.matchAll(/^ {2}(--[a-z-]+) .*\(default ([^)]+)\)/gm)].map((match) => [match[1], match[2]]),
    );
    expect(documented).to.deep.equal({
      "--posts": String(defaults.posts),
      "--state-dir": `${path.relative(path.resolve(__dirname, "../.."), defaults.stateDir)}/`,
      "--prefix": defaults.prefix,
      "--port-base": String(DEFAULT_PORT_BASE),
    });
    expect(defaults.portBase).to.equal(DEFAULT_PORT_BASE);
  });
});

describe("local CLI: --help and --version answer before anything is installed", () => {
  for (const flag of ["--help", "-h"]) {
    it(`tools/local.sh ${flag} prints the usage on stdout and exits 0, without tsx or an install`, () => {
      // An empty PATH but for bash's own directory: no node, npm, tsx, python or apt-get can run.
      const result = spawnSync("/bin/bash", [path.join(ROOT, "tools/local.sh"), "logs", flag], {
        encoding: "utf8",
        env: { PATH: "/nonexistent" },
      });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stderr).to.equal("");
      expect(result.stdout).to.include("usage: npm run local -- [command] [flags]");
      expect(result.stdout).to.include("npm run local -- down");
    });
  }

  const refused: [string[], string][] = [
    [["--bogus"], 'local: unknown flag "--bogus"'],
    [
      ["start"],
      'local: unknown command "start": use one of: run up status logs jobs restart peek query down',
    ],
    [["status", "--jsn"], 'local: unknown flag "--jsn"'],
  ];
  for (const [argv, line] of refused) {
    it(`tools/local.sh ${argv.join(" ")} is refused with exit 2 before anything is installed`, () => {
      const result = spawnSync("/bin/bash", [path.join(ROOT, "tools/local.sh"), ...argv], {
        encoding: "utf8",
        env: { PATH: "/nonexistent" },
      });
      expect(result.status).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.equal(`${line}\nsee: npm run local -- --help\n`);
    });
  }

  it("every flag the usage lists passes the early check and local/cli.ts's parser", function () {
    this.timeout(20_000);
    const flags = [...USAGE.matchAll(/^ {2}(-[a-z]|--[a-z-]+)(?:, (--[a-z-]+))?/gm)]
      .flatMap((m) => [m[1], m[2]])
      .filter(Boolean);
    expect(flags).to.include.members([
      "--posts",
      "--keep",
      "--json",
      "--follow",
      "-f",
      "--help",
      "-h",
      "--version",
      "--batch-only",
      "--stream-only",
      "--spark-ui",
      "-n",
    ]);
    const valueOf: Record<string, string> = {
      "--posts": "5",
      "--summary": "s.json",
      "--state-dir": "d",
      "--prefix": "abc",
      "--port-base": "0",
      "-n": "5",
    };
    const commandOf: Record<string, string[]> = {
      "--follow": ["logs"],
      "-f": ["logs"],
      "--batch-only": ["jobs"],
      "--stream-only": ["jobs"],
      "-n": ["peek", "local.pin"],
    };
    for (const flag of flags) {
      const argv = [...(commandOf[flag] ?? ["run"]), flag, ...(valueOf[flag] ? [valueOf[flag]] : [])];
      // With an empty PATH the install cannot start: the run ends there (exit 127), not at the early check (exit 2).
      const result = spawnSync("/bin/bash", [path.join(ROOT, "tools/local.sh"), ...argv], {
        encoding: "utf8",
        env: { PATH: "/nonexistent" },
      });
      expect(result.status, `${flag}: ${result.stderr}`).to.not.equal(2);
      expect(() => parseArgs(argv), flag).to.not.throw();
    }
  });

  it("--version prints the project's version", () => {
    const result = spawnSync("bash", [path.join(ROOT, "tools/local.sh"), "--version"], { encoding: "utf8" });
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    expect(result.status).to.equal(0);
    expect(result.stdout.trim()).to.equal(`pinterest-data-pipeline ${version}`);
  });

  it("a bad flag exits 2 with one line naming it", () => {
    const result = spawnSync(
      path.join(ROOT, "node_modules/.bin/tsx"),
      [path.join(ROOT, "local/cli.ts"), "--posts", "x"],
      {
        encoding: "utf8",
      },
    );
    expect(result.status).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.match(/^local: --posts needs a whole number from 1 to 10000000 \(got "x"\)\n/);
  });
});

describe("local CLI: heartbeat", () => {
  it("says how long, what for and where the log is", () => {
    expect(heartbeatLine("batch job", 42_400, "Spark to write gold", "/l/batch-job.log")).to.equal(
      "batch job: 42 s so far, waiting for Spark to write gold (log: /l/batch-job.log)",
    );
    expect([
      formatSeconds(0),
      formatSeconds(59_400),
      formatSeconds(61_000),
      formatSeconds(600_000),
    ]).to.deep.equal(["0 s", "59 s", "1 min 01 s", "10 min 00 s"]);
  });

  it("beats until stopped", async () => {
    const lines: string[] = [];
    const stop = startHeartbeat(
      (line) => lines.push(line),
      () => `beat ${lines.length}`,
      20,
    );
    await new Promise((resolve) => setTimeout(resolve, 130));
    stop();
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(count).to.be.at.least(3);
    expect(lines).to.have.length(count);
    expect(lines[0]).to.equal("beat 0");
  });
});

describe("local CLI: status and logs read the state directory", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-cli-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("takes host and port from URLs and bootstrap addresses", () => {
    expect(addressOf("http://127.0.0.1:19100")).to.deep.equal({ host: "127.0.0.1", port: 19100 });
    expect(addressOf("127.0.0.1:19101")).to.deep.equal({ host: "127.0.0.1", port: 19101 });
    expect(addressOf("mysql://u:p@127.0.0.1:19105/pinterest")).to.deep.equal({
      host: "127.0.0.1",
      port: 19105,
    });
  });

  it("reads the stream job's last read sequence numbers from the newest offsets file of its checkpoint", () => {
    // Spark's offset log: a version line, the batch metadata, then one line per source (the local source's JSON).
    const offsets = path.join(dir, "checkpoint", "offsets");
    fs.mkdirSync(offsets, { recursive: true });
    const write = (batch: number, shards: Record<string, string>) =>
      fs.writeFileSync(
        path.join(offsets, String(batch)),
        `v1\n{"batchWatermarkMs":0}\n${JSON.stringify({ shards, since: null })}\n`,
      );
    write(1, { "shardId-000000000000": "5" });
    write(10, { "shardId-000000000000": "2000", "shardId-000000000001": "1999" });
    write(2, { "shardId-000000000000": "9" });
    expect(checkpointSequences(path.join(dir, "checkpoint"))).to.deep.equal({
      "shardId-000000000000": "2000",
      "shardId-000000000001": "1999",
    });
    expect(checkpointSequences(path.join(dir, "no-checkpoint"))).to.equal(undefined);
  });

  it("lists components, names the known ones for an unknown one, and follows appended lines", async () => {
    const logs = path.join(dir, "logs");
    fs.mkdirSync(logs);
    fs.writeFileSync(path.join(logs, "kafka.log"), "one\n");
    fs.writeFileSync(path.join(logs, "batch-job.log"), "");
    fs.writeFileSync(path.join(logs, "notes.txt"), "");
    expect(logComponents(logs)).to.deep.equal(["batch-job", "kafka"]);
    expect(() => logFile(logs, "connect")).to.throw(
      UsageError,
      /no log named "connect" .*there are: batch-job, kafka/,
    );

    const chunks: string[] = [];
    const out = {
      write: (chunk: Buffer) => chunks.push(chunk.toString()),
    } as unknown as NodeJS.WritableStream;
    await printLog(logFile(logs, "kafka"), false, out);
    expect(chunks.join("")).to.equal("one\n");
  });
});

describe("emulator: defaults from a kept local stack", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kept-stack-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (pid: number) => {
    fs.writeFileSync(
      path.join(dir, "stack.json"),
      JSON.stringify({ pid, endpoints: { dbUrl: "mysql://u:p@127.0.0.1:1/db" } }),
    );
    fs.writeFileSync(path.join(dir, "outputs.json"), "{}");
  };

  it("takes the database URL and the outputs file while the stack's supervisor runs", () => {
    write(process.pid);
    expect(keptLocalStack(dir)).to.deep.equal({
      stateDir: dir,
      dbUrl: "mysql://u:p@127.0.0.1:1/db",
      outputsFile: path.join(dir, "outputs.json"),
    });
  });

  it("ignores a stack whose supervisor is gone, and a folder without one", () => {
    // A pid above the kernel's pid_max (4194304 at most) names no process.
    write(4_194_305);
    expect(keptLocalStack(dir)).to.equal(undefined);
    expect(keptLocalStack(path.join(dir, "nothing"))).to.equal(undefined);
  });
});
