/**
 * The questions of `npm run init` about the machines: the LAN, the PXE controller and each machine of a metal
 * home, or the location and servers of a Hetzner one, and the SSH login both use.
 */
import { Answers, countOf, defaultRole, hostIn, InitEnv, Question } from "./answers";

const ROLES = ["server", "agent"] as const;

/** The LAN, the PXE controller and each machine of a home installed over the network. */
export function metalQuestions(a: Answers): Question[] {
  const lan = a.lan;
  const q: Question[] = [
    {
      id: "lan",
      prompt: "Your LAN",
      help: "the network your machines are on, in CIDR form",
      kind: "text",
      default: "192.168.1.0/24",
      paths: ["hearth:network.cidr"],
    },
    {
      id: "gateway",
      prompt: "Its router",
      help: "the LAN's default gateway",
      kind: "text",
      default: hostIn(lan, 1),
      paths: ["hearth:network.gateway"],
      owns: ["hearth:network"],
    },
    {
      id: "pxe",
      prompt: "PXE controller's address",
      help: "a small always-on Linux machine on the LAN that installs the others over the network; Hearth logs in to it over SSH",
      kind: "text",
      default: hostIn(lan, 2),
      paths: ["hearth:pxe.address", "hearth:pxe.host"],
      owns: ["hearth:pxe"],
    },
    {
      id: "pxe-host-key",
      prompt: "PXE controller's SSH host key",
      help: `pinned, so Hearth never talks to another machine: run ssh-keyscan -t ed25519 ${a.pxe ?? "<address>"} and paste from "ssh-ed25519" on`,
      kind: "text",
      paths: ["hearth:pxe.hostKey"],
    },
    {
      id: "nodes",
      prompt: "How many machines",
      help: "each is wiped and installed; 1, 3 or 5 of them run the control plane",
      kind: "text",
      default: "3",
      paths: [],
      owns: ["hearth:nodes", "hearth:cluster.mode"],
      count: { min: 1, max: 50, what: "machines" },
    },
  ];
  const n = countOf(a.nodes);
  for (let i = 1; i <= n; i++) {
    const at = `hearth:nodes[${i - 1}]`;
    q.push(
      {
        id: `node${i}-name`,
        prompt: `Machine ${i}: host name`,
        kind: "text",
        default: `node${i}`,
        paths: [`${at}.name`],
      },
      {
        id: `node${i}-mac`,
        prompt: `Machine ${i}: MAC address`,
        help: "of the network card that boots from the network, e.g. 52:54:00:12:34:56",
        kind: "text",
        paths: [`${at}.mac`],
      },
      {
        id: `node${i}-ip`,
        prompt: `Machine ${i}: address`,
        help: "a static IPv4 address in the LAN, or dhcp",
        kind: "text",
        default: hostIn(lan, 10 + i),
        paths: [`${at}.ip`, `${at}.dhcp`],
      },
      {
        id: `node${i}-role`,
        prompt: `Machine ${i}: role`,
        help: "server runs the control plane and etcd; agent runs workloads",
        kind: "choice",
        choices: ROLES,
        default: defaultRole(i, n),
        paths: [`${at}.role`],
      },
      {
        id: `node${i}-disk`,
        prompt: `Machine ${i}: disk to wipe and install onto`,
        kind: "text",
        default: "/dev/sda",
        paths: [`${at}.disk`],
        owns: [`${at}.installer`],
      },
    );
  }
  return q;
}

/** The location and each server of a home rented from Hetzner Cloud, and its API token. */
export function hetznerQuestions(a: Answers): Question[] {
  const q: Question[] = [
    {
      id: "hetzner-location",
      prompt: "Hetzner location",
      help: "fsn1, nbg1, hel1, ash, hil or sin",
      kind: "text",
      default: "fsn1",
      paths: ["hearth:hetzner.location"],
    },
    {
      id: "servers",
      prompt: "How many servers",
      help: "1, 3 or 5 of them run the control plane",
      kind: "text",
      default: "3",
      paths: [],
      owns: ["hearth:hetzner.servers", "hearth:cluster.mode"],
      count: { min: 1, max: 50, what: "servers" },
    },
  ];
  const n = countOf(a.servers);
  for (let i = 1; i <= n; i++) {
    const at = `hearth:hetzner.servers[${i - 1}]`;
    q.push(
      {
        id: `server${i}-name`,
        prompt: `Server ${i}: host name`,
        kind: "text",
        default: `node${i}`,
        paths: [`${at}.name`],
      },
      {
        id: `server${i}-role`,
        prompt: `Server ${i}: role`,
        kind: "choice",
        choices: ROLES,
        default: defaultRole(i, n),
        paths: [`${at}.role`],
      },
      {
        id: `server${i}-type`,
        prompt: `Server ${i}: server type`,
        kind: "text",
        default: "cx22",
        paths: [`${at}.serverType`],
      },
    );
  }
  q.push({
    id: "hcloud-token",
    prompt: "Hetzner Cloud API token",
    help: "read and write, from the Hetzner Cloud console's Security page",
    kind: "secret",
    paths: ["hearth:hcloudToken"],
  });
  return q;
}

/** The SSH login Hearth plants on every machine it installs or rents. */
export function sshQuestions(env: InitEnv): Question[] {
  return [
    {
      id: "ssh-public-key",
      prompt: "Your SSH public key",
      help: "planted on every machine for the login user hearth; one line such as ssh-ed25519 AAAA... you@laptop",
      kind: "text",
      default: env.readFile(`${env.home}/.ssh/id_ed25519.pub`)?.trim() || undefined,
      paths: [],
      prefixes: ["hearth:ssh.authorizedKeys"],
      owns: ["hearth:ssh"],
    },
    {
      id: "ssh-private-key",
      prompt: "File of its private key",
      help: "Hearth signs in with it; it is stored as a secret of the stack",
      kind: "secret-file",
      default: "~/.ssh/id_ed25519",
      paths: ["hearth:sshPrivateKey"],
    },
  ];
}
