// Where local mode keeps its state, below one state directory (default `.local/` in the repository).
import path from "node:path";
import { DEFAULT_STATE_DIR, STATE_FILES } from "../cli/local-state";

export { DEFAULT_STATE_DIR };
export const REPO_ROOT = path.resolve(__dirname, "..");
/** The local S3 server's bucket the sink writes the topics to (the cloud's data bucket). */
export const DATA_BUCKET = "local-data";

export interface Layout {
  stateDir: string;
  /** Everything a run writes and the next run starts without. */
  runDirs: string[];
  logsDir: string;
  dataDir: string;
  /** The local S3 server's storage: bucket B's objects are the files below <s3Dir>/B. */
  s3Dir: string;
  /** The Databricks mount's stand-in, the data bucket's directory: the sink writes topics/{topic}/partition={n}/ here. */
  mountDir: string;
  /** Batch job output: silver tables, quarantine and the nine gold tables. */
  batchDir: string;
  /** The batch job's checkpoint: which sink objects it has cleaned, so a later run cleans only new ones. */
  batchCheckpointDir: string;
  /** Stream job output and its checkpoints. */
  streamDir: string;
  checkpointDir: string;
  outputsFile: string;
  /** Written while a stack started with --keep runs; read by `down`. */
  stackFile: string;
  summaryFile: string;
}

export function layoutOf(stateDir: string): Layout {
  const dir = path.resolve(stateDir);
  const at = (...parts: string[]): string => path.join(dir, ...parts);
  const layout = {
    stateDir: dir,
    logsDir: at("logs"),
    dataDir: at("data"),
    s3Dir: at("s3"),
    mountDir: at("s3", DATA_BUCKET),
    batchDir: at("lake", "batch"),
    batchCheckpointDir: at("lake", "batch-checkpoint"),
    streamDir: at("lake", "stream"),
    checkpointDir: at("lake", "checkpoints"),
    outputsFile: at(STATE_FILES.outputs),
    stackFile: at(STATE_FILES.stack),
    summaryFile: at(STATE_FILES.summary),
  };
  return {
    ...layout,
    runDirs: [layout.logsDir, layout.dataDir, layout.s3Dir, at("lake"), at("jobs"), at("emulator")],
  };
}
