/**
 * What a PXE controller serves and runs, computed before any resource exists (as hcloud-plan.ts is for the
 * Hetzner fleet): the checks of its arguments, every file and script it publishes, the node images it builds,
 * and per node the Wake-on-LAN command and what its wait knows. `PxeController` only wires these into
 * commands; `npm run test:metal` deploys the same plan by hand.
 */
import type { Arch } from "../types";
import { ControllerLayout, controllerLayout, HTTP_USER, setupScript } from "./controller-scripts";
import { controllerSettingsProblems } from "./controller-checks";
import { renderDnsmasqConfig } from "./dnsmasq";
import { parseCidr } from "../net";
import {
  debianInstallerDir,
  debianNetbootBase,
  installedReportUrl,
  renderBootScript,
  renderLocalBootScript,
  renderNodeScript,
} from "./ipxe";
import { renderKickstart } from "./kickstart";
import { renderPreseed } from "./preseed";
import {
  BootServer,
  PxeNodeSpec,
  installFileName,
  installerOf,
  macFileStem,
  serverUrl,
} from "./spec";
import { validateInstallSpec } from "./spec-checks";
import type { NodeWaitSpec } from "./node-wait";
import {
  ImageSpec,
  imagePath,
  imageSpecFor,
  installId,
  legacyInstallId,
  renderImageBuildScript,
  renderImageNodeScript,
  renderInstallPlan,
} from "./image";
import type { PxeControllerArgs } from "./pxe-controller";
import { wakeCommand } from "./wol";

