// The PySpark jobs as a Python wheel, built here from jobs/ (the package, its package data and the console
// scripts of jobs/pyproject.toml), so that a deploy needs neither a Python build toolchain nor a download.
// The wheel is byte-for-byte reproducible: the same sources give the same file, so an unchanged package
// changes nothing on `pulumi up`. It declares no dependencies: the Databricks Runtime provides Spark, Delta,
// pyarrow, pandas and boto3, and installing pyspark from PyPI over the runtime's would break the cluster.
import { createHash } from "crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { crc32, deflateRawSync } from "zlib";

export const JOBS_DIR = path.join(__dirname, "..", "jobs");

export interface JobProject {
  /** Distribution name, e.g. `pinterest-jobs`. */
  name: string;
  version: string;
  summary: string;
  requiresPython: string;
  /** `[project.scripts]`: console script name -> `module:function`. */
  scripts: Record<string, string>;
  /** `[tool.setuptools.package-data]`: package -> file names shipped beside its modules. */
  packageData: Record<string, string[]>;
  /** Directory the packages are found in (`[tool.setuptools.packages.find] where`). */
  sourceDir: string;
}

const unquote = (text: string): string => JSON.parse(text.trim()) as string;

/**
 * The fields of pyproject.toml the wheel needs. A reader for this file's shapes only (basic strings, inline
 * string arrays); the test holds it to Python's tomllib on the real file.
 */
export function readJobProject(pyproject: string): JobProject {
  const tables: Record<string, Record<string, string>> = {};
  let table = "";
  for (const raw of pyproject.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = header[1].trim();
      continue;
    }
    const pair = /^("[^"]+"|[A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (pair) (tables[table] ??= {})[pair[1].replace(/^"|"$/g, "")] = pair[2].trim();
  }
  const project = tables.project ?? {};
  const need = (key: string): string => {
    if (project[key] === undefined) throw new Error(`jobs/pyproject.toml has no [project] ${key}`);
    return unquote(project[key]);
  };
  const stringArray = (text: string): string[] => JSON.parse(text) as string[];
  const where = tables["tool.setuptools.packages.find"]?.where;
  return {
    name: need("name"),
    version: need("version"),
    summary: need("description"),
    requiresPython: need("requires-python"),
    scripts: Object.fromEntries(
      Object.entries(tables["project.scripts"] ?? {}).map(([key, target]) => [key, unquote(target)]),
    ),
    packageData: Object.fromEntries(
      Object.entries(tables["tool.setuptools.package-data"] ?? {}).map(([key, files]) => [
        key,
        stringArray(files),
      ]),
    ),
    sourceDir: where ? stringArray(where)[0] : ".",
  };
}

export interface WheelFile {
  /** Path inside the wheel, with `/`. */
  name: string;
  content: Buffer;
}

/** Every module of every package below the source directory (a folder with `__init__.py`), and the package data. */
export function packageFiles(jobsDir: string, project: JobProject): WheelFile[] {
  const root = path.join(jobsDir, project.sourceDir);
  const files: WheelFile[] = [];
  const walk = (dir: string, prefix: string): void => {
    const entries = readdirSync(dir).sort();
    if (!entries.includes("__init__.py")) return;
    const packageName = prefix.replace(/\//g, ".");
    const data = project.packageData[packageName] ?? [];
    for (const entry of entries) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full, `${prefix}/${entry}`);
      else if (entry.endsWith(".py") || data.includes(entry))
        files.push({ name: `${prefix}/${entry}`, content: readFileSync(full) });
    }
    for (const name of data) {
      // `folder/*.ext`, as setuptools' package-data globs it: every such file of a folder (a link is followed).
      const glob = /^([\w.-]+)\/\*(\.[\w]+)$/.exec(name);
      if (glob) {
        const folder = path.join(dir, glob[1]);
        const matches = existsSync(folder)
          ? readdirSync(folder)
              .filter((f) => f.endsWith(glob[2]))
              .sort()
          : [];
        if (matches.length === 0)
          throw new Error(`package data ${prefix}/${name} of jobs/pyproject.toml matches no file`);
        for (const file of matches)
          files.push({
            name: `${prefix}/${glob[1]}/${file}`,
            content: readFileSync(path.join(folder, file)),
          });
      } else if (!entries.includes(name))
        throw new Error(`package data ${prefix}/${name} of jobs/pyproject.toml is missing`);
    }
  };
  for (const entry of readdirSync(root).sort()) {
    if (statSync(path.join(root, entry)).isDirectory()) walk(path.join(root, entry), entry);
  }
  if (files.length === 0) throw new Error(`no Python package (a folder with __init__.py) below ${root}`);
  return files;
}

