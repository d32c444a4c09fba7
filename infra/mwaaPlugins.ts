// MWAA's Python requirements as wheels in plugins.zip, installed offline: the MWAA user guide ("Managing Python
// dependencies in requirements.txt", option two: Python wheels in plugins.zip) recommends it for a private web
// server, which cannot reach PyPI. `npm run build:mwaa-plugins` (infra/buildMwaaPlugins.ts) builds the wheel set
// into .cache/mwaa-plugins; the program uploads it and refuses to deploy without it. This module holds the pure
// parts (file names, keys, the requirements text, which distributions to ship) and the loader the program uses.
import { createHash } from "crypto";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import versions from "../versions.json";

const DAGS_DIR = path.join(__dirname, "..", "dags");

/** Where MWAA unpacks plugins.zip and syncs the bucket's dags/ folder (MWAA user guide, "Installing custom plugins"). */
export const MWAA_PLUGINS_PATH = "/usr/local/airflow/plugins";
export const MWAA_DAGS_PATH = "/usr/local/airflow/dags";

export const PLUGINS_OBJECT_KEY = "plugins.zip";
export const REQUIREMENTS_OBJECT_KEY = "requirements.txt";

export const PROVIDER = "apache-airflow-providers-databricks";

/**
 * The manylinux platforms MWAA's image runs (Amazon Linux 2023, glibc 2.34, x86_64; its system bill of
 * materials): every manylinux_2_N up to 2.34 and the legacy aliases, since pip matches each `--platform` exactly.
 */
export const MWAA_GLIBC_MINOR = 34;
export function manylinuxPlatforms(glibcMinor: number = MWAA_GLIBC_MINOR): string[] {
  const perpetual = [];
  for (let minor = glibcMinor; minor >= 17; minor--) perpetual.push(`manylinux_2_${minor}_x86_64`);
  return [...perpetual, "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"];
}

export interface MwaaVersions {
  airflow: string;
  python: string;
  provider: string;
}

export const PINNED: MwaaVersions = {
  airflow: versions.mwaaAirflow,
  python: versions.mwaaPython,
  provider: versions.airflowProvidersDatabricks,
};

/** The committed Airflow constraints for that Airflow and Python (dags/), and its key in the DAG bucket. */
export function constraintsFileName(v: MwaaVersions): string {
  return `constraints-${v.airflow}-${v.python}.txt`;
}
export function constraintsObjectKey(v: MwaaVersions): string {
  return `dags/${constraintsFileName(v)}`;
}
/** The distributions MWAA's image already has (dags/, from its bill of materials). */
export function imagePackagesFileName(v: MwaaVersions): string {
  return `mwaa-image-packages-${v.airflow}.txt`;
}

/**
 * The requirements.txt MWAA installs: offline from the unpacked plugins.zip, under the constraints file the
 * DAG bucket holds (a local path: the private web server cannot fetch the GitHub URL either).
 */
export function mwaaRequirementsText(v: MwaaVersions): string {
  return [
    "--no-index",
    `--find-links ${MWAA_PLUGINS_PATH}`,
    `--constraint "${MWAA_DAGS_PATH}/${constraintsFileName(v)}"`,
    `${PROVIDER}==${v.provider}`,
    "",
  ].join("\n");
}

/** PEP 503 name normalization: `Flask_SQLAlchemy` and `flask-sqlalchemy` are one distribution. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** `name==version` lines (comments and blank lines skipped), by normalized name. */
export function parsePins(text: string): Map<string, string> {
  const pins = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("-")) continue;
    const match = /^([A-Za-z0-9._-]+)==([^\s;]+)$/.exec(line);
    if (!match) throw new Error(`not a name==version pin: ${JSON.stringify(line)}`);
    pins.set(normalizeName(match[1]), match[2]);
  }
  return pins;
}

export interface Distribution {
  name: string;
  version: string;
}

