// Seeding a real MariaDB: idempotent, exact, and the rows read back equal the generated ones.
import { expect } from "chai";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { connect, fetchPosts, postKeys, seed } from "../../emulator/db";
import { generatePosts } from "../../emulator/generator";
import { startTestDatabase } from "./support/environment";

describe("emulator seeding (real MariaDB)", function () {
  this.timeout(120_000);
  let db: Awaited<ReturnType<typeof startTestDatabase>>;
  let connection: Connection;

  before(async () => {
    db = await startTestDatabase("db");
    connection = await connect(db.url);
  });
  after(async () => {
    await connection?.end();
    await db?.stop();
  });

  async function counts(): Promise<number[]> {
    const result: number[] = [];
    for (const table of ["pinterest_data", "geolocation_data", "user_data"]) {
      const [rows] = await connection.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
      result.push(Number(rows[0].n));
    }
    return result;
  }

  it("creates the three tables and stores every row exactly, text and datetimes included", async () => {
    const posts = generatePosts(2_000, "db");
    await seed(connection, posts);
    expect(await counts()).to.deep.equal([2_000, 2_000, 2_000]);
    const keys = await postKeys(connection);
    expect(keys).to.deep.equal([...Array(2_000).keys()]);
    expect(await fetchPosts(connection, keys)).to.deep.equal(posts);
  });

  it("does not duplicate rows when run again, and replaces them with a new size", async () => {
    const posts = generatePosts(1_500, "again");
    await seed(connection, posts);
    await seed(connection, posts);
    expect(await counts()).to.deep.equal([1_500, 1_500, 1_500]);
    expect(await fetchPosts(connection, [0, 1_499])).to.deep.equal([posts[0], posts[1_499]]);
  });

  it("the CLI seeds the default 11,000 posts, twice without duplicates", async () => {
    const { runCli } = await import("./support/environment");
    for (let run = 0; run < 2; run++) {
      const result = await runCli(["seed", "--db", db.url, "--json", "--seed", "3"]);
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.include({ posts: 11_000, rows: 33_000, seed: "3" });
    }
    expect(await counts()).to.deep.equal([11_000, 11_000, 11_000]);
    const [first] = await fetchPosts(connection, [10_999]);
    expect(first).to.deep.equal(generatePosts(11_000, "3")[10_999]);
  });

  it("fetches posts in the order asked, duplicates included", async () => {
    const posts = await fetchPosts(connection, [5, 3, 5]);
    expect(posts.map((post) => post.pin.index)).to.deep.equal([5, 3, 5]);
  });
});
