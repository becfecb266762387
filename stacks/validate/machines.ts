/**
 * Rules across the machines: metal nodes and Hetzner servers against each other, the LAN, the PXE controller,
 * the cluster's quorum and the SSH login that reaches them all.
 */
import { installerOf } from "../../components/metal/spec";
import { inCidr } from "../../components/net";
import { NS, Rule, RuleContext } from "./context";

/** The metal nodes that parsed at least in part, with their index in `hearth:nodes`. */
export function nodesOf(ctx: RuleContext) {
  return (ctx.c.nodes ?? []).flatMap((n, i) => (n ? [{ n, i }] : []));
}

/** The Hetzner servers that parsed at least in part, with their index in `hearth:hetzner.servers`. */
export function serversOf(ctx: RuleContext) {
  return (ctx.c.hetzner?.servers ?? []).flatMap((s, i) => (s ? [{ s, i }] : []));
}

/** How a message names a node whose name may have failed its own check. */
function nodeLabel(name: string | undefined, i: number): string {
  return name ?? `${NS}:nodes[${i}]`;
}

/** Names, MACs and addresses are each one machine's: the router and the PXE controller count as machines. */
export const uniqueMachineIdentities: Rule = (ctx) => {
  const seen = new Map<string, string>();
  const unique = (kind: string, value: string | undefined, at: string) => {
    if (value === undefined) return;
    const first = seen.get(`${kind}=${value}`);
    if (first)
      ctx.add(
        at,
        `${JSON.stringify(value)} is already used by ${NS}:${first}; each machine needs its own ${kind}`,
      );
    else seen.set(`${kind}=${value}`, at);
  };
  unique("address", ctx.c.network?.gateway, "network.gateway");
  unique("address", ctx.c.pxe?.address, "pxe.address");
  for (const { n, i } of nodesOf(ctx)) {
    unique("name", n.name, `nodes[${i}].name`);
    unique("MAC", n.mac, `nodes[${i}].mac`);
    unique("address", n.ip, `nodes[${i}].ip`);
  }
  for (const { s, i } of serversOf(ctx)) {
    unique("name", s.name, `hetzner.servers[${i}].name`);
    unique("address", s.privateIp, `hetzner.servers[${i}].privateIp`);
  }
};

/** A node has a static address in the LAN, or DHCP, never both; a static one needs the LAN's settings. */
export const nodeAddressing: Rule = (ctx) => {
  const net = ctx.c.network;
  for (const { n, i } of nodesOf(ctx)) {
    const at = `nodes[${i}].ip`;
    const label = nodeLabel(n.name, i);
    if (n.dhcp === false && n.ip === undefined && !ctx.failed(at))
      ctx.add(at, `is required unless dhcp: true (node ${label})`);
    if (n.dhcp === true && n.ip !== undefined)
      ctx.add(at, `is set together with dhcp: true; choose one (node ${label})`);
    if (n.ip !== undefined && net?.cidr !== undefined && !inCidr(n.ip, net.cidr))
      ctx.add(at, `${n.ip} is outside ${NS}:network.cidr ${net.cidr}`);
    if (n.hostKey !== undefined && n.hostKeyPath !== undefined)
      ctx.add(
        `nodes[${i}].hostKeyPath`,
        `is set together with hostKey; choose one (node ${label})`,
      );
    if (n.ip !== undefined && ctx.missing("network"))
      ctx.add(at, `a static address needs ${NS}:network (cidr, gateway) for netmask and router`);
  }
};

/** The installer must install the node's OS on its architecture; only the image installer reads reinstall. */
export const nodeInstaller: Rule = (ctx) => {
  for (const { n, i } of nodesOf(ctx)) {
    if (n.os === undefined || ctx.failed(`nodes[${i}].installer`)) continue;
    const label = nodeLabel(n.name, i);
    const installer = installerOf({ os: n.os, installer: n.installer });
    const at = `nodes[${i}].installer`;
    if (installer === "kickstart" && n.os !== "fedora")
      ctx.add(
        at,
        `kickstart installs Fedora; use image or debian-installer for os ${n.os} (node ${label})`,
      );
    if (installer !== "kickstart" && n.os !== "debian")
      ctx.add(at, `${installer} installs Debian; use kickstart for os ${n.os} (node ${label})`);
    if (n.os === "debian" && installer === "image" && n.arch !== undefined && n.arch !== "amd64")
      ctx.add(
        at,
        `the image installer is proven on amd64 only so far; set installer: debian-installer for ${n.arch} (node ${label})`,
      );
    if (n.reinstall !== undefined && installer !== "image")
      ctx.add(
        `nodes[${i}].reinstall`,
        `only the image installer reads it; the ${installer} path reinstalls whenever the node boots from the network (node ${label})`,
      );
  }
};

