// Artifacts the program itself downloads at deploy time (the S3 sink connector archive): a pinned URL and a
// SHA-256 the download must match before anything is uploaded. Kept in a cache keyed by that checksum.
import { createHash } from "crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "fs";
import * as path from "path";

export interface PinnedArtifact {
  url: string;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
  /** The config key that holds the checksum, for the error message. */
  checksumKey: string;
}

/** Where verified downloads are kept; PINPIPE_ARTIFACT_CACHE moves it (the tests point it at a temporary folder). */
export function artifactCacheDir(): string {
  return process.env.PINPIPE_ARTIFACT_CACHE ?? path.join(__dirname, "..", ".cache", "artifacts");
}

export function sha256Hex(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The file name an artifact keeps in the cache and in the bucket: the last segment of its URL. */
export function artifactFileName(url: string): string {
  const name = new URL(url).pathname.split("/").pop();
  if (!name) throw new Error(`artifact URL ${url} does not end with a file name`);
  return name;
}

/** Refuses content whose checksum is not the pinned one, in one line that says how to check it. */
export function verifyArtifact(artifact: PinnedArtifact, content: Buffer): void {
  const actual = sha256Hex(content);
  if (actual !== artifact.sha256) {
    throw new Error(
      `${artifact.url} has SHA-256 ${actual}, not ${artifact.sha256} (config ${artifact.checksumKey}): check that the URL is the release you meant, compute its checksum with \`curl -fsSL ${artifact.url} | sha256sum\` and set ${artifact.checksumKey} to it`,
    );
  }
}

/** The verified file's local path: from the cache when it is there and matches, else downloaded and checked. */
export async function fetchVerified(
  artifact: PinnedArtifact,
  download: (url: string) => Promise<Buffer> = httpsGet,
  cacheDir: string = artifactCacheDir(),
): Promise<string> {
  const dir = path.join(cacheDir, artifact.sha256);
  const file = path.join(dir, artifactFileName(artifact.url));
  if (existsSync(file)) {
    verifyArtifact(artifact, readFileSync(file));
    return file;
  }
  const content = await download(artifact.url);
  verifyArtifact(artifact, content);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.partial`, content);
  renameSync(`${file}.partial`, file);
  return file;
}

async function httpsGet(url: string): Promise<Buffer> {
  const response = await fetch(url, { redirect: "follow" });
  if (!response.ok) throw new Error(`downloading ${url} failed: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
