/**
 * The run's node on the lab's LAN, described as a stack would (`PxeNodeSpec`), and Hearth's own
 * controller plan for it (`planController`): what the controller serves and the node installs.
 */
import { planController } from "../../../components/metal/pxe-plan";
import { Installer, PxeNodeSpec } from "../../../components/metal/spec";
import {
  CIDR,
  CONTROLLER,
  HTTP_PORT,
  MAC,
  NODE_IP,
  PROXY_PORT,
  ROUTER,
  TIMEOUT_MINUTES,
} from "./lab";

/** The node as the stack would describe it, and the controller plan Hearth would deploy for it. */
export function planFor(
  hostKey: { privateKey: string; publicKey: string },
  operatorPublic: string,
  installer: Installer,
  disk = "/dev/vda",
) {
  const node: PxeNodeSpec = {
    name: "metal-vm",
    mac: MAC,
    ip: NODE_IP,
    network: { cidr: CIDR, gateway: ROUTER, dns: [ROUTER] },
    disk,
    arch: "amd64",
    os: "debian",
    installer,
    sshUser: "hearth",
    authorizedKeys: [operatorPublic],
    hostKey,
    timezone: "Europe/Paris",
    packages: ["htop"],
    selinux: "enforcing",
    wakeOnLan: false,
    mirrors: {
      debian: { host: "deb.debian.org", directory: "/debian" },
      fedora: "http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything",
    },
    proxy: `http://${ROUTER}:${PROXY_PORT}/`,
    serialConsole: "ttyS0,115200n8",
  };
  const plan = planController({
    connection: {
      host: CONTROLLER,
      port: 22,
      user: "root",
      privateKey: "unused",
      hostKey: "unused",
    },
    serverAddress: CONTROLLER,
    network: CIDR,
    interface: "br0",
    httpPort: HTTP_PORT,
    nodes: [node],
    nodeConnections: {
      [node.name]: {
        host: NODE_IP,
        port: 22,
        user: "hearth",
        privateKey: "unused",
        hostKey: hostKey.publicKey,
      },
    },
    installTimeoutMinutes: TIMEOUT_MINUTES,
  });
  return { node, plan };
}
