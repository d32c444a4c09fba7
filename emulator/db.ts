// The source database: schema, seeding, and reading posts back joined by key.
import mysql from "mysql2/promise";
import {
  SOURCE,
  SOURCE_COLUMNS,
  SOURCE_KEYS,
  SOURCE_TABLES,
  TABLES,
  type PerTable,
  type Table,
} from "../contract";
import type { Post } from "./rows";
import { RuntimeFailure, UsageError } from "../cli/errors";

const SQL_TYPES: Record<string, string> = {
  int: "INT",
  uuid: "CHAR(36)",
  text: "TEXT",
  double: "DOUBLE",
  datetime: "DATETIME",
};

const quote = (name: string): string => `\`${name}\``;

/** `CREATE TABLE IF NOT EXISTS` of one source table, from its columns in the contract. */
export function createTableSql(table: Table): string {
  const { table: name, key, columns } = SOURCE[table];
  const definitions = columns.map((column) => {
    const type = SQL_TYPES[column.type];
    if (!type) throw new Error(`contract column ${name}.${column.name} has unknown type ${column.type}`);
    return `${quote(column.name)} ${type}${column.name === key ? " NOT NULL PRIMARY KEY" : ""}`;
  });
  return `CREATE TABLE IF NOT EXISTS ${quote(name)} (${definitions.join(", ")}) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
}

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

/** Opens the database named by a mysql:// URL; connection problems become one-line RuntimeFailures. */
export async function connect(url: string): Promise<mysql.Connection> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--db is not a URL: expected mysql://user:password@host:port/database`);
  }
  if (parsed.protocol !== "mysql:" || parsed.pathname.length <= 1) {
    throw new UsageError(`--db must look like mysql://user:password@host:port/database`);
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
    throw new RuntimeFailure(describeConnectionError(error, where));
  }
}

function rowValues(post: Post, table: Table): unknown[] {
  const row = post[table] as unknown as Record<string, unknown>;
  return SOURCE_COLUMNS[table].map((column) => row[column]);
}

/**
 * Creates the three tables if missing and replaces their content with `posts`, in one transaction:
 * seeding twice leaves exactly one copy of each row, and a failed seed leaves the old content.
 * Posts are inserted in chunks as they come, so any number of them fits in memory.
 */
export async function seed(connection: mysql.Connection, posts: Iterable<Post>): Promise<number> {
  for (const table of TABLES) await connection.query(createTableSql(table));
  const insert = async (chunk: readonly Post[]) => {
    for (const table of TABLES) {
      const columns = SOURCE_COLUMNS[table].map(quote).join(", ");
      const values = chunk.map((post) => rowValues(post, table));
      await connection.query(`INSERT INTO ${quote(SOURCE_TABLES[table])} (${columns}) VALUES ?`, [values]);
    }
  };
  let inserted = 0;
  await connection.beginTransaction();
  try {
    for (const table of TABLES) await connection.query(`DELETE FROM ${quote(SOURCE_TABLES[table])}`);
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

/** The keys of the posts present in all three tables, ascending. */
function postKeysSql(): string {
  const ref = (table: Table): string => `${quote(SOURCE_TABLES[table])}.${quote(SOURCE_KEYS[table])}`;
  const joins = TABLES.slice(1)
    .map((table) => `JOIN ${quote(SOURCE_TABLES[table])} ON ${ref(table)} = ${ref("pin")}`)
    .join(" ");
  return `SELECT ${ref("pin")} AS k FROM ${quote(SOURCE_TABLES.pin)} ${joins} ORDER BY ${ref("pin")}`;
}

/** The keys of posts present in all three tables, ascending. Missing tables are a RuntimeFailure. */
export async function postKeys(connection: mysql.Connection): Promise<number[]> {
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(postKeysSql());
    return rows.map((row) => Number(row.k));
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === "ER_NO_SUCH_TABLE") {
      throw new RuntimeFailure(
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
    const key = quote(SOURCE_KEYS[table]);
    const columns = SOURCE_COLUMNS[table].map(quote).join(", ");
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT ${columns} FROM ${quote(SOURCE_TABLES[table])} WHERE ${key} IN (?)`,
      [unique],
    );
    byTable[table] = new Map(rows.map((row) => [Number(row[SOURCE_KEYS[table]]), row]));
  }
  return keys.flatMap((key) => {
    const [pin, geo, user] = TABLES.map((table) => byTable[table].get(key));
    return pin && geo && user ? [{ pin, geo, user } as unknown as Post] : [];
  });
}
