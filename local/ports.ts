// The ports of one local stack: consecutive from a base port, or free ones picked by the OS when the base is 0.
import { freePort } from "./services/net";

export const DEFAULT_PORT_BASE = 19100;

export interface Ports {
  gateway: number;
  kafka: number;
  kafkaController: number;
  connect: number;
  kinesis: number;
  mariadb: number;
  s3: number;
}

const ORDER: (keyof Ports)[] = ["gateway", "kafka", "kafkaController", "connect", "kinesis", "mariadb", "s3"];

export async function portsFrom(base: number): Promise<Ports> {
  const ports = {} as Ports;
  const taken = new Set<number>();
  for (const [offset, name] of ORDER.entries()) {
    let port = base + offset;
    // The OS may hand out a port again once it was released; each service needs its own.
    while (base === 0 && (port === offset || taken.has(port))) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}
