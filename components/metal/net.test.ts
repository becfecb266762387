import { cidrsOverlap, inCidr, intToIpv4, ipv4ToInt, isHostIn, isIpv4, parseCidr } from "./net";

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

  it("rejects what is not a CIDR", () => {
    for (const bad of ["192.168.1.0", "192.168.1.0/33", "192.168.256.0/24", "fe80::/64", "a/b/c"]) {
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
});
