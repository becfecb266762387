/**
 * The lab network that the sandbox (scripts/sandbox.sh) and `npm run test:metal` (test/metal/) both stand up on
 * this machine: one /24 whose first address is the "router" in the host's namespace (the sandbox's bridge
 * `hearth-sb0`, or the metal lab's veth `hmetal0`). Only one of them can hold it at a time: two interfaces with the
 * same address make the host's routes to the LAN ambiguous (a sandbox left up made `test:metal`'s machine fail
 * with "Unable to connect to 10.77.0.1:3142"). Each checks here before it takes the network, and refuses with
 * who holds it and what to run.
 *
 *   node -r ./runtime/swc-register.js scripts/lab-network.ts check <sandbox|test:metal> [sandbox dir]
 *     exit 0 when the network is free or held by the caller itself; 1 with the reason otherwise
 */
import { execFileSync } from "node:child_process";

/** The lab's LAN and the router's address on it. */
export const LAB = { cidr: "10.77.0.0/24", router: "10.77.0.1", prefix: 24 } as const;

/** The interfaces each user of the lab puts the router's address on, in the host's namespace. */
export const LAB_INTERFACES = { sandbox: "hearth-sb0", "test:metal": "hmetal0" } as const;
export type LabUser = keyof typeof LAB_INTERFACES;

/** An interface holding the router's address; `alias` is the link's alias (the sandbox names its folder there). */
export interface Holder {
  iface: string;
  alias?: string;
}

/** The interfaces that hold the router's address, from `ip -o addr` and `ip -o link` lines. */
export function holders(addrLines: string, linkLines: string): Holder[] {
  const found: Holder[] = [];
  for (const line of addrLines.split("\n")) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (!m || m[2] !== LAB.router) continue;
    const iface = m[1].replace(/@.*$/, "");
    const alias = new RegExp(
      `^\\d+:\\s+${iface.replace(/[.]/g, "\\.")}[@:].*\\salias\\s(.+)$`,
      "m",
    ).exec(linkLines)?.[1];
    found.push({ iface, ...(alias ? { alias: alias.trim() } : {}) });
  }
  return found;
}

/**
 * Why USER may not take the lab network, or undefined when it may: it is free, or held by USER itself (the
 * sandbox's own directory, or the metal lab's leftovers, which its run removes first). `dir` is the sandbox's
 * directory when USER is the sandbox.
 */
export function refusal(user: LabUser, held: Holder[], dir?: string): string | undefined {
  const reasons = held.flatMap((h) => {
    if (h.iface === LAB_INTERFACES[user]) {
      // The sandbox shares its bridge only with its own directory; sandbox.sh decides about another one's.
      return [];
    }
    if (h.iface === LAB_INTERFACES.sandbox) {
      const owner = h.alias?.replace(/^hearth-sandbox:/, "");
      return [
        `the sandbox${owner ? ` in ${owner}` : ""} (bridge ${h.iface}); take it down first: ` +
          `${owner ? `HEARTH_SANDBOX_DIR=${owner} ` : ""}npm run sandbox -- down`,
      ];
    }
    if (h.iface === LAB_INTERFACES["test:metal"])
      return [
        `npm run test:metal (veth ${h.iface}, namespace hearth-metal); wait for it to end, or remove what a killed ` +
          `run left: ip netns del hearth-metal; ip link del ${h.iface}`,
      ];
    return [
      `interface ${h.iface}, which is neither the sandbox's nor test:metal's; remove its address ${LAB.router}`,
    ];
  });
  if (reasons.length === 0) return undefined;
  return (
    `${user === "sandbox" ? `the sandbox${dir ? ` in ${dir}` : ""}` : "npm run test:metal"} cannot take the lab network ${LAB.cidr}: ${LAB.router} is held by ` +
    reasons.join("; and by ")
  );
}

/** The refusal for USER on this host, read with `ip`. */
export function checkLab(user: LabUser, dir?: string): string | undefined {
  const ip = (...a: string[]) => execFileSync("ip", a, { encoding: "utf8" });
  return refusal(user, holders(ip("-o", "-4", "addr", "show"), ip("-o", "link", "show")), dir);
}

if (require.main === module) {
  const [cmd, user, dir] = process.argv.slice(2);
  if (cmd !== "check" || !(user in LAB_INTERFACES)) {
    console.error("usage: lab-network.ts check <sandbox|test:metal> [sandbox dir]");
    process.exit(2);
  }
  const why = checkLab(user as LabUser, dir);
  if (why) console.error(why);
  process.exit(why ? 1 : 0);
}
