import { expect } from "chai";
import {
  confluentArchiveUrl,
  mskIamAuthJarUrl,
  restProxyProperties,
  restProxyUserData,
} from "../../infra/restProxyUserData";

const input = {
  bootstrapServers: "b-1.msk.kafka.us-east-1.amazonaws.com:9098,b-2.msk.kafka.us-east-1.amazonaws.com:9098",
  confluentVersion: "7.9.1",
  mskIamAuthVersion: "2.3.7",
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
    expect(mskIamAuthJarUrl("2.3.7")).to.equal(
      "https://github.com/aws/aws-msk-iam-auth/releases/download/v2.3.7/aws-msk-iam-auth-2.3.7-all.jar",
    );
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
