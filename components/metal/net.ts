/** IPv4 arithmetic the renderers need: parse a CIDR, test membership, derive netmask and broadcast. */

/** A parsed IPv4 network. */
export interface Ipv4Network {
  /** The network address, e.g. `192.168.1.0`. */
  address: string;
  /** Prefix length, 0-32. */
  prefix: number;
  /** Dotted netmask, e.g. `255.255.255.0`. */
  netmask: string;
  /** Directed broadcast address, e.g. `192.168.1.255`. */
  broadcast: string;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether a string is a dotted-quad IPv4 address. */
export function isIpv4(value: string): boolean {
  const m = OCTETS.exec(value);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o);
}

/** The address as an unsigned 32-bit integer; throws on anything that is not IPv4. */
export function ipv4ToInt(value: string): number {
  if (!isIpv4(value))
    throw new Error(`"${value}" is not an IPv4 address (expected e.g. 192.168.1.10)`);
  return value.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** The dotted form of an unsigned 32-bit integer. */
export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Parses `a.b.c.d/n`; throws when it is not an IPv4 CIDR or when host bits are set. */
export function parseCidr(cidr: string): Ipv4Network {
  const [addr, bits, extra] = cidr.split("/");
  const prefix = Number(bits);
  if (extra !== undefined || !isIpv4(addr) || !/^\d{1,2}$/.test(bits ?? "") || prefix > 32) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR (expected e.g. 192.168.1.0/24)`);
  }
  const size = 2 ** (32 - prefix);
  const base = ipv4ToInt(addr);
  if (base % size !== 0) {
    const network = intToIpv4(base - (base % size));
    throw new Error(`"${cidr}" has host bits set; write the network address, ${network}/${prefix}`);
  }
  return {
    address: addr,
    prefix,
    netmask: intToIpv4(2 ** 32 - size),
    broadcast: intToIpv4(base + size - 1),
  };
}

/** Whether `ip` is a usable host address of `cidr` (inside it, neither network nor broadcast address). */
export function isHostIn(cidr: string, ip: string): boolean {
  const net = parseCidr(cidr);
  if (!isIpv4(ip)) return false;
  const value = ipv4ToInt(ip);
  const first = ipv4ToInt(net.address);
  const last = ipv4ToInt(net.broadcast);
  if (net.prefix >= 31) return value >= first && value <= last;
  return value > first && value < last;
}

/** Whether `ip` lies anywhere in `cidr` (network and broadcast addresses included); host bits are ignored. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  const start = ipv4ToInt(base) - (ipv4ToInt(base) % size);
  const value = ipv4ToInt(ip);
  return value >= start && value < start + size;
}

/** Whether two IPv4 CIDR networks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const prefix = Math.min(Number(a.split("/")[1]), Number(b.split("/")[1]));
  return inCidr(a.split("/")[0], `${b.split("/")[0]}/${prefix}`);
}
