// The source database's rows as the end-to-end tests compare them with the jobs' output.
import mysql from "mysql2/promise";
import { SOURCE_TABLES } from "../../contract";
import type { SourceRows } from "./expected-gold";

export async function readSource(dbUrl: string): Promise<SourceRows> {
  const db = await mysql.createConnection({ uri: dbUrl, dateStrings: true });
  try {
    const rowsOf = async (table: string): Promise<Record<string, unknown>[]> =>
      (await db.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${table}\``))[0];
    return {
      pin: await rowsOf(SOURCE_TABLES.pin),
      geo: await rowsOf(SOURCE_TABLES.geo),
      user: await rowsOf(SOURCE_TABLES.user),
    };
  } finally {
    await db.end();
  }
}
