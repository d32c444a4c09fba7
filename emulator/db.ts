// The source database: schema, seeding, and reading posts back joined by key.
import mysql from "mysql2/promise";
import { TABLES, type PerTable, type Table } from "../infra/names";
import { COLUMNS, SOURCE_TABLES, type Post } from "./rows";
import { UserError } from "./errors";

const SCHEMA: PerTable<string> = {
  pin: `CREATE TABLE IF NOT EXISTS pinterest_data (
    \`index\` INT NOT NULL PRIMARY KEY,
    unique_id CHAR(36) NOT NULL,
    title TEXT, description TEXT, poster_name TEXT, follower_count TEXT, tag_list TEXT,
    is_image_or_video TEXT, image_src TEXT, downloaded INT, save_location TEXT, category TEXT
  ) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  geo: `CREATE TABLE IF NOT EXISTS geolocation_data (
    ind INT NOT NULL PRIMARY KEY,
    timestamp DATETIME, latitude DOUBLE, longitude DOUBLE, country TEXT
  ) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  user: `CREATE TABLE IF NOT EXISTS user_data (
    ind INT NOT NULL PRIMARY KEY,
    first_name TEXT, last_name TEXT, age INT, date_joined DATETIME
  ) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
};

const INSERT_CHUNK = 1000;

function describeConnectionError(error: unknown, where: string): string {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case "ECONNREFUSED":
      return `cannot reach the database at ${where} (connection refused); is it running? check --db`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve the database host of ${where}; check --db`;
    case "ETIMEDOUT":
      return `timed out connecting to the database at ${where}; check --db and the network`;
    case "ER_ACCESS_DENIED_ERROR":
      return `the database at ${where} refused the user name or password; check --db`;
    case "ER_BAD_DB_ERROR":
      return `the database named in --db does not exist at ${where}: ${message}`;
    default:
      return `cannot connect to the database at ${where}: ${message ?? String(error)}`;
  }
}

/** Opens the database named by a mysql:// URL; connection problems become one-line UserErrors. */
export async function connect(url: string): Promise<mysql.Connection> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`--db is not a URL: expected mysql://user:password@host:port/database`);
  }
  if (parsed.protocol !== "mysql:" || parsed.pathname.length <= 1) {
    throw new UserError(`--db must look like mysql://user:password@host:port/database`);
  }
  const where = `${parsed.hostname}:${parsed.port || 3306}${parsed.pathname}`;
  try {
    return await mysql.createConnection({
      host: parsed.hostname,
      port: Number(parsed.port || 3306),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: decodeURIComponent(parsed.pathname.slice(1)),
      charset: "utf8mb4",
      dateStrings: true,
      connectTimeout: 10_000,
      timezone: "Z",
    });
  } catch (error) {
    throw new UserError(describeConnectionError(error, where));
  }
}

const quote = (name: string): string => `\`${name}\``;

function rowValues(post: Post, table: Table): unknown[] {
  const row = post[table] as unknown as Record<string, unknown>;
  return COLUMNS[table].map((column) => row[column]);
}

/**
 * Creates the three tables if missing and replaces their content with `posts`, in one transaction:
 * seeding twice leaves exactly one copy of each row, and a failed seed leaves the old content.
 * Posts are inserted in chunks as they come, so any number of them fits in memory.
 */
export async function seed(connection: mysql.Connection, posts: Iterable<Post>): Promise<number> {
  for (const table of TABLES) await connection.query(SCHEMA[table]);
  const insert = async (chunk: readonly Post[]) => {
    for (const table of TABLES) {
      const columns = COLUMNS[table].map(quote).join(", ");
      const values = chunk.map((post) => rowValues(post, table));
      await connection.query(`INSERT INTO ${SOURCE_TABLES[table]} (${columns}) VALUES ?`, [values]);
    }
  };
  let inserted = 0;
  await connection.beginTransaction();
  try {
    for (const table of TABLES) await connection.query(`DELETE FROM ${SOURCE_TABLES[table]}`);
    let chunk: Post[] = [];
    for (const post of posts) {
      chunk.push(post);
      if (chunk.length === INSERT_CHUNK) {
        await insert(chunk);
        inserted += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) await insert(chunk);
    inserted += chunk.length;
    await connection.commit();
    return inserted;
  } catch (error) {
    await connection.rollback();
    throw error;
  }
}

/** The keys of posts present in all three tables, ascending. Missing tables are a UserError. */
export async function postKeys(connection: mysql.Connection): Promise<number[]> {
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT p.\`index\` AS k FROM pinterest_data p
       JOIN geolocation_data g ON g.ind = p.\`index\` JOIN user_data u ON u.ind = p.\`index\`
       ORDER BY p.\`index\``,
    );
    return rows.map((row) => Number(row.k));
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === "ER_NO_SUCH_TABLE") {
      throw new UserError(
        `the source tables are missing (${message}); create and fill them with: npm run emulator -- seed --db <url>`,
      );
    }
    throw error;
  }
}

/** The posts with the given keys (duplicates allowed), in the order of `keys`. */
export async function fetchPosts(connection: mysql.Connection, keys: readonly number[]): Promise<Post[]> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return [];
  const byTable = {} as PerTable<Map<number, Record<string, unknown>>>;
  for (const table of TABLES) {
    const key = table === "pin" ? "`index`" : "ind";
    const columns = COLUMNS[table].map(quote).join(", ");
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT ${columns} FROM ${SOURCE_TABLES[table]} WHERE ${key} IN (?)`,
      [unique],
    );
    byTable[table] = new Map(rows.map((row) => [Number(table === "pin" ? row.index : row.ind), row]));
  }
  return keys.flatMap((key) => {
    const [pin, geo, user] = TABLES.map((table) => byTable[table].get(key));
    return pin && geo && user ? [{ pin, geo, user } as unknown as Post] : [];
  });
}