/**
 * What plugins.zip must hold: each resolved distribution the image does not already have at that version.
 * MWAA's pip keeps an installed distribution that satisfies the pin, so those need no wheel.
 */
export function distributionsToShip(
  resolved: Distribution[],
  installed: Map<string, string>,
): Distribution[] {
  return resolved
    .filter((dist) => installed.get(normalizeName(dist.name)) !== dist.version)
    .sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name)));
}

/** Name and version of a wheel file (PEP 427: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`). */
export function parseWheelFileName(fileName: string): Distribution {
  const parts = fileName.replace(/\.whl$/, "").split("-");
  if (!fileName.endsWith(".whl") || parts.length < 5 || parts.length > 6) {
    throw new Error(`${fileName} is not a wheel file name`);
  }
  return { name: parts[0], version: parts[1] };
}

export interface PluginsManifest extends MwaaVersions {
  /** The wheel files in plugins.zip, sorted. */
  wheels: string[];
  /** SHA-256 of the inputs the build read (versions, constraints, image packages), to tell a stale build. */
  inputsDigest: string;
}

/** SHA-256 of what a build depends on: the versions, the committed constraints and the image's packages. */
export function pluginsInputsDigest(v: MwaaVersions, constraints: string, imagePackages: string): string {
  return createHash("sha256")
    .update(JSON.stringify([v.airflow, v.python, v.provider, constraints, imagePackages]))
    .digest("hex");
}

export function committedInputsDigest(v: MwaaVersions = PINNED): string {
  return pluginsInputsDigest(
    v,
    committedFile(constraintsFileName(v)),
    committedFile(imagePackagesFileName(v)),
  );
}

export interface MwaaPlugins {
  zipFile: string;
  requirements: string;
  manifest: PluginsManifest;
}

/** Where `npm run build:mwaa-plugins` writes; PINPIPE_MWAA_PLUGINS_DIR moves it (the tests point it elsewhere). */
export function mwaaPluginsDir(): string {
  return process.env.PINPIPE_MWAA_PLUGINS_DIR ?? path.join(__dirname, "..", ".cache", "mwaa-plugins");
}

export function committedFile(name: string): string {
  return readFileSync(path.join(DAGS_DIR, name), "utf8");
}

/** The built plugins.zip and requirements.txt, or a one-line error that says how to build them. */
export function loadMwaaPlugins(dir: string = mwaaPluginsDir(), pinned: MwaaVersions = PINNED): MwaaPlugins {
  const build = "run `npm run build:mwaa-plugins` before `pulumi up`";
  const manifestFile = path.join(dir, "manifest.json");
  const zipFile = path.join(dir, PLUGINS_OBJECT_KEY);
  if (!existsSync(manifestFile) || !existsSync(zipFile)) {
    throw new Error(
      `MWAA plugins.zip (the Databricks provider as wheels for the private web server) is not built in ${dir}: ${build}`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as PluginsManifest;
  const built = `Airflow ${manifest.airflow}, Python ${manifest.python}, provider ${manifest.provider}`;
  const wanted = `Airflow ${pinned.airflow}, Python ${pinned.python}, provider ${pinned.provider}`;
  if (built !== wanted) {
    throw new Error(
      `MWAA plugins.zip in ${dir} was built for ${built}, versions.json pins ${wanted}: ${build}`,
    );
  }
  if (manifest.inputsDigest !== committedInputsDigest(pinned)) {
    throw new Error(
      `MWAA plugins.zip in ${dir} was built from other constraints or image packages than dags/ holds now: ${build}`,
    );
  }
  const providerWheel = manifest.wheels.some(
    (wheel) =>
      normalizeName(parseWheelFileName(wheel).name) === PROVIDER &&
      parseWheelFileName(wheel).version === pinned.provider,
  );
  if (!providerWheel)
    throw new Error(`MWAA plugins.zip in ${dir} has no ${PROVIDER} ${pinned.provider} wheel: ${build}`);
  return { zipFile, requirements: mwaaRequirementsText(pinned), manifest };
}
