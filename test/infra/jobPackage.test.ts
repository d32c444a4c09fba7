import { expect } from "chai";
import { execFileSync } from "child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { entryScript, JOB_PACKAGE_DIR, jobPackageFiles, perTableOption } from "../../infra/jobPackage";

describe("job package", () => {
  it("uploads every module of jobs/src/pinterest_jobs as it is on disk now", () => {
    const onDisk = readdirSync(JOB_PACKAGE_DIR)
      .filter((name) => name.endsWith(".py"))
      .sort();
    const files = jobPackageFiles();
    expect(files.map((file) => file.name)).to.deep.equal(onDisk);
    expect(files.map((file) => file.name)).to.include("__init__.py");
  });

  it("picks up a new module without a code change, and refuses a folder that is not a package", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pkg-"));
    try {
      writeFileSync(path.join(dir, "__init__.py"), "");
      writeFileSync(path.join(dir, "new_module.py"), "X = 1\n");
      writeFileSync(path.join(dir, "notes.txt"), "not python");
      const files = jobPackageFiles(dir);
      expect(files.map((file) => file.name)).to.deep.equal(["__init__.py", "new_module.py"]);
      expect(Buffer.from(files[1].contentBase64, "base64").toString()).to.equal("X = 1\n");
      rmSync(path.join(dir, "__init__.py"));
      expect(() => jobPackageFiles(dir)).to.throw(/not a Python package/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the entry file puts the package on the path and runs the module as __main__ with the task's arguments", () => {
    const script = entryScript(
      "/Workspace/Shared/pinterest-pipeline/pinpipe-dev/src",
      "pinterest_jobs.batch",
    );
    expect(script).to.contain('sys.path.insert(0, "/Workspace/Shared/pinterest-pipeline/pinpipe-dev/src")');
    expect(script).to.contain(
      'runpy.run_module("pinterest_jobs.batch", run_name="__main__", alter_sys=True)',
    );
  });

  it("the entry file really runs the module with the arguments (python3)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "entry-"));
    try {
      const packageDir = path.join(dir, "src", "pinterest_jobs");
      execFileSync("mkdir", ["-p", packageDir]);
      writeFileSync(path.join(packageDir, "__init__.py"), "");
      writeFileSync(
        path.join(packageDir, "batch.py"),
        "import sys\nif __name__ == '__main__':\n    print(' '.join(sys.argv[1:]))\n",
      );
      writeFileSync(
        path.join(dir, "run_batch.py"),
        entryScript(path.join(dir, "src"), "pinterest_jobs.batch"),
      );
      const out = execFileSync(
        "python3",
        [path.join(dir, "run_batch.py"), "--input", "dbfs:/mnt/x", "--prefix", "p"],
        { cwd: tmpdir() },
      );
      expect(out.toString().trim()).to.equal("--input dbfs:/mnt/x --prefix p");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("per-table options are table=name pairs", () => {
    expect(perTableOption({ pin: "p.pin", geo: "p.geo", user: "p.user" })).to.equal(
      "pin=p.pin,geo=p.geo,user=p.user",
    );
  });
});