/** Checks what the renderers cannot see alone: nodes against each other and against the controller. */
export function validateControllerArgs(args: PxeControllerArgs): void {
  const problems = controllerSettingsProblems(args).map((p) => `${p.field} ${p.message}`);
  if (args.nodes.length === 0) problems.push("no nodes: add at least one metal node to install");
  const names = new Set<string>();
  const macs = new Set<string>();
  for (const node of args.nodes) {
    if (names.has(node.name)) problems.push(`node name "${node.name}" is used twice`);
    if (macs.has(node.mac)) problems.push(`MAC ${node.mac} is given to two nodes`);
    names.add(node.name);
    macs.add(node.mac);
    if (node.network.cidr !== args.network) {
      problems.push(
        `node "${node.name}" is on ${node.network.cidr} but the controller answers PXE on ${args.network}`,
      );
    }
    const reach = args.nodeConnections[node.name];
    if (!reach) {
      problems.push(`node "${node.name}" has no entry in nodeConnections to wait for its install`);
    } else if (
      typeof reach.hostKey === "string" &&
      typeof node.hostKey.publicKey === "string" &&
      !sameKey(reach.hostKey, node.hostKey.publicKey)
    ) {
      problems.push(
        `node "${node.name}": nodeConnections pins a host key other than the node's hostKey`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(`PXE controller cannot be set up:\n  - ${problems.join("\n  - ")}`);
  }
  // A host key generated in this run is unknown until created; `renderInstallFile` checks it then.
  args.nodes.forEach((node) => {
    if (typeof node.hostKey.publicKey === "string")
      validateInstallSpec({
        ...node,
        hostKey: { ...node.hostKey, publicKey: node.hostKey.publicKey },
      });
    else
      validateInstallSpec({ ...node, hostKey: { ...node.hostKey, publicKey: KNOWN_LATER } }, [
        "hostKey.publicKey",
      ]);
  });
}

/** Stands in for a public key that is only known once generated; its check is skipped until then. */
const KNOWN_LATER = "";

/** Whether two public key lines hold the same key (type and data; comments may differ). */
function sameKey(a: string, b: string): boolean {
  return (
    a.trim().split(/\s+/).slice(0, 2).join(" ") === b.trim().split(/\s+/).slice(0, 2).join(" ")
  );
}

/**
 * Renders a node's install file (the image installer's plan, a preseed or a kickstart) once its private key
 * is known. The installer reports the end of the install to the controller, where the node's wait reads it.
 * An image install needs the image its node boots (`NodePlan.image`).
 */
export function renderInstallFile(
  node: PxeNodeSpec,
  server: BootServer,
  privateKey: string,
  publicKey: string,
  image?: ImageSpec,
): string {
  const plain = {
    ...node,
    hostKey: { publicKey, privateKey },
    reportUrl: installedReportUrl(node, server),
  };
  validateInstallSpec(plain);
  const kind = installerOf(node);
  if (kind === "image") {
    if (!image) throw new Error(`metal node "${node.name}": an image install needs its image`);
    return renderInstallPlan(plain, server, image);
  }
  return kind === "debian-installer" ? renderPreseed(plain) : renderKickstart(plain);
}

/** One node's files on the controller. */
export interface NodePlan {
  node: PxeNodeSpec;
  /** The node's iPXE script, named after its MAC. */
  scriptPath: string;
  scriptText: string;
  /** Its install file: the image plan, preseed or kickstart (rendered with `renderInstallFile` once the host key is known). */
  installPath: string;
  /** Root's copy of the install file, outside the HTTP root, which a retried wait serves again. */
  keptPath: string;
  /** The script that replaces `scriptText` once the node is installed: boot from disk. */
  localBootText: string;
  /** Image installs: the image the node boots and the plan's install id. */
  image?: ImageSpec;
  installId?: string;
  /** The command that broadcasts its Wake-on-LAN packet; none when `wakeOnLan` is off. */
  wakeText?: string;
  /** What the controller's wait knows before the node's address and pinned key are resolved. */
  wait: Omit<NodeWaitSpec, "host" | "port" | "user" | "hostKey">;
}

/** One node image the controller builds and serves. */
export interface ImagePlan {
  spec: ImageSpec;
  /** Its directory under the HTTP root. */
  path: string;
  /** The controller's build script (does nothing when the same build is there). */
  buildText: string;
}

/** Everything the controller serves and runs, before any key is known: what `PxeController` deploys. */
export interface ControllerPlan {
  server: BootServer;
  layout: ControllerLayout;
  setupText: string;
  dnsmasqConf: string;
  bootText: string;
  /** Where the boot script lives under the HTTP root. */
  bootPath: string;
  /** The node images, one per architecture of the image-installed nodes. */
  images: ImagePlan[];
  nodes: NodePlan[];
  /** Minutes one node's install may take before its wait fails. */
  timeoutMinutes: number;
  /** URL of the iPXE entry script every booting node fetches. */
  bootUrl: string;
}

/** Checks the arguments and renders every controller file and script; pure, so tests deploy exactly this. */
export function planController(args: PxeControllerArgs): ControllerPlan {
  validateControllerArgs(args);
  const server: BootServer = { serverAddress: args.serverAddress, httpPort: args.httpPort ?? 8080 };
  const layout = controllerLayout(args.rootDir ?? "/srv/hearth");
  // One Debian installer per architecture; the first Debian node of each names the mirror fallback.
  const debianByArch = new Map<Arch, PxeNodeSpec>();
  const imageNodes = new Map<Arch, PxeNodeSpec[]>();
  for (const n of args.nodes) {
    const kind = installerOf(n);
    if (kind === "debian-installer" && !debianByArch.has(n.arch)) debianByArch.set(n.arch, n);
    if (kind === "image") imageNodes.set(n.arch, [...(imageNodes.get(n.arch) ?? []), n]);
  }
  const images: ImagePlan[] = [...imageNodes].map(([arch, nodes]) => {
    const spec = imageSpecFor(arch, nodes);
    return {
      spec,
      path: imagePath(spec),
      buildText: renderImageBuildScript(spec, layout.httpRoot),
    };
  });
  const imageOf = (n: PxeNodeSpec) => images.find((i) => i.spec.arch === n.arch)?.spec;
  const timeoutMinutes = args.installTimeoutMinutes ?? 60;
  const broadcast = parseCidr(args.network).broadcast;
  const debianInstallers = [...debianByArch].map(([arch, n]) => ({
    arch,
    dir: debianInstallerDir(arch),
    mirrorBase: debianNetbootBase(n),
  }));
  return {
    server,
    layout,
    setupText: setupScript({
      layout,
      serverAddress: server.serverAddress,
      httpPort: server.httpPort,
      needsArm64: args.nodes.some((n) => n.arch === "arm64"),
      debianInstallers,
    }),
    dnsmasqConf: renderDnsmasqConfig({
      ...server,
      interface: args.interface,
      network: args.network,
      tftpRoot: layout.tftpRoot,
      macs: args.nodes.map((n) => n.mac),
    }),
    bootText: renderBootScript(server),
    bootPath: `${layout.httpRoot}/boot.ipxe`,
    bootUrl: `${serverUrl(server)}/boot.ipxe`,
    images,
    timeoutMinutes,
    nodes: args.nodes.map((node) => {
      const image = imageOf(node);
      const id = image ? installId(node) : undefined;
      return {
        node,
        scriptPath: `${layout.nodesDir}/${macFileStem(node.mac)}.ipxe`,
        scriptText: image
          ? renderImageNodeScript(node, server, image)
          : renderNodeScript(node, server),
        installPath: `${layout.nodesDir}/${installFileName(node)}`,
        keptPath: `${layout.keptDir}/${installFileName(node)}`,
        localBootText: renderLocalBootScript(node),
        ...(image ? { image, installId: id } : {}),
        ...(node.wakeOnLan ? { wakeText: wakeCommand(node.mac, broadcast) } : {}),
        wait: {
          name: node.name,
          mac: node.mac,
          installFile: installFileName(node),
          timeoutMinutes,
          republish: {
            served: `${layout.nodesDir}/${installFileName(node)}`,
            kept: `${layout.keptDir}/${installFileName(node)}`,
            owner: HTTP_USER,
          },
          ...(id
            ? {
                install: {
                  id,
                  nodesDir: layout.nodesDir,
                  alsoAccept: [legacyInstallId(node)],
                },
              }
            : {}),
        },
      };
    }),
  };
}
