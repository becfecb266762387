/**
 * The network module as properties, against a model that counts addresses as integers: membership, overlap
 * (either way round), parsing, and the IPv4 syntax against the octet-by-octet reading it replaced.
 */
import fc from "fast-check";
import {
  cidrsOverlap,
  inCidr,
  intToIpv4,
  ipv4ToInt,
  isHostIn,
  isIpv4,
  IPV4_CIDR,
  parseCidr,
} from "./net";

const MAX = 2 ** 32 - 1;
const address = fc.integer({ min: 0, max: MAX });
/** A network written with its own address (no host bits): a random address, masked to a random prefix. */
const network = fc.tuple(address, fc.integer({ min: 0, max: 32 })).map(([a, prefix]) => {
  const size = 2 ** (32 - prefix);
  return { start: a - (a % size), end: a - (a % size) + size - 1, prefix };
});
const cidrOf = (n: { start: number; prefix: number }) => `${intToIpv4(n.start)}/${n.prefix}`;

/** How component/metal/net.ts read an address before the module's regex: octet by octet. */
function octetByOctet(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o);
}

describe("the network module", () => {
  it("reads back every address it writes", () => {
    fc.assert(fc.property(address, (a) => ipv4ToInt(intToIpv4(a)) === a && isIpv4(intToIpv4(a))));
  });

  it("tells IPv4 addresses from look-alikes as the octet-by-octet reading did", () => {
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.stringMatching(/^0\d{1,2}$/),
      fc.constantFrom("", "-1", "1a", " 1"),
    );
    const lookAlike = fc.oneof(
      fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join(".")),
      fc.string(),
    );
    fc.assert(fc.property(lookAlike, (s) => isIpv4(s) === octetByOctet(s)));
  });

  it("parses every network to its netmask and broadcast address, and refuses host bits", () => {
    fc.assert(
      fc.property(network, address, (n, host) => {
        const parsed = parseCidr(cidrOf(n));
        const hostBits = host % 2 ** (32 - n.prefix) !== 0;
        const written = `${intToIpv4(n.start + (host % 2 ** (32 - n.prefix)))}/${n.prefix}`;
        return (
          parsed.broadcast === intToIpv4(n.end) &&
          ipv4ToInt(parsed.netmask) === MAX - (n.end - n.start) &&
          IPV4_CIDR.test(written) &&
          (hostBits
            ? (() => {
                try {
                  parseCidr(written);
                  return false;
                } catch (e) {
                  return /host bits set; write the network address, /.test((e as Error).message);
                }
              })()
            : true)
        );
      }),
    );
  });

  it("finds an address in a network exactly when it lies between its first and last address", () => {
    fc.assert(
      fc.property(
        network,
        address,
        (n, a) => inCidr(intToIpv4(a), cidrOf(n)) === (a >= n.start && a <= n.end),
      ),
    );
  });

  it("counts a host only strictly inside a network, or anywhere in a /31 or /32", () => {
    fc.assert(
      fc.property(network, address, (n, a) => {
        const inside = n.prefix >= 31 ? a >= n.start && a <= n.end : a > n.start && a < n.end;
        return isHostIn(cidrOf(n), intToIpv4(a)) === inside;
      }),
    );
  });

  it("finds two networks overlapping exactly when their ranges share an address, either way round", () => {
    fc.assert(
      fc.property(network, network, (a, b) => {
        const shared = a.start <= b.end && b.start <= a.end;
        return (
          cidrsOverlap(cidrOf(a), cidrOf(b)) === shared &&
          cidrsOverlap(cidrOf(b), cidrOf(a)) === shared
        );
      }),
    );
  });

  it("finds every network overlapping each of its subnets", () => {
    fc.assert(
      fc.property(network, fc.integer({ min: 0, max: 32 }), address, (n, extra, a) => {
        const prefix = Math.max(n.prefix, extra);
        const size = 2 ** (32 - prefix);
        const inside =
          n.start + ((a % (n.end - n.start + 1)) - ((a % (n.end - n.start + 1)) % size));
        return cidrsOverlap(cidrOf(n), `${intToIpv4(inside)}/${prefix}`);
      }),
    );
  });
});
