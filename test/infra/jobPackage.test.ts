// The jobs wheel (infra/jobPackage.ts), checked with Python itself: tomllib reads the same pyproject.toml, pip
// installs the wheel, importlib.metadata resolves its entry points, and the jobs' own argument parsers accept
// the parameters the program gives the Databricks tasks.
import { expect } from "chai";
import { execFileSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { FULL_REFRESH_PARAMETER, jobCommandLines, wheelPath } from "../../infra/databricksWorkspace";
import { storageLayout } from "../../infra/databricksStorage";
import {
  buildJobWheel,
  JOBS_DIR,
  packageFiles,
  perTableOption,
  readJobProject,
  wheelEntries,
  zipArchive,
} from "../../infra/jobPackage";
import { streamNames, topicNames } from "../../infra/names";
import { unityCatalogNames } from "../../infra/physicalNames";

const ROOT = path.join(__dirname, "..", "..");
const PYTHON = path.join(ROOT, ".cache", "venv", "jobs", "bin", "python");
const python = (code: string, env: Record<string, string> = {}) =>
  execFileSync(PYTHON, ["-c", code], { env: { ...process.env, ...env }, cwd: tmpdir() }).toString();

describe("jobs wheel", function () {
  this.timeout(120_000);
  const wheel = buildJobWheel();
  let dir: string;
  let wheelFile: string;

  before(() => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash tools/ensure.sh jobs`);
    dir = mkdtempSync(path.join(tmpdir(), "wheel-"));
    wheelFile = path.join(dir, wheel.fileName);
    writeFileSync(wheelFile, wheel.content);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads jobs/pyproject.toml as Python's tomllib does", () => {
    const fromPython = JSON.parse(
      python(
        `import json, tomllib; p = tomllib.load(open(${JSON.stringify(path.join(JOBS_DIR, "pyproject.toml"))}, "rb"));` +
          `print(json.dumps({"name": p["project"]["name"], "version": p["project"]["version"],` +
          `"summary": p["project"]["description"], "requiresPython": p["project"]["requires-python"],` +
          `"scripts": p["project"]["scripts"], "packageData": p["tool"]["setuptools"]["package-data"],` +
          `"sourceDir": p["tool"]["setuptools"]["packages"]["find"]["where"][0]}))`,
      ),
    ) as unknown;
    expect(wheel.project).to.deep.equal(fromPython);
  });

  it("is a valid zip whose RECORD lists every file with its sha256 and size (checked by Python)", () => {
    const out = python(
      [
        "import base64, hashlib, sys, zipfile",
        `z = zipfile.ZipFile(${JSON.stringify(wheelFile)})`,
        "assert z.testzip() is None",
        "record = [line.split(',') for line in z.read(next(n for n in z.namelist() if n.endswith('/RECORD'))).decode().splitlines()]",
        "for name, digest, size in record:",
        "    if name.endswith('/RECORD'): continue",
        "    data = z.read(name)",
        "    want = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()",
        "    assert digest == want and int(size) == len(data), name",
        "print(len(record))",
      ].join("\n"),
    );
    expect(Number(out.trim())).to.equal(
      wheelEntries(wheel.project, packageFiles(JOBS_DIR, wheel.project)).length,
    );
  });

  it("pip installs it, and its console scripts resolve to the jobs' wheel entry points", () => {
    const target = path.join(dir, "site");
    execFileSync(PYTHON, ["-m", "pip", "install", "--quiet", "--no-deps", "--target", target, wheelFile]);
    const out = python(
      [
        "from importlib.metadata import distribution",
        "d = distribution('pinterest-jobs')",
        "import json",
        "print(json.dumps({e.name: [e.value, callable(e.load())] for e in d.entry_points if e.group == 'console_scripts'}))",
      ].join("\n"),
      { PYTHONPATH: target },
    );
    expect(JSON.parse(out)).to.deep.equal({
      "pinterest-batch": ["pinterest_jobs.batch:entry", true],
      "pinterest-stream": ["pinterest_jobs.stream:entry", true],
    });
    // The wheel declares no dependencies: the Databricks Runtime provides Spark and Delta, and pip must not
    // replace the runtime's pyspark.
    expect(
      python("from importlib.metadata import requires; print(requires('pinterest-jobs'))", {
        PYTHONPATH: target,
      }).trim(),
    ).to.equal("None");
  });

  it("carries the contract file and the package's modules, and no benchmark or data generator", () => {
    const names = wheelEntries(wheel.project, packageFiles(JOBS_DIR, wheel.project)).map((file) => file.name);
    expect(names).to.include("pinterest_jobs/contract.json");
    const contract = packageFiles(JOBS_DIR, wheel.project).find(
      (file) => file.name === "pinterest_jobs/contract.json",
    );
    expect(contract?.content.toString()).to.equal(
      readFileSync(path.join(ROOT, "contract", "contract.json"), "utf8"),
    );
    // The gold queries, byte for byte the files of contract/gold (the package's gold_sql/ links to them).
    const goldDir = path.join(ROOT, "contract", "gold");
    for (const file of readdirSync(goldDir)) {
      const packaged = packageFiles(JOBS_DIR, wheel.project).find(
        (entry) => entry.name === `pinterest_jobs/gold_sql/${file}`,
      );
      expect(packaged?.content.toString(), file).to.equal(readFileSync(path.join(goldDir, file), "utf8"));
    }
    expect(names).to.include.members([
      "pinterest_jobs/batch.py",
      "pinterest_jobs/stream.py",
      "pinterest_jobs/__init__.py",
    ]);
    // Issue 13 moved these out of the package (jobs/bench/, jobs/tests/); nothing of them is deployed.
    for (const name of names) expect(name, name).not.to.match(/bench|generate|synthetic|tests?\//);
  });

  it("is byte-for-byte reproducible, so an unchanged package changes nothing on the workspace", () => {
    expect(buildJobWheel().content.equals(wheel.content)).to.equal(true);
    expect(wheel.fileName).to.equal("pinterest_jobs-0.1.0-py3-none-any.whl");
  });

  it("collects package data, refuses a package whose data file is missing, and a tree with no package", () => {
    const jobs = mkdtempSync(path.join(tmpdir(), "jobs-"));
    try {
      mkdirSync(path.join(jobs, "src", "pkg", "sub"), { recursive: true });
      writeFileSync(path.join(jobs, "src", "pkg", "__init__.py"), "");
      writeFileSync(path.join(jobs, "src", "pkg", "data.json"), "{}");
      writeFileSync(path.join(jobs, "src", "pkg", "notes.txt"), "not shipped");
      writeFileSync(path.join(jobs, "src", "pkg", "sub", "__init__.py"), "");
      writeFileSync(path.join(jobs, "src", "pkg", "sub", "mod.py"), "X = 1\n");
      const project = readJobProject(
        [
          "[project]",
          'name = "pkg"',
          'version = "1.2.3"',
          'description = "d"',
          'requires-python = ">=3.11"',
          "[project.scripts]",
          'run = "pkg.sub.mod:main"',
          "[tool.setuptools.packages.find]",
          'where = ["src"]',
          "[tool.setuptools.package-data]",
          'pkg = ["data.json"]',
        ].join("\n"),
      );
      expect(packageFiles(jobs, project).map((file) => file.name)).to.deep.equal([
        "pkg/__init__.py",
        "pkg/data.json",
        "pkg/sub/__init__.py",
        "pkg/sub/mod.py",
      ]);
      expect(() => packageFiles(jobs, { ...project, packageData: { pkg: ["absent.json"] } })).to.throw(
        /package data pkg\/absent\.json .* is missing/,
      );
      rmSync(path.join(jobs, "src", "pkg", "__init__.py"));
      expect(() => packageFiles(jobs, project)).to.throw(/no Python package/);
      expect(zipArchive([]).length).to.equal(22);
    } finally {
      rmSync(jobs, { recursive: true, force: true });
    }
  });

  describe("the jobs' own parsers accept what the program passes the tasks", () => {
    const prefix = "pinpipe-dev";
    const schemas = { batch: "pinpipe_dev_batch", stream: "pinpipe_dev_stream" };
    const layouts = {
      "unity-catalog": storageLayout({
        kind: "unity-catalog",
        catalog: "pinpipe_dev",
        names: unityCatalogNames(prefix),
        schemas,
      }),
      mount: storageLayout({
        kind: "mount",
        mountUri: "dbfs:/mnt/pinpipe-dev-data",
        catalog: undefined,
        schemas,
        workspaceDir: "/Shared/pinterest-pipeline/pinpipe-dev",
      }),
    };
    const parse = (module: "batch" | "stream", parameters: string[]) =>
      JSON.parse(
        python(
          `import json, sys; from pinterest_jobs.${module} import parse_args; print(json.dumps(vars(parse_args(json.loads(sys.argv[1])))))`.replace(
            "sys.argv[1]",
            JSON.stringify(JSON.stringify(parameters)),
          ),
          // The kinesis source is accepted only on Databricks, which sets this variable.
          { DATABRICKS_RUNTIME_VERSION: "17.3" },
        ),
      ) as Record<string, unknown>;

    for (const mode of ["unity-catalog", "mount"] as const) {
      it(`${mode}: batch and stream parameters parse to the layout's paths`, () => {
        const layout = layouts[mode];
        const lines = jobCommandLines({
          region: "us-east-1",
          topics: topicNames(prefix),
          streams: streamNames(prefix),
          layout,
          serviceCredential: undefined,
        });
        // Databricks replaces the dynamic value reference with the job parameter's value before the task starts.
        const withFullRefresh = (value: string) =>
          lines.batch.map((item) => item.replace(`{{job.parameters.${FULL_REFRESH_PARAMETER.name}}}`, value));
        expect(parse("batch", withFullRefresh(FULL_REFRESH_PARAMETER.default))).to.deep.include({
          input: layout.input,
          output: layout.batchOutput,
          checkpoint: layout.batchCheckpoint,
          topics: perTableOption(topicNames(prefix)),
          full_refresh: false,
        });
        expect(parse("batch", withFullRefresh("true"))).to.deep.include({ full_refresh: true });
        expect(parse("stream", lines.stream)).to.deep.include({
          source: "kinesis",
          output: layout.streamOutput,
          checkpoint: layout.checkpoint,
          streams: perTableOption(streamNames(prefix)),
        });
        expect(wheelPath(layout, wheel).startsWith(layout.wheelDir)).to.equal(true);
      });
    }
  });
});