/**
 * k3s needs machines and an odd number of servers for etcd's quorum. Counted only when every machine's role
 * is known: a machine whose role failed its own check could be either.
 */
export const clusterQuorum: Rule = (ctx) => {
  const { c } = ctx;
  const mode = c.cluster === undefined && !ctx.failed("cluster") ? "k3s" : c.cluster?.mode;
  if (mode !== "k3s") return;
  if (ctx.failed("cluster.mode") || (c.nodes === undefined && ctx.failed("nodes"))) return;
  if (c.hetzner !== undefined && c.hetzner.servers === undefined) return;
  const machines = [...(c.nodes ?? []), ...(c.hetzner?.servers ?? [])];
  if (machines.some((m) => m?.role === undefined)) return;
  const servers = machines.filter((m) => m?.role === "server").length;
  if (machines.length === 0)
    ctx.add(
      "cluster.mode",
      `"k3s" needs machines: add ${NS}:nodes or ${NS}:hetzner, or use mode "existing" with ${NS}:kubeconfig`,
    );
  else if (servers === 0)
    ctx.add("nodes", `no node has role "server"; k3s needs one (1, 3 or 5 servers)`);
  // On the way down from 3 (or 5) servers, one per up, the cluster passes through an even count for one run.
  else if (servers % 2 === 0 && !((ctx.history.serversBefore ?? 0) > servers))
    ctx.add(
      "nodes",
      `${servers} servers cannot keep an etcd quorum through a failure; use 1, 3 or 5 servers` +
        ((ctx.history.serversBefore ?? 0) === servers
          ? " (a shrink passes through it for one run only: remove the next server now)"
          : ""),
    );
};

/** Hearth reaches every machine (and the PXE controller) over SSH: a login user, keys and a private key. */
export const sshLogin: Rule = (ctx) => {
  const { c } = ctx;
  const nodes = nodesOf(ctx);
  const servers = serversOf(ctx);
  const reachesMachines = nodes.length > 0 || servers.length > 0 || c.pxe !== undefined;
  const keyFile = c.ssh?.privateKeyPath !== undefined || ctx.failed("ssh.privateKeyPath");
  if (c.ssh?.privateKeyPath !== undefined && c.sshPrivateKey !== undefined)
    ctx.add("ssh.privateKeyPath", `is set together with ${NS}:sshPrivateKey; choose one`);
  if (reachesMachines && ctx.missing("sshPrivateKey") && !keyFile)
    ctx.add(
      "sshPrivateKey",
      `is required to reach nodes; run: pulumi config set --secret ${NS}:sshPrivateKey < ~/.ssh/id_ed25519`,
    );
  if (reachesMachines && ctx.missing("ssh"))
    ctx.add("ssh", "is required to reach nodes: set ssh.authorizedKeys");
  // Installers plant these keys: a machine installed without one could never be logged into.
  const installs =
    servers.length > 0 ||
    (c.pxe !== undefined &&
      nodes.some(
        ({ n, i }) =>
          n.hostKey === undefined &&
          n.hostKeyPath === undefined &&
          !ctx.failed(`nodes[${i}].hostKey`) &&
          !ctx.failed(`nodes[${i}].hostKeyPath`),
      ));
  if (installs && c.ssh?.authorizedKeys?.length === 0)
    ctx.add(
      "ssh.authorizedKeys",
      "is empty, but Hearth installs machines (PXE or Hetzner) and plants these keys; add your public key",
    );
};

/** The PXE controller installs the nodes of one LAN. */
export const pxeNeeds: Rule = (ctx) => {
  const { c } = ctx;
  if (c.pxe === undefined) return;
  if (c.nodes?.length === 0 && !ctx.failed("nodes"))
    ctx.add("pxe", `is set but ${NS}:nodes is empty; add the nodes it should install`);
  if (ctx.missing("network"))
    ctx.add("network", "is required with pxe: the controller serves that LAN");
};

/** The PXE controller has its address on the nodes' LAN. */
export const pxeAddressInLan: Rule = (ctx) => {
  const { pxe, network } = ctx.c;
  if (
    pxe?.address !== undefined &&
    network?.cidr !== undefined &&
    !inCidr(pxe.address, network.cidr)
  )
    ctx.add("pxe.address", `${pxe.address} is outside ${NS}:network.cidr ${network.cidr}`);
};
