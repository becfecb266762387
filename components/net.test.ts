import {
  cidrsOverlap,
  inCidr,
  intToIpv4,
  ipv4ToInt,
  isDnsLabel,
  isHostIn,
  isIpv4,
  isMac,
  normalizeMac,
  parseCidr,
} from "./net";

describe("IPv4 helpers", () => {
  it("parses a /24 into address, netmask and broadcast", () => {
    expect(parseCidr("192.168.1.0/24")).toEqual({
      address: "192.168.1.0",
      prefix: 24,
      netmask: "255.255.255.0",
      broadcast: "192.168.1.255",
    });
  });

  it("handles prefixes that do not fall on an octet", () => {
    const net = parseCidr("10.0.8.0/21");
    expect(net.netmask).toBe("255.255.248.0");
    expect(net.broadcast).toBe("10.0.15.255");
  });

  it("rejects host bits and names the network address to use instead", () => {
    expect(() => parseCidr("192.168.1.7/24")).toThrow(/host bits set.*192\.168\.1\.0\/24/);
  });

  it("names what the network is for, when told", () => {
    expect(() => parseCidr("10.44.0.1/16", "private subnet")).toThrow(
      'private subnet "10.44.0.1/16" has host bits set; write the network address, 10.44.0.0/16',
    );
    expect(() => parseCidr("10.44.0.0", "private subnet")).toThrow(
      /^private subnet "10\.44\.0\.0" is not an IPv4 CIDR/,
    );
  });

  it("rejects what is not a CIDR", () => {
    for (const bad of [
      "192.168.1.0",
      "192.168.1.0/33",
      "192.168.256.0/24",
      "fe80::/64",
      "a/b/c",
      "10.0.0.0/8/8",
      "10.0.0.0/",
    ]) {
      expect(() => parseCidr(bad)).toThrow(/not an IPv4 CIDR/);
    }
  });

  it("round-trips addresses through integers", () => {
    expect(ipv4ToInt("192.168.1.21")).toBe(3232235797);
    expect(intToIpv4(3232235797)).toBe("192.168.1.21");
    expect(intToIpv4(ipv4ToInt("255.255.255.255"))).toBe("255.255.255.255");
  });

  it("tells dotted quads from look-alikes", () => {
    expect(isIpv4("10.0.0.1")).toBe(true);
    expect(isIpv4("10.0.0.256")).toBe(false);
    expect(isIpv4("10.0.0.01")).toBe(false);
    expect(isIpv4("10.0.0")).toBe(false);
  });

  it("accepts host addresses only, not the network or broadcast address", () => {
    expect(isHostIn("192.168.1.0/24", "192.168.1.21")).toBe(true);
    expect(isHostIn("192.168.1.0/24", "192.168.1.0")).toBe(false);
    expect(isHostIn("192.168.1.0/24", "192.168.1.255")).toBe(false);
    expect(isHostIn("192.168.1.0/24", "192.168.2.21")).toBe(false);
    expect(isHostIn("192.168.1.0/31", "192.168.1.1")).toBe(true);
  });

  it("tells whether an address lies in a network, its edges included", () => {
    expect(inCidr("192.168.1.0", "192.168.1.0/24")).toBe(true);
    expect(inCidr("192.168.1.255", "192.168.1.0/24")).toBe(true);
    expect(inCidr("192.168.2.0", "192.168.1.0/24")).toBe(false);
    expect(inCidr("10.1.2.3", "0.0.0.0/0")).toBe(true);
    expect(inCidr("10.44.0.1", "10.44.0.0/32")).toBe(false);
  });

  it("tells whether two networks overlap, whichever is larger", () => {
    expect(cidrsOverlap("10.42.0.0/16", "10.42.8.0/24")).toBe(true);
    expect(cidrsOverlap("10.42.8.0/24", "10.42.0.0/16")).toBe(true);
    expect(cidrsOverlap("10.42.0.0/16", "10.43.0.0/16")).toBe(false);
    expect(cidrsOverlap("0.0.0.0/0", "192.168.1.0/24")).toBe(true);
  });

  it("tells RFC 1123 labels from names that are not", () => {
    for (const ok of ["a", "node-1", "0x", "a".repeat(63)])
      expect([ok, isDnsLabel(ok)]).toEqual([ok, true]);
    for (const bad of ["", "-a", "a-", "A", "a.b", "a_b", "a".repeat(64)])
      expect([bad, isDnsLabel(bad)]).toEqual([bad, false]);
  });

  it("keeps MACs in lowercase colon form, and reads the forms tools print", () => {
    expect(isMac("52:54:00:12:34:56")).toBe(true);
    expect(isMac("52:54:00:12:34:5G")).toBe(false);
    expect(isMac("52-54-00-12-34-56")).toBe(false);
    expect(isMac("52:54:00:AB:34:56")).toBe(false);
    expect(normalizeMac("52-54-00-AB-34-56")).toBe("52:54:00:ab:34:56");
    expect(normalizeMac("not a mac")).toBe("not a mac");
  });
});
