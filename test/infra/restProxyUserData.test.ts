import { expect } from "chai";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import {
  confluentArchiveUrl,
  MSK_IAM_AUTH_SHA256,
  mskIamAuthJarUrl,
  restProxyProperties,
  restProxyUserData,
} from "../../infra/restProxyUserData";

const input = {
  bootstrapServers: "b-1.msk.kafka.us-east-1.amazonaws.com:9098,b-2.msk.kafka.us-east-1.amazonaws.com:9098",
  confluentVersion: "7.9.1",
  confluentSha256: "1".repeat(64),
  mskIamAuthVersion: "2.3.7",
  mskIamAuthSha256: MSK_IAM_AUTH_SHA256["2.3.7"],
};

describe("Kafka REST proxy user data", () => {
  const script = restProxyUserData(input);

  it("is a bash script that stops at the first failing step", () => {
    expect(script.split("\n")[0]).to.equal("#!/bin/bash");
    expect(script).to.contain("set -euxo pipefail");
  });

  it("installs Java, the Confluent community archive and the MSK IAM auth jar", () => {
    expect(script).to.match(/dnf install -y java-17-amazon-corretto-headless/);
    expect(script).to.contain("https://packages.confluent.io/archive/7.9/confluent-community-7.9.1.tar.gz");
    expect(confluentArchiveUrl("7.9.1")).to.equal(
      "https://packages.confluent.io/archive/7.9/confluent-community-7.9.1.tar.gz",
    );
    expect(script).to.contain(mskIamAuthJarUrl("2.3.7"));
    // Maven Central serves the shaded jar (and its .sha256) at this path; checked by downloading it.
    expect(mskIamAuthJarUrl("2.3.7")).to.equal(
      "https://repo1.maven.org/maven2/software/amazon/msk/aws-msk-iam-auth/2.3.7/aws-msk-iam-auth-2.3.7-all.jar",
    );
  });

  it("verifies each download against its pinned SHA-256 before using it (the boot stops on a mismatch)", () => {
    const confluent = script.indexOf("curl -fsSL --retry 5 -o /tmp/confluent.tar.gz");
    const confluentCheck = script.indexOf(
      `echo "${input.confluentSha256}  /tmp/confluent.tar.gz" | sha256sum`,
    );
    expect(confluent).to.be.greaterThan(0);
    expect(confluentCheck).to.be.greaterThan(confluent);
    expect(script.indexOf("tar -xzf /tmp/confluent.tar.gz")).to.be.greaterThan(confluentCheck);
    const jarCheck = script.indexOf(
      `echo "${input.mskIamAuthSha256}  /opt/confluent/lib/aws-msk-iam-auth-all.jar.download"`,
    );
    expect(jarCheck).to.be.greaterThan(0);
    expect(script.indexOf("mv /opt/confluent/lib/aws-msk-iam-auth-all.jar.download")).to.be.greaterThan(
      jarCheck,
    );
    expect(() => restProxyUserData({ ...input, confluentSha256: "abc; rm -rf /" })).to.throw(/not a SHA-256/);
  });

  it("the check line really fails on a wrong file and passes on the right one (sha256sum)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sha-"));
    try {
      const file = path.join(dir, "archive");
      writeFileSync(file, "archive bytes");
      const good = createHash("sha256").update("archive bytes").digest("hex");
      const line = (sha: string) =>
        restProxyUserData({ ...input, confluentSha256: sha })
          .split("\n")
          .find((candidate) => candidate.includes("sha256sum --check"))
          ?.replace("/tmp/confluent.tar.gz", file) as string;
      execFileSync("bash", ["-euo", "pipefail", "-c", line(good)]);
      expect(() =>
        execFileSync("bash", ["-euo", "pipefail", "-c", line("0".repeat(64))], { stdio: "pipe" }),
      ).to.throw();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("configures every client of the proxy for MSK over TLS with IAM auth", () => {
    const properties = restProxyProperties(input.bootstrapServers);
    expect(properties).to.contain(`bootstrap.servers=${input.bootstrapServers}`);
    expect(properties).to.contain("client.security.protocol=SASL_SSL");
    expect(properties).to.contain("client.sasl.mechanism=AWS_MSK_IAM");
    expect(properties).to.contain(
      "client.sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;",
    );
    expect(properties).to.contain(
      "client.sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler",
    );
    expect(properties).to.contain("listeners=http://0.0.0.0:8082");
    expect(script).to.contain(properties);
  });

  it("runs the proxy under systemd as its own user, with the IAM jar on the class path, restarted on failure", () => {
    const unit = script.slice(script.indexOf("[Unit]"), script.indexOf("UNIT\n", script.indexOf("[Unit]")));
    expect(unit).to.contain("User=kafkarest");
    expect(unit).to.match(/Environment=CLASSPATH=\/opt\/confluent\/lib\/aws-msk-iam-auth-all\.jar/);
    expect(unit).to.match(
      /ExecStart=\/opt\/confluent\/current\/bin\/kafka-rest-start \/etc\/kafka-rest\/msk\.properties/,
    );
    expect(unit).to.contain("Restart=always");
    expect(script).to.contain("systemctl enable --now kafka-rest.service");
  });

  it("refuses bootstrap servers that could break out of the script", () => {
    expect(() => restProxyUserData({ ...input, bootstrapServers: "b-1:9098; rm -rf /" })).to.throw(
      /host:port entries/,
    );
  });
});
