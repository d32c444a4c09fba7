// The program on the dev and the prod stack (mocks, one shared run per stack): stream ingestion.
import { expect } from "chai";
import { streamNames } from "../../../infra/names";
import { EXPECTED } from "./expected";
import { Resources, STACKS, useStackRun } from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let r: Resources;
    useStackRun(stack, (loaded) => ({ r } = loaded));

    describe("stream ingestion", () => {
      it("three KMS-encrypted streams named from the prefix, in the configured capacity mode", () => {
        const streams = r.all("aws:kinesis/stream:Stream");
        expect(streams.map((stream) => stream.inputs.name).sort()).to.deep.equal(
          Object.values(streamNames(expected.prefix)).sort(),
        );
        for (const stream of streams) {
          expect(stream.inputs).to.include({ encryptionType: "KMS" });
          // dev uses the AWS managed key; prod's customer key is checked with the hardening tests.
          if (stack === "dev") expect(stream.inputs.kmsKeyId).to.equal("alias/aws/kinesis");
          expect(stream.inputs.streamModeDetails).to.deep.equal({ streamMode: expected.streamMode });
          expect(stream.inputs.retentionPeriod).to.equal(stack === "dev" ? 24 : 168);
        }
      });
    });
  });
