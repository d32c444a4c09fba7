// The shared service launchers: clear messages for a busy port and a data dir already in use; nothing left running.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { expect } from "chai";
import mysql from "mysql2/promise";
import { rootPasswordFile, startMariaDb } from "../../local/services/mariadb";
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

  it("MariaDB's root has a generated password, kept owner-only, on no command line and in no log; no root over TCP", async () => {
    const dir = tempDir("root");
    const dataDir = path.join(dir, "db");
    const logFile = path.join(dir, "log");
    const port = await freePort();
    const db = await startMariaDb({ dataDir, port, logFile });
    try {
      const file = rootPasswordFile(dataDir);
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      const password = fs.readFileSync(file, "utf8").trim();
      expect(password).to.match(/^[0-9a-f]{48}$/);
      const socketPath = path.join(dataDir, "mariadb.sock");
      const refused = async (options: mysql.ConnectionOptions) =>
        mysql.createConnection(options).then(
          async (connection) => {
            await connection.end();
            return "connected";
          },
          (error: { code?: string }) => error.code,
        );
      // Without the password: not through the socket, not over TCP (127.0.0.1 nor ::1 accounts are gone).
      expect(await refused({ socketPath, user: "root", password: "" })).to.equal("ER_ACCESS_DENIED_ERROR");
      expect(await refused({ host: "127.0.0.1", port, user: "root", password: "" })).to.equal(
        "ER_ACCESS_DENIED_ERROR",
      );
      expect(await refused({ host: "127.0.0.1", port, user: "root", password })).to.equal(
        "ER_ACCESS_DENIED_ERROR",
      );
      expect(await refused({ socketPath, user: "root", password })).to.equal("connected");
      // The server's command line (what ps shows) and its log carry neither password.
      const pid = fs.readFileSync(path.join(dataDir, "mariadb.pid"), "utf8").trim();
      const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const userPassword = new URL(db.url).password;
      for (const secret of [password, userPassword]) {
        expect(commandLine).not.to.include(secret);
        expect(fs.readFileSync(logFile, "utf8")).not.to.include(secret);
      }
    } finally {
      await db.stop();
    }
    // A restart reads the same password back and keeps root locked.
    const again = await startMariaDb({ dataDir, port, logFile });
    try {
      const connection = await mysql.createConnection(again.url);
      await connection.end();
    } finally {
      await again.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
