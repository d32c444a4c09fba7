// The real build of MWAA's plugins.zip (`npm run build:mwaa-plugins`), against PyPI the first time and from
// .cache/mwaa-plugins after that. What the zip must hold follows the MWAA user guide, "Managing Python
// dependencies in requirements.txt" (option two, wheels in plugins.zip, installed with `--no-index --find-links
// /usr/local/airflow/plugins`): with no index, every distribution MWAA's pip has to install must be a wheel in
// the zip, and MWAA's pip keeps what the image already has when it satisfies the pin (so those need none).
import { execFileSync } from "child_process";
import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import {
  committedFile,
  constraintsFileName,
  imagePackagesFileName,
  normalizeName,
  parsePins,
  parseWheelFileName,
  PINNED,
  PROVIDER,
} from "../../infra/mwaaPlugins";
import {
  BUILD_PYTHON,
  buildMwaaPlugins,
  BuildResult,
  offlineInstall,
  writeImageSite,
} from "../../infra/buildMwaaPlugins";

const ROOT = path.join(__dirname, "..", "..");

describe("npm run build:mwaa-plugins (real pip and PyPI; cached in .cache/mwaa-plugins)", function () {
  this.timeout(600_000);
  let build: BuildResult;
  let work: string;
  let zipped: string[];
  const constraints = parsePins(committedFile(constraintsFileName(PINNED)));
  const image = parsePins(committedFile(imagePackagesFileName(PINNED)));

  before(async () => {
    execFileSync("bash", [path.join(ROOT, "tools", "ensure.sh"), "mwaa-build"], { stdio: "inherit" });
    build = await buildMwaaPlugins();
    work = mkdtempSync(path.join(tmpdir(), "mwaa-plugins-check-"));
    // Unpacked as MWAA does into /usr/local/airflow/plugins.
    execFileSync(BUILD_PYTHON, [
      "-m",
      "zipfile",
      "-e",
      path.join(build.dir, "plugins.zip"),
      path.join(work, "plugins"),
    ]);
    zipped = readdirSync(path.join(work, "plugins")).sort();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("plugins.zip holds exactly the wheels of its manifest, flat at its root", () => {
    expect(zipped).to.deep.equal(build.manifest.wheels);
    expect(zipped.every((file) => file.endsWith(".whl"))).to.equal(true);
  });

  it("holds the pinned provider's wheel", () => {
    expect(zipped.map(parseWheelFileName)).to.deep.include({
      name: PROVIDER.replace(/-/g, "_"),
      version: PINNED.provider,
    });
  });

  it("each wheel is at the constraints' pin, and none is a distribution the image has at that version", () => {
    for (const { name, version } of zipped.map(parseWheelFileName)) {
      expect(constraints.get(normalizeName(name)), name).to.equal(version);
      expect(image.get(normalizeName(name)), name).not.to.equal(version);
    }
  });

  it("installs offline over MWAA's image: pip needs exactly the zip's wheels and nothing from an index", () => {
    const site = path.join(work, "image-site");
    writeImageSite(site, image);
    const installs = offlineInstall(path.join(work, "plugins"), site, path.join(work, "report.json"));
    expect(installs.map((d) => `${normalizeName(d.name)}==${d.version}`).sort()).to.deep.equal(
      zipped
        .map(parseWheelFileName)
        .map((d) => `${normalizeName(d.name)}==${d.version}`)
        .sort(),
    );
  });

  it("the wheels are for CPython 3.12 on manylinux x86_64 up to glibc 2.34, or pure Python", () => {
    for (const file of zipped) {
      const tags = file
        .replace(/\.whl$/, "")
        .split("-")
        .slice(-3);
      const [python, abi, platform] = tags;
      if (platform === "any") expect(python, file).to.match(/^py3|^py2\.py3/);
      else {
        expect(python, file).to.be.oneOf(["cp312", "cp39", "cp38", "cp37"]);
        expect(abi, file).to.be.oneOf(["cp312", "abi3"]);
        const glibc = platform
          .split(".")
          .map(
            (tag) =>
              /^manylinux_2_(\d+)_x86_64$/.exec(tag)?.[1] ?? (tag === "manylinux2014_x86_64" ? "17" : "99"),
          )
          .map(Number);
        expect(Math.min(...glibc), file).to.be.at.most(34);
      }
    }
  });

  it("a second build with the same inputs reuses the first", async () => {
    const again = await buildMwaaPlugins();
    expect(again.built).to.equal(false);
    expect(again.manifest).to.deep.equal(build.manifest);
  });
});
