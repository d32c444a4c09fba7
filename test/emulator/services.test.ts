// The shared service launchers: clear messages for a busy port and a data dir already in use; nothing left running.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { expect } from "chai";
import mysql from "mysql2/promise";
import { startMariaDb } from "../../local/services/mariadb";
import { canConnect, freePort } from "../../local/services/net";
import { tempDir } from "./support/environment";

describe("local service launchers", function () {
  this.timeout(120_000);

  it("MariaDB refuses a busy port with one clear line", async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const dir = tempDir("busy");
      let caught: Error | undefined;
      await startMariaDb({ dataDir: path.join(dir, "db"), port, logFile: path.join(dir, "log") }).catch(
        (error: Error) => (caught = error),
      );
      expect(caught?.message).to.equal(
        `MariaDB: port ${port} on 127.0.0.1 is already in use; stop what uses it or choose another port`,
      );
      fs.rmSync(dir, { recursive: true, force: true });
    } finally {
      blocker.close();
    }
  });

  it("MariaDB restarts on its data dir, refuses a second server on it, and stops for good", async () => {
    const dir = tempDir("restart");
    const dataDir = path.join(dir, "db");
    const logFile = path.join(dir, "log");
    const port = await freePort();
    const first = await startMariaDb({ dataDir, port, logFile });
    let caught: Error | undefined;
    await startMariaDb({ dataDir, port: await freePort(), logFile }).catch(
      (error: Error) => (caught = error),
    );
    expect(caught?.message).to.match(
      /^MariaDB: a server \(pid \d+\) already runs on data dir .*; stop it or use another data dir$/,
    );
    await first.stop();
    expect(await canConnect(port)).to.equal(false);

    const again = await startMariaDb({ dataDir, port, logFile });
    try {
      expect(again.url).not.to.equal(first.url);
      const connection = await mysql.createConnection(again.url);
      const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT DATABASE() AS db");
      expect(rows[0].db).to.equal("pinterest");
      await connection.end();
    } finally {
      await again.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
