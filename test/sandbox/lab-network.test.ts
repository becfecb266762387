/**
 * The lab network the sandbox and test:metal share (scripts/lab-network.ts): who holds it, read from `ip -o` lines
 * as this host prints them, and the refusal each gets when the other holds it. The sandbox's bash keeps the same
 * bridge and address.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { holders, LAB, LAB_INTERFACES, refusal } from "../../scripts/lab-network";

// Captured here with a bridge made as sandbox.sh makes it (ip -o -4 addr show; ip -o link show).
const ADDR = [
  "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
  "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever",
  "396: hearth-sb0    inet 10.77.0.1/24 scope global hearth-sb0\\       valid_lft forever preferred_lft forever",
].join("\n");
const LINK = [
  "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
  "396: hearth-sb0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether a2:ee:1e:b0:22:29 brd ff:ff:ff:ff:ff:ff\\    alias hearth-sandbox:/x/.sandbox",
].join("\n");
const METAL_ADDR =
  "12: hmetal0@if11    inet 10.77.0.1/24 scope global hmetal0\\       valid_lft forever preferred_lft forever";

describe("the lab network", () => {
  it("finds the sandbox's bridge with the folder its alias names", () => {
    expect(holders(ADDR, LINK)).toEqual([
      { iface: "hearth-sb0", alias: "hearth-sandbox:/x/.sandbox" },
    ]);
    expect(holders(METAL_ADDR, "")).toEqual([{ iface: "hmetal0" }]);
    expect(holders("", "")).toEqual([]);
  });

  it("test:metal is refused while a sandbox holds it, with the command that frees it", () => {
    expect(refusal("test:metal", holders(ADDR, LINK))).toBe(
      "npm run test:metal cannot take the lab network 10.77.0.0/24: 10.77.0.1 is held by the sandbox in /x/.sandbox " +
        "(bridge hearth-sb0); take it down first: HEARTH_SANDBOX_DIR=/x/.sandbox npm run sandbox -- down",
    );
  });

  it("the sandbox is refused while test:metal runs, and told how to clear a killed run's leftovers", () => {
    expect(refusal("sandbox", holders(METAL_ADDR, ""), "/y/.sandbox")).toMatch(
      /^the sandbox in \/y\/\.sandbox cannot take the lab network 10\.77\.0\.0\/24: 10\.77\.0\.1 is held by npm run test:metal .*ip netns del hearth-metal; ip link del hmetal0$/,
    );
  });

  it("each may start over its own interface, and a stranger's address is named", () => {
    expect(refusal("sandbox", holders(ADDR, LINK), "/x/.sandbox")).toBeUndefined();
    expect(refusal("test:metal", holders(METAL_ADDR, ""))).toBeUndefined();
    expect(refusal("sandbox", [{ iface: "br9" }])).toMatch(/interface br9, which is neither/);
  });

  it("sandbox.sh's bridge and address are the module's", () => {
    const sh = readFileSync(join(__dirname, "../../scripts/sandbox.sh"), "utf8");
    expect(/^BRIDGE=(\S+)$/m.exec(sh)?.[1]).toBe(LAB_INTERFACES.sandbox);
    expect(/^BRIDGE_ADDR=(\S+)$/m.exec(sh)?.[1]).toBe(LAB.router);
  });
});
