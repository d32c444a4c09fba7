// Runs a Java main class from the jars that `tools/ensure.sh jars` copied into .cache/jars.
import fs from "node:fs";
import path from "node:path";
import { RuntimeFailure } from "../../cli/errors";
import { REPO_ROOT } from "../layout";
import { startServiceProcess, type ServiceProcess } from "./process";

export const JARS_DIR = path.join(REPO_ROOT, ".cache", "jars");

/** The classpath of one folder of jars; fails with the command that fetches them when it is missing. */
export function classpathOf(folder: string): string {
  const dir = path.join(JARS_DIR, folder);
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
    throw new RuntimeFailure(`jars missing in ${dir}; run: bash tools/ensure.sh jars`);
  }
  return `${dir}/*`;
}

/** A log4j 1 configuration that sends everything at INFO to the process output, which goes to the service's log file. */
export function writeLog4jConfig(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      "log4j.rootLogger=INFO, stdout",
      "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
      "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
      "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
      "log4j.logger.org.apache.kafka.clients=WARN",
      "log4j.logger.org.reflections=ERROR",
      "",
    ].join("\n"),
  );
  return file;
}

// Small heaps and a light JIT: the machine has 2 cores shared with other work, and local traffic is small.
const JVM_FLAGS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true"];

export function javaArgs(opts: {
  heapMb: number;
  classpath: string;
  log4jConfig: string;
  mainClass: string;
  args: string[];
}): string[] {
  return [
    `-Xmx${opts.heapMb}m`,
    ...JVM_FLAGS,
    `-Dlog4j.configuration=file:${opts.log4jConfig}`,
    "-cp",
    opts.classpath,
    opts.mainClass,
    ...opts.args,
  ];
}

export function startJava(opts: {
  heapMb: number;
  classpath: string;
  log4jConfig: string;
  mainClass: string;
  args: string[];
  logFile: string;
}): ServiceProcess {
  return startServiceProcess({ command: "java", args: javaArgs(opts), logFile: opts.logFile });
}

/** Writes a Java properties file (values are plain strings without newlines). */
export function writeProperties(file: string, values: Record<string, string | number>): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines = Object.entries(values).map(
    ([key, value]) => `${key}=${String(value).replace(/\\/g, "\\\\")}`,
  );
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}
