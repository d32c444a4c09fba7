// User data of the Kafka REST proxy instance (Amazon Linux 2023): Java, Confluent REST proxy, MSK IAM auth, systemd.

export const REST_PROXY_PORT = 8082;

/**
 * The NLB's health check: REST proxy v3 `GET /v3/clusters` describes the Kafka cluster through the proxy's admin
 * client (confluentinc/kafka-rest ClusterManagerImpl.listClusters: Admin.describeCluster), so it fails when the proxy cannot reach MSK or
 * authenticate to it, where `GET /` answers from the proxy alone.
 */
export const REST_PROXY_HEALTH_PATH = "/v3/clusters";

export interface RestProxyUserDataInput {
  /** MSK bootstrap servers for IAM auth (port 9098), comma separated. */
  bootstrapServers: string;
  /** Confluent Platform version, e.g. 7.9.1; the community archive is used. */
  confluentVersion: string;
  /** SHA-256 of that archive; the boot stops before unpacking anything else. */
  confluentSha256: string;
  /** aws-msk-iam-auth release, e.g. 2.3.7. */
  mskIamAuthVersion: string;
  mskIamAuthSha256: string;
}

/**
 * SHA-256 of the aws-msk-iam-auth `-all` jars on Maven Central, from the `.sha256` file Maven Central publishes
 * beside each (repo1.maven.org/maven2/software/amazon/msk/aws-msk-iam-auth/2.3.7/aws-msk-iam-auth-2.3.7-all.jar.sha256),
 * checked against the downloaded jar. Another version needs its checksum in config mskIamAuthSha256.
 */
export const MSK_IAM_AUTH_SHA256: Record<string, string> = {
  "2.3.7": "a46aff030edf9451c098ffb2a73938a9edec6e8d98b00daf4117738eda418309",
};

const INSTALL_DIR = "/opt/confluent";
const CONFIG_FILE = "/etc/kafka-rest/msk.properties";
const IAM_AUTH_JAR = `${INSTALL_DIR}/lib/aws-msk-iam-auth-all.jar`;

export function confluentArchiveUrl(version: string): string {
  const minor = version.split(".").slice(0, 2).join(".");
  return `https://packages.confluent.io/archive/${minor}/confluent-community-${version}.tar.gz`;
}

/** The shaded jar with its dependencies, as Maven Central serves it (also published on the project's GitHub releases). */
export function mskIamAuthJarUrl(version: string): string {
  return `https://repo1.maven.org/maven2/software/amazon/msk/aws-msk-iam-auth/${version}/aws-msk-iam-auth-${version}-all.jar`;
}

/** Shell that fails the boot (set -e) when FILE's SHA-256 is not SHA. */
function checkSha256(sha: string, file: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`"${sha}" is not a SHA-256 (64 lowercase hex digits)`);
  return `echo "${sha}  ${file}" | sha256sum --check --strict -`;
}

/** Kafka REST proxy settings: every client it makes talks to MSK over TLS with IAM auth. */
export function restProxyProperties(bootstrapServers: string): string {
  return [
    `listeners=http://0.0.0.0:${REST_PROXY_PORT}`,
    `bootstrap.servers=${bootstrapServers}`,
    "client.security.protocol=SASL_SSL",
    "client.sasl.mechanism=AWS_MSK_IAM",
    "client.sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;",
    "client.sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler",
    // Every record is acknowledged by all in-sync replicas before the proxy answers 200.
    "producer.acks=all",
    "",
  ].join("\n");
}

export function restProxyUserData(input: RestProxyUserDataInput): string {
  if (!/^[A-Za-z0-9.:,_-]+$/.test(input.bootstrapServers)) {
    throw new Error(
      `bootstrap servers "${input.bootstrapServers}" must be host:port entries separated by commas`,
    );
  }
  const home = `${INSTALL_DIR}/confluent-${input.confluentVersion}`;
  return `#!/bin/bash
# Kafka REST proxy for MSK with IAM auth. Runs once at first boot (cloud-init).
set -euxo pipefail

dnf install -y java-17-amazon-corretto-headless tar gzip

id kafkarest >/dev/null 2>&1 || useradd --system --home-dir ${INSTALL_DIR} --shell /sbin/nologin kafkarest
mkdir -p ${INSTALL_DIR} /etc/kafka-rest
curl -fsSL --retry 5 -o /tmp/confluent.tar.gz ${confluentArchiveUrl(input.confluentVersion)}
${checkSha256(input.confluentSha256, "/tmp/confluent.tar.gz")}
tar -xzf /tmp/confluent.tar.gz -C ${INSTALL_DIR}
rm /tmp/confluent.tar.gz
ln -sfn ${home} ${INSTALL_DIR}/current

# The MSK IAM login module; the unit below puts it on the REST proxy's class path.
mkdir -p ${INSTALL_DIR}/lib
curl -fsSL --retry 5 -o ${IAM_AUTH_JAR}.download ${mskIamAuthJarUrl(input.mskIamAuthVersion)}
${checkSha256(input.mskIamAuthSha256, `${IAM_AUTH_JAR}.download`)}
mv ${IAM_AUTH_JAR}.download ${IAM_AUTH_JAR}

cat > ${CONFIG_FILE} <<'PROPERTIES'
${restProxyProperties(input.bootstrapServers)}PROPERTIES

chown -R kafkarest:kafkarest ${INSTALL_DIR} /etc/kafka-rest

cat > /etc/systemd/system/kafka-rest.service <<'UNIT'
[Unit]
Description=Confluent Kafka REST proxy for MSK (IAM auth)
Wants=network-online.target
After=network-online.target

[Service]
User=kafkarest
Group=kafkarest
Environment=CLASSPATH=${IAM_AUTH_JAR}
Environment="KAFKAREST_HEAP_OPTS=-Xms256m -Xmx512m"
ExecStart=${INSTALL_DIR}/current/bin/kafka-rest-start ${CONFIG_FILE}
Restart=always
RestartSec=5
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now kafka-rest.service
`;
}
