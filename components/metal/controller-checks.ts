/**
 * The PXE controller's own settings, checked before anything is created: by `PxeController` and, on the
 * config as the program hands it over, by config validation.
 */
import { rootDirProblem } from "./controller-scripts";
import { interfaceProblem } from "./dnsmasq";
import { isHostIn, parseCidr } from "../net";

/** The controller settings that do not depend on the nodes. */
export interface ControllerSettings {
  /** The controller's address on the LAN. */
  serverAddress: string;
  /** The LAN as an IPv4 CIDR. */
  network: string;
  /** LAN interface dnsmasq answers on. @default every interface */
  interface?: string;
  /** Port of the install-file HTTP server. @default 8080 */
  httpPort?: number;
  /** Where boot and install files live. @default "/srv/hearth" */
  rootDir?: string;
  /** How long to wait for a node's install. @default 60 */
  installTimeoutMinutes?: number;
}

/** One problem of the controller's settings: the field, and what is wrong with its value. */
export interface ControllerProblem {
  field: keyof ControllerSettings;
  /** Without the field's name, e.g. `8080000 is not a TCP port`. */
  message: string;
}

/** Every problem of the controller's settings. */
export function controllerSettingsProblems(s: ControllerSettings): ControllerProblem[] {
  const out: ControllerProblem[] = [];
  let network = true;
  try {
    parseCidr(s.network);
  } catch (e) {
    network = false;
    out.push({ field: "network", message: (e as Error).message });
  }
  if (network && !isHostIn(s.network, s.serverAddress)) {
    out.push({
      field: "serverAddress",
      message: `${s.serverAddress} is not a host address in ${s.network} (inside it, neither its network nor its broadcast address)`,
    });
  }
  const port = s.httpPort ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    out.push({ field: "httpPort", message: `${port} is not a TCP port` });
  }
  if ((s.installTimeoutMinutes ?? 60) <= 0)
    out.push({ field: "installTimeoutMinutes", message: "must be positive" });
  const root = rootDirProblem(s.rootDir ?? "/srv/hearth");
  if (root) out.push({ field: "rootDir", message: root });
  const iface = s.interface === undefined ? undefined : interfaceProblem(s.interface);
  if (iface) out.push({ field: "interface", message: iface });
  return out;
}
