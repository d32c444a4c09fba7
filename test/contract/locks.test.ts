// The Python environments install from lock files (tools/ensure.sh: uv pip sync); a pin changed in
// jobs/pyproject.toml or dags/requirements-test.txt without `bash tools/lock.sh` would leave the old version
// installed. Every top-level pin must be in its lock at the same version.
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");
/** `name==version` pins of a text, names normalized as pip does (case, `_` and `.` as `-`), extras dropped. */
function pins(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^"\s;,]+)/gm)].map((m) => [
      m[1].toLowerCase().replace(/[._]/g, "-"),
      m[2],
    ]),
  );
}

describe("Python locks", () => {
  for (const [pinned, lock] of [
    ["jobs/pyproject.toml", "jobs/requirements.lock"],
    ["dags/requirements-test.txt", "dags/requirements-test.lock"],
  ]) {
    it(`${lock} holds every pin of ${pinned} at its version`, () => {
      const wanted = pins(read(pinned));
      const locked = pins(read(lock));
      expect(wanted.size, "pins found").to.be.greaterThan(5);
      const stale = [...wanted]
        .filter(([name, version]) => locked.get(name) !== version)
        .map(
          ([name, version]) =>
            `${name}==${version} (lock: ${locked.get(name) ?? "absent"}); run: bash tools/lock.sh`,
        );
      expect(stale).to.deep.equal([]);
    });
  }
});
