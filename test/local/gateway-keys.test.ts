// The key the local gateway records for each record it acknowledged (the verdict judges every hop against these):
// the source table's key column as the jobs read it, an integer or a string holding one.
import { expect } from "chai";
import { recordKey } from "../../local/gateway/server";

describe("local gateway: the key of an acknowledged record", () => {
  const cases: { table: "pin" | "geo" | "user"; value: unknown; key: string | undefined }[] = [
    { table: "pin", value: { index: 7, ind: 99 }, key: "7" },
    { table: "geo", value: { index: 7, ind: 99 }, key: "99" },
    { table: "user", value: { ind: "12" }, key: "12" },
    { table: "user", value: { ind: " 0012 " }, key: "12" },
    { table: "pin", value: { index: -3 }, key: "-3" },
    { table: "pin", value: { index: 1.5 }, key: undefined },
    { table: "pin", value: { index: "abc" }, key: undefined },
    { table: "pin", value: { ind: 4 }, key: undefined },
    { table: "geo", value: { ind: null }, key: undefined },
    { table: "geo", value: "not an object", key: undefined },
    { table: "geo", value: null, key: undefined },
    { table: "geo", value: { ind: 2 ** 60 }, key: undefined },
  ];
  for (const c of cases) {
    it(`${c.table} ${JSON.stringify(c.value)} -> ${c.key ?? "no key"}`, () => {
      expect(recordKey(c.table, c.value)).to.equal(c.key);
    });
  }
});
