// `npm run build:mwaa-plugins`: builds MWAA's plugins.zip (the Databricks provider and every dependency MWAA's
// image lacks, as wheels for CPython 3.12 on manylinux x86_64), its requirements.txt and a manifest into
// .cache/mwaa-plugins, for the program to upload. Run it before `pulumi up`; a second run with the same inputs
// does nothing. Network: PyPI (pip's resolver, the wheels, one sdist).
//
// How: pip resolves the provider under the committed constraints for MWAA's platform (`--platform`,
// `--python-version`), with the distributions MWAA's image already has (dags/mwaa-image-packages-*.txt) made
// visible to it as installed, so that it resolves only what MWAA's own `pip install -r requirements.txt` would
// have to install. Those wheels are downloaded and checked against the resolver's SHA-256, zipped, and the result
// is checked the way MWAA installs it: offline, `--no-index --find-links` the wheels.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { zipArchive } from "./jobPackage";
import {
  committedFile,
  committedInputsDigest,
  constraintsFileName,
  Distribution,
  distributionsToShip,
  imagePackagesFileName,
  manylinuxPlatforms,
  mwaaPluginsDir,
  MwaaVersions,
  mwaaRequirementsText,
  normalizeName,
  parsePins,
  PINNED,
  PLUGINS_OBJECT_KEY,
  PluginsManifest,
  PROVIDER,
  REQUIREMENTS_OBJECT_KEY,
} from "./mwaaPlugins";

const ROOT = path.join(__dirname, "..");
export const BUILD_PYTHON = path.join(ROOT, ".cache", "venv", "mwaa-build", "bin", "python");

/**
 * Dependencies PyPI has only as an sdist, built here as pure-Python wheels. thrift (databricks-sql-connector)
 * compiles an optional C extension and its setup.py falls back to pure Python when that fails; building the
 * pure variant directly gives a py3-none-any wheel that runs on MWAA whatever machine builds it.
 */
const PURE_SDISTS: Record<string, (setupPy: string) => string> = {
  thrift: (setupPy) => {
    const patched = setupPy.replace(/^ {4}with_binary = True$/m, "    with_binary = False");
    if (patched === setupPy)
      throw new Error("thrift's setup.py has no `with_binary = True` line to turn off");
    return patched;
  },
};

interface PipReportItem {
  metadata: { name: string; version: string };
  download_info: { url: string; archive_info?: { hashes?: { sha256?: string } } };
}

function pip(args: string[], env: Record<string, string> = {}): void {
  execFileSync(BUILD_PYTHON, ["-m", "pip", "--isolated", "--disable-pip-version-check", ...args], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, ...env },
  });
}

