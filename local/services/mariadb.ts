// Starts a private MariaDB server (the local stand-in of RDS MySQL) on 127.0.0.1.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { RuntimeFailure } from "../../cli/errors";
import { ensurePortFree, waitUntil } from "./net";
import { startServiceProcess } from "./process";

export const DATABASE = "pinterest";
const USER = "pinterest";
const START_TIMEOUT_MS = 60_000;
// Unix socket paths are limited to 107 bytes.
const MAX_SOCKET_PATH = 107;

export interface MariaDb {
  /** mysql://user:password@127.0.0.1:port/pinterest */
  url: string;
  stop(): Promise<void>;
}

function findBinary(name: string): string {
  const found = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
    .map((dir) => path.join(dir, name))
    .find((candidate) => fs.existsSync(candidate));
  if (!found) throw new RuntimeFailure(`${name} is not installed; run: bash tools/ensure.sh mariadb`);
  return found;
}

const runningAsRoot = (): boolean => process.getuid?.() === 0;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// A second server on the same data dir would wait on InnoDB's lock while our probe reached the first one.
function ensureNotRunning(dataDir: string, pidFile: string): void {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new RuntimeFailure(
      `MariaDB: a server (pid ${pid}) already runs on data dir ${dataDir}; stop it or use another data dir`,
    );
  }
}

async function initialiseDataDir(dataDir: string, logFile: string): Promise<void> {
  if (fs.existsSync(path.join(dataDir, "mysql"))) return;
  const args = [
    "--no-defaults",
    `--datadir=${dataDir}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    "--skip-name-resolve",
    ...(runningAsRoot() ? ["--user=root"] : []),
  ];
  try {
    const { stdout, stderr } = await promisify(execFile)(findBinary("mariadb-install-db"), args, {
      maxBuffer: 16 * 1024 * 1024,
    });
    fs.appendFileSync(logFile, stdout + stderr);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    fs.appendFileSync(logFile, `${failed.stdout ?? ""}${failed.stderr ?? ""}${failed.message}\n`);
    throw new RuntimeFailure(`MariaDB: initialising ${dataDir} failed; see ${logFile}`);
  }
}

/** Where the root password lives: beside the data it guards, readable by its owner only. */
export const rootPasswordFile = (dataDir: string): string => path.join(dataDir, "root-password");

/**
 * The data dir's root password: read from its file, or generated (and written owner-only) the first time. It
 * only ever travels in the client's handshake over the Unix socket: never on a command line, never in a log.
 */
function rootPassword(dataDir: string): string {
  const file = rootPasswordFile(dataDir);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const password = randomBytes(24).toString("hex");
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600, flag: "wx" });
  return password;
}

function connectAsRoot(socketPath: string, password: string): Promise<mysql.Connection> {
  return mysql.createConnection({ socketPath, user: "root", password });
}

/**
 * Root with its password, or, on a data dir whose root has none yet (just initialised, or from before root had
 * one), without; that one gets the password here.
 */
async function rootConnection(socketPath: string, password: string): Promise<mysql.Connection> {
  try {
    return await connectAsRoot(socketPath, password);
  } catch (error) {
    if ((error as { code?: string }).code !== "ER_ACCESS_DENIED_ERROR") throw error;
  }
  const root = await connectAsRoot(socketPath, "");
  await lockDownRoot(root, password);
  return root;
}

/**
 * mariadb-install-db with normal root authentication leaves root without a password, at localhost and also
 * over TCP at 127.0.0.1 and ::1 (MariaDB/server scripts/mysql_system_tables_data.sql), and anonymous users
 * may exist: root keeps the socket account only, with the password; every other root and anonymous account goes.
 */
async function lockDownRoot(root: mysql.Connection, password: string): Promise<void> {
  const [accounts] = await root.query<mysql.RowDataPacket[]>(
    "SELECT User AS user, Host AS host FROM mysql.global_priv WHERE (User = 'root' AND Host <> 'localhost') OR User = ''",
  );
  for (const account of accounts) await root.query("DROP USER ?@?", [account.user, account.host]);
  await root.query("ALTER USER 'root'@'localhost' IDENTIFIED BY ?", [password]);
}

/**
 * Initialises `dataDir` when it is empty, starts mariadbd on 127.0.0.1:port, gives root a password kept in
 * `root-password` of the data dir (0600), and creates the `pinterest` database and a loopback TCP user with a
 * fresh random password (set again on every start).
 */
export async function startMariaDb(opts: {
  dataDir: string;
  port: number;
  logFile: string;
}): Promise<MariaDb> {
  const dataDir = path.resolve(opts.dataDir);
  const socketPath = path.join(dataDir, "mariadb.sock");
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new RuntimeFailure(
      `MariaDB: data dir ${dataDir} is too long for a Unix socket path; choose a shorter one`,
    );
  }
  const pidFile = path.join(dataDir, "mariadb.pid");
  const mariadbd = findBinary("mariadbd");
  ensureNotRunning(dataDir, pidFile);
  await ensurePortFree(opts.port, "MariaDB");
  fs.mkdirSync(dataDir, { recursive: true });
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  await initialiseDataDir(dataDir, opts.logFile);
  const rootSecret = rootPassword(dataDir);

  const server = startServiceProcess({
    command: mariadbd,
    args: [
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--port=${opts.port}`,
      "--bind-address=127.0.0.1",
      `--socket=${socketPath}`,
      `--pid-file=${pidFile}`,
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=128M",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      ...(runningAsRoot() ? ["--user=root"] : []),
    ],
    logFile: opts.logFile,
  });

  try {
    await waitUntil(
      async () => {
        try {
          const root = await rootConnection(socketPath, rootSecret);
          const [rows] = await root.query<mysql.RowDataPacket[]>("SELECT @@port AS port");
          await root.end();
          return rows[0]?.port === opts.port;
        } catch {
          return false;
        }
      },
      {
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 250,
        abort: server.exitReason,
        describe: () => `MariaDB on port ${opts.port} did not start; see ${opts.logFile}`,
      },
    );
    const password = randomBytes(12).toString("hex");
    const root = await connectAsRoot(socketPath, rootSecret);
    try {
      await root.query(
        `CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
      // Loopback only (the server listens there alone, and names are not resolved): no '%' account.
      await root.query(`DROP USER IF EXISTS '${USER}'@'%'`);
      await root.query(`CREATE USER IF NOT EXISTS '${USER}'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
      await root.query(`ALTER USER '${USER}'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
      await root.query(`GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${USER}'@'127.0.0.1'`);
    } finally {
      await root.end();
    }
    return {
      url: `mysql://${USER}:${password}@127.0.0.1:${opts.port}/${DATABASE}`,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
