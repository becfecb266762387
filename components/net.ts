/**
 * The one network-maths module: IPv4 addresses and CIDR networks (parse, membership, overlap, netmask and
 * broadcast), DNS labels and names, MAC addresses. Config validation, the metal and cloud renderers and the
 * k3s flags all read these; before writing such a regex or a loop over octets, use what is here.
 */

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

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

/** A dotted-quad IPv4 address: four octets 0-255, without leading zeros. */
export const IPV4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);

/** An IPv4 network in CIDR form (`a.b.c.d/n`, n 0-32), by syntax only: `parseCidr` also refuses host bits. */
export const IPV4_CIDR = new RegExp(`^(${OCTET}\\.){3}${OCTET}\\/([0-9]|[12]\\d|3[0-2])$`);

/** Whether a string is a dotted-quad IPv4 address. */
export function isIpv4(value: string): boolean {
  return IPV4.test(value);
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

/**
 * Parses `a.b.c.d/n`; throws when it is not an IPv4 CIDR or when host bits are set, naming the network to
 * write instead. `what` (e.g. "private subnet") starts the message when given.
 */
export function parseCidr(cidr: string, what?: string): Ipv4Network {
  const label = what ? `${what} ` : "";
  if (!IPV4_CIDR.test(cidr)) {
    throw new Error(`${label}"${cidr}" is not an IPv4 CIDR (expected e.g. 192.168.1.0/24)`);
  }
  const [addr, bits] = cidr.split("/");
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  const base = ipv4ToInt(addr);
  if (base % size !== 0) {
    const network = intToIpv4(base - (base % size));
    throw new Error(
      `${label}"${cidr}" has host bits set; write the network address, ${network}/${prefix}`,
    );
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

/** One RFC 1123 label as a pattern to compose: lowercase letters, digits and inner "-", 1-63 characters. */
export const DNS_LABEL_PATTERN = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

/** An RFC 1123 label: a host name, a Kubernetes namespace or Service name. */
export const DNS_LABEL = new RegExp(`^${DNS_LABEL_PATTERN}$`);

/** Whether a string is an RFC 1123 label (lowercase, at most 63 characters). */
export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** A MAC address in the form Hearth keeps it: six lowercase hex pairs with colons. */
export const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Whether a string is a MAC address in lowercase colon form. */
export function isMac(value: string): boolean {
  return MAC.test(value);
}

/** A MAC written with "-" or in capitals (as tools print it) in lowercase colon form; the input if not a MAC. */
export function normalizeMac(value: string): string {
  const lower = value.toLowerCase();
  return /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/.test(lower) ? lower.replace(/-/g, ":") : value;
}