/** The wheel's file name (PEP 427): the distribution name normalized, pure Python, any platform. */
export function wheelFileName(project: JobProject): string {
  return `${project.name.replace(/[-_.]+/g, "_").toLowerCase()}-${project.version}-py3-none-any.whl`;
}

const recordHash = (content: Buffer) => `sha256=${createHash("sha256").update(content).digest("base64url")}`;

/** The package files plus the `.dist-info` metadata a wheel carries (PEP 427, core metadata 2.1). */
export function wheelEntries(project: JobProject, files: WheelFile[]): WheelFile[] {
  const distInfo = `${wheelFileName(project).split("-").slice(0, 2).join("-")}.dist-info`;
  const text = (name: string, lines: string[]): WheelFile => ({
    name: `${distInfo}/${name}`,
    content: Buffer.from(lines.join("\n") + "\n"),
  });
  const metadata = text("METADATA", [
    "Metadata-Version: 2.1",
    `Name: ${project.name}`,
    `Version: ${project.version}`,
    `Summary: ${project.summary}`,
    `Requires-Python: ${project.requiresPython}`,
  ]);
  const wheel = text("WHEEL", [
    "Wheel-Version: 1.0",
    "Generator: pinterest-pipeline infra/jobPackage.ts",
    "Root-Is-Purelib: true",
    "Tag: py3-none-any",
  ]);
  const entryPoints = text("entry_points.txt", [
    "[console_scripts]",
    ...Object.entries(project.scripts).map(([script, target]) => `${script} = ${target}`),
  ]);
  const listed = [...files, metadata, wheel, entryPoints];
  const record = text("RECORD", [
    ...listed.map((file) => `${file.name},${recordHash(file.content)},${file.content.length}`),
    `${distInfo}/RECORD,,`,
  ]);
  return [...listed, record];
}

// DOS date and time of every entry: 1980-01-01 00:00, the earliest a zip can hold, so builds are reproducible.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/** A zip archive (deflate at `level`, no timestamps that vary) of the entries, in their order. */
export function zipArchive(entries: WheelFile[], level = 9): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const compressed = deflateRawSync(entry.content, { level });
    const crc = crc32(entry.content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export interface JobWheel {
  project: JobProject;
  fileName: string;
  content: Buffer;
  /** First 12 hex digits of the wheel's SHA-256: its folder on Databricks, so a new build is a new path. */
  digest: string;
}

/** Builds the jobs wheel from the jobs/ folder as it is on disk now. */
export function buildJobWheel(jobsDir: string = JOBS_DIR): JobWheel {
  const project = readJobProject(readFileSync(path.join(jobsDir, "pyproject.toml"), "utf8"));
  if (Object.keys(project.scripts).length === 0) {
    throw new Error(
      "jobs/pyproject.toml has no [project.scripts]: the Databricks tasks run those entry points",
    );
  }
  const content = zipArchive(wheelEntries(project, packageFiles(jobsDir, project)));
  return {
    project,
    fileName: wheelFileName(project),
    content,
    digest: createHash("sha256").update(content).digest("hex").slice(0, 12),
  };
}

/** `pin=a,geo=b,user=c`, the form of the jobs' --topics and --streams options. */
export function perTableOption(names: Record<string, string>): string {
  return Object.entries(names)
    .map(([table, name]) => `${table}=${name}`)
    .join(",");
}