/** Marks each distribution of MWAA's image as installed (a dist-info with name and version) in `siteDir`. */
export function writeImageSite(siteDir: string, installed: Map<string, string>): void {
  rmSync(siteDir, { recursive: true, force: true });
  for (const [name, version] of installed) {
    const distInfo = path.join(siteDir, `${name.replace(/-/g, "_")}-${version}.dist-info`);
    mkdirSync(distInfo, { recursive: true });
    writeFileSync(
      path.join(distInfo, "METADATA"),
      `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
    );
  }
}

function targetArgs(v: MwaaVersions): string[] {
  return [
    "--only-binary=:all:",
    ...manylinuxPlatforms().flatMap((platform) => ["--platform", platform]),
    "--python-version",
    v.python,
    "--implementation",
    "cp",
  ];
}

function buildPureSdists(dir: string, constraints: Map<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, patch] of Object.entries(PURE_SDISTS)) {
    const version = constraints.get(name);
    if (!version) throw new Error(`the constraints file pins no ${name}`);
    if (readdirSync(dir).some((file) => file.startsWith(`${name}-${version}-py3-none-any`))) continue;
    const work = path.join(dir, "..", `sdist-${name}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    pip(["download", "--quiet", "--no-deps", "--no-binary=:all:", `${name}==${version}`, "-d", work]);
    const archive = readdirSync(work).find((file) => file.endsWith(".tar.gz"));
    if (!archive) throw new Error(`pip downloaded no sdist of ${name} ${version}`);
    execFileSync("tar", ["xzf", archive], { cwd: work });
    const source = path.join(work, `${name}-${version}`);
    const setupPy = path.join(source, "setup.py");
    writeFileSync(setupPy, patch(readFileSync(setupPy, "utf8")));
    pip(["wheel", "--quiet", "--no-cache-dir", "--no-deps", source, "-w", dir], {
      SOURCE_DATE_EPOCH: "315532800",
    });
    if (!readdirSync(dir).some((file) => file.startsWith(`${name}-${version}-py3-none-any`))) {
      throw new Error(`building ${name} ${version} did not give a pure-Python wheel`);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The wheel of one resolved distribution, from the local build or downloaded, checked against the resolver's hash. */
async function fetchWheel(item: PipReportItem, wheelCache: string): Promise<string> {
  const url = item.download_info.url;
  const expected = item.download_info.archive_info?.hashes?.sha256;
  if (!expected) throw new Error(`pip's report gives no SHA-256 for ${url}`);
  const fileName = decodeURIComponent(new URL(url).pathname.split("/").pop() as string);
  const cached = path.join(wheelCache, fileName);
  if (existsSync(cached) && sha256(readFileSync(cached)) === expected) return cached;
  let content: Buffer;
  if (url.startsWith("file:")) content = readFileSync(new URL(url));
  else {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`downloading ${url} failed: HTTP ${response.status}`);
    content = Buffer.from(await response.arrayBuffer());
  }
  if (sha256(content) !== expected) throw new Error(`${url} does not match its SHA-256 ${expected}`);
  writeFileSync(`${cached}.partial`, content);
  renameSync(`${cached}.partial`, cached);
  return cached;
}

/**
 * What MWAA's install of requirements.txt amounts to: offline (`--no-index`), from the wheels in `wheelsDir`
 * only, under the constraints, over the image's distributions. Returns what pip would install; throws if it cannot.
 */
export function offlineInstall(
  wheelsDir: string,
  imageSite: string,
  reportFile: string,
  v: MwaaVersions = PINNED,
): Distribution[] {
  pip(
    [
      "install",
      "--quiet",
      "--dry-run",
      "--report",
      reportFile,
      "--no-index",
      "--find-links",
      wheelsDir,
      ...targetArgs(v),
      "--constraint",
      path.join(ROOT, "dags", constraintsFileName(v)),
      `${PROVIDER}==${v.provider}`,
    ],
    { PYTHONPATH: imageSite },
  );
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as { install: PipReportItem[] };
  return report.install.map((item) => item.metadata);
}

export interface BuildResult {
  dir: string;
  manifest: PluginsManifest;
  /** Whether this run built anything (false: the cached build matched its inputs). */
  built: boolean;
}

export async function buildMwaaPlugins(
  dir: string = mwaaPluginsDir(),
  v: MwaaVersions = PINNED,
): Promise<BuildResult> {
  const inputsDigest = committedInputsDigest(v);
  const manifestFile = path.join(dir, "manifest.json");
  if (existsSync(manifestFile) && existsSync(path.join(dir, PLUGINS_OBJECT_KEY))) {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as PluginsManifest;
    if (manifest.inputsDigest === inputsDigest) return { dir, manifest, built: false };
  }
  if (!existsSync(BUILD_PYTHON)) {
    throw new Error(`${BUILD_PYTHON} is missing: run \`bash tools/ensure.sh mwaa-build\` first`);
  }
  const constraintsFile = path.join(ROOT, "dags", constraintsFileName(v));
  const constraints = parsePins(committedFile(constraintsFileName(v)));
  const installed = parsePins(committedFile(imagePackagesFileName(v)));
  const work = path.join(dir, "work");
  const imageSite = path.join(work, "image-site");
  const localWheels = path.join(work, "local-wheels");
  const wheelCache = path.join(dir, "wheel-cache");
  mkdirSync(wheelCache, { recursive: true });
  writeImageSite(imageSite, installed);
  buildPureSdists(localWheels, constraints);

  const requirement = `${PROVIDER}==${v.provider}`;
  const reportFile = path.join(work, "report.json");
  const asOnMwaa = { PYTHONPATH: imageSite };
  pip(
    [
      "install",
      "--quiet",
      "--dry-run",
      "--report",
      reportFile,
      "--find-links",
      localWheels,
      ...targetArgs(v),
      "--constraint",
      constraintsFile,
      requirement,
    ],
    asOnMwaa,
  );
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as { install: PipReportItem[] };
  const resolved: Distribution[] = report.install.map((item) => item.metadata);
  const ship = new Set(distributionsToShip(resolved, installed).map((dist) => normalizeName(dist.name)));
  const wheelFiles: string[] = [];
  for (const item of report.install) {
    if (ship.has(normalizeName(item.metadata.name))) wheelFiles.push(await fetchWheel(item, wheelCache));
  }

  const shipped = path.join(work, "plugins");
  rmSync(shipped, { recursive: true, force: true });
  mkdirSync(shipped, { recursive: true });
  for (const file of wheelFiles) writeFileSync(path.join(shipped, path.basename(file)), readFileSync(file));
  offlineInstall(shipped, imageSite, path.join(work, "offline.json"), v);

  const wheels = wheelFiles.map((file) => path.basename(file)).sort();
  const zip = zipArchive(
    wheels.map((name) => ({ name, content: readFileSync(path.join(shipped, name)) })),
    1,
  );
  const manifest: PluginsManifest = { ...v, wheels, inputsDigest };
  writeFileSync(path.join(dir, PLUGINS_OBJECT_KEY), zip);
  writeFileSync(path.join(dir, REQUIREMENTS_OBJECT_KEY), mwaaRequirementsText(v));
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
  rmSync(work, { recursive: true, force: true });
  return { dir, manifest, built: true };
}

if (require.main === module) {
  buildMwaaPlugins().then(
    ({ dir, manifest, built }) => {
      const size = readFileSync(path.join(dir, PLUGINS_OBJECT_KEY)).length;
      console.log(
        `${built ? "built" : "up to date:"} ${path.join(dir, PLUGINS_OBJECT_KEY)} (${manifest.wheels.length} wheels, ${(size / 1e6).toFixed(1)} MB) and ${REQUIREMENTS_OBJECT_KEY}`,
      );
    },
    (error: Error) => {
      console.error(`build:mwaa-plugins: ${error.message}`);
      process.exit(1);
    },
  );
}
