/** Pure helpers for the Hetzner Cloud layer: architecture, network zone, address checks, firewall rules. */
import { ipv4ToInt, isDnsLabel, isIpv4, parseCidr } from "../net";
import type { Arch, NodeRole } from "../types";

// Hetzner's locations and the network zone each belongs to; a subnet must be in its servers' zone.
export const HETZNER_ZONES: Record<string, string> = {
  fsn1: "eu-central",
  nbg1: "eu-central",
  hel1: "eu-central",
  ash: "us-east",
  hil: "us-west",
  sin: "ap-southeast",
};

/** The network zone of a Hetzner location, e.g. `fsn1` -> `eu-central`. */
export function networkZoneFor(location: string): string {
  const zone = HETZNER_ZONES[location];
  if (!zone) {
    throw new Error(
      `Hetzner location "${location}" is unknown; use one of ${Object.keys(HETZNER_ZONES).join(", ")}.`,
    );
  }
  return zone;
}

/** CPU architecture of a Hetzner server type: the CAX line is Ampere (arm64), the rest x86. */
export function archForServerType(serverType: string): Arch {
  return /^cax\d/i.test(serverType) ? "arm64" : "amd64";
}

/** One server of a fleet, as far as the checks below need it. */
export interface ServerPlan {
  name: string;
  role: NodeRole;
  privateIp: string;
}

/** One thing wrong with a fleet plan: about the subnet, the fleet, or one server's field. */
export interface FleetProblem {
  /** Index of the server in the list, when the problem is one server's. */
  server?: number;
  field: "subnet" | "servers" | "name" | "role" | "privateIp";
  /** Which check: config validation reports the kinds no other rule of its own covers. */
  kind: "subnet" | "empty" | "no-server" | "hostname" | "twice" | "outside" | "reserved" | "shared";
  message: string;
}

/**
 * What is wrong with a fleet before anything is created: names usable as hostnames and unique, private IPs
 * unique, inside the subnet and clear of the addresses Hetzner keeps (network, gateway `.1`, broadcast).
 * Config validation runs this on `hearth:hetzner` before any resource.
 */
export function fleetPlanProblems(servers: ServerPlan[], subnetCidr: string): FleetProblem[] {
  let base: number;
  let last: number;
  try {
    const subnet = parseCidr(subnetCidr, "private subnet");
    [base, last] = [ipv4ToInt(subnet.address), ipv4ToInt(subnet.broadcast)];
  } catch (e) {
    return [{ field: "subnet", kind: "subnet", message: (e as Error).message }];
  }
  const out: FleetProblem[] = [];
  if (servers.length === 0) {
    out.push({
      field: "servers",
      kind: "empty",
      message: "the Hetzner fleet lists no servers; add at least one with role server.",
    });
  } else if (!servers.some((s) => s.role === "server")) {
    out.push({
      field: "role",
      kind: "no-server",
      message:
        `the Hetzner fleet has no server with role "server" (${servers.map((s) => s.name).join(", ")}); ` +
        `give at least one the role "server".`,
    });
  }
  const names = new Set<string>();
  const ips = new Map<string, string>();
  servers.forEach((s, server) => {
    if (!isDnsLabel(s.name)) {
      out.push({
        server,
        field: "name",
        kind: "hostname",
        message: `Hetzner server name "${s.name}" is not a lowercase RFC 1123 hostname.`,
      });
    } else if (names.has(s.name)) {
      out.push({
        server,
        field: "name",
        kind: "twice",
        message: `Hetzner server "${s.name}" is listed twice.`,
      });
    }
    names.add(s.name);
    const n = isIpv4(s.privateIp) ? ipv4ToInt(s.privateIp) : undefined;
    if (n === undefined || n < base || n > last) {
      out.push({
        server,
        field: "privateIp",
        kind: "outside",
        message: `Hetzner server "${s.name}": private IP "${s.privateIp}" is not inside the subnet ${subnetCidr}.`,
      });
      return;
    }
    if (n === base || n === base + 1 || n === last) {
      out.push({
        server,
        field: "privateIp",
        kind: "reserved",
        message:
          `Hetzner server "${s.name}": private IP ${s.privateIp} is reserved by Hetzner in ${subnetCidr} ` +
          `(network, gateway or broadcast address); pick another, e.g. one ending in .10.`,
      });
      return;
    }
    const other = ips.get(s.privateIp);
    if (other) {
      out.push({
        server,
        field: "privateIp",
        kind: "shared",
        message: `Hetzner servers "${other}" and "${s.name}" share private IP ${s.privateIp}.`,
      });
    }
    ips.set(s.privateIp, s.name);
  });
  return out;
}

/** Throws the first of `fleetPlanProblems`: a guard for callers that skipped config validation. */
export function assertFleetPlan(servers: ServerPlan[], subnetCidr: string): void {
  const [first] = fleetPlanProblems(servers, subnetCidr);
  if (first) throw new Error(first.message);
}

/** A Hetzner firewall rule as the provider takes it. */
export interface FirewallRulePlan {
  direction: "in";
  protocol: "tcp" | "icmp";
  port?: string;
  sourceIps: string[];
  description: string;
}

/**
 * Inbound rules for every node: SSH and the Kubernetes API from the given networks, ICMP from anywhere
 * (path MTU discovery breaks without it). Nothing else: node-to-node traffic rides the private network,
 * which Hetzner firewalls do not filter.
 */
export function firewallRules(
  sshSourceCidrs: string[],
  apiSourceCidrs: string[],
): FirewallRulePlan[] {
  const check = (cidrs: string[], what: string) => {
    if (cidrs.length === 0) {
      throw new Error(
        `${what} is empty; list the networks allowed in, e.g. your home's public /32.`,
      );
    }
    for (const c of cidrs) if (!c.includes(":")) parseCidr(c, what);
  };
  check(sshSourceCidrs, "the SSH source CIDR list");
  check(apiSourceCidrs, "the Kubernetes API source CIDR list");
  return [
    { direction: "in", protocol: "tcp", port: "22", sourceIps: sshSourceCidrs, description: "SSH" },
    {
      direction: "in",
      protocol: "tcp",
      port: "6443",
      sourceIps: apiSourceCidrs,
      description: "Kubernetes API",
    },
    {
      direction: "in",
      protocol: "icmp",
      sourceIps: ["0.0.0.0/0", "::/0"],
      description: "ICMP (ping, path MTU discovery)",
    },
  ];
}
