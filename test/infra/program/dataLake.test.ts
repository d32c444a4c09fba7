// The program on the dev and the prod stack (mocks, one shared run per stack): data lake.
import { expect } from "chai";
import { PolicyDocument } from "../../../infra/iam";
import { RecordedResource, StackRun } from "../harness/stackRun";
import { EXPECTED } from "./expected";
import { Resources, STACKS, useStackRun } from "../harness/fixtures";

for (const stack of STACKS)
  describe(`the program on the ${stack} stack (mocks)`, () => {
    const expected = EXPECTED[stack];
    let run: StackRun, r: Resources;
    useStackRun(stack, (loaded) => ({ run, r } = loaded));

    describe("data lake", () => {
      it("is versioned, encrypted, blocked from the public and TLS only", () => {
        const bucket = r
          .all("aws:s3/bucket:Bucket")
          .find((b) => b.inputs.bucket === run.outputs.dataBucket) as RecordedResource;
        expect(bucket.inputs.forceDestroy).to.equal(expected.forceDestroy);
        const of = (type: string) => r.all(type).filter((resource) => resource.inputs.bucket === bucket.id);
        expect(
          of("aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration,
        ).to.deep.equal({ status: "Enabled" });
        expect(
          of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
        ).to.have.length(1);
        expect(of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        const policy = JSON.parse(
          of("aws:s3/bucketPolicy:BucketPolicy")[0].inputs.policy as string,
        ) as PolicyDocument;
        expect(policy.Statement[0]).to.include({ Effect: "Deny" });
        expect(policy.Statement[0].Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
      });
    });
  });
