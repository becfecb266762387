import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../ssh/remote-command";
import type { Arch, SshConnection } from "../types";
import {
  ControllerLayout,
  controllerLayout,
  HTTP_USER,
  dnsmasqConfigScript,
  installedScript,
  publicFileScript,
  secretFileScript,
  setupScript,
} from "./controller-scripts";
import { controllerSettingsProblems } from "./controller-checks";
import { renderDnsmasqConfig } from "./dnsmasq";
import { parseCidr } from "./net";
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
import { sha256 } from "./shell";
import {
  BootServer,
  PxeNodeSpec,
  installFileName,
  installerOf,
  macFileStem,
  serverUrl,
  validateInstallSpec,
} from "./spec";
import { waitCommand, waitProgram } from "./node-wait";
import {
  ImageSpec,
  imageId,
  imagePath,
  imageSpecFor,
  installId,
  legacyInstallId,
  renderImageBuildScript,
  renderImageNodeScript,
  renderInstallPlan,
} from "./image";
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
    images,
    nodes: args.nodes.map((node) => {
      const image = imageOf(node);
      return {
        node,
        scriptPath: `${layout.nodesDir}/${macFileStem(node.mac)}.ipxe`,
        scriptText: image
          ? renderImageNodeScript(node, server, image)
          : renderNodeScript(node, server),
        installPath: `${layout.nodesDir}/${installFileName(node)}`,
        keptPath: `${layout.keptDir}/${installFileName(node)}`,
        localBootText: renderLocalBootScript(node),
        ...(image ? { image, installId: installId(node) } : {}),
      };
    }),
  };
}

/** `RemoteCommand`'s connection for an SSH handle, with the private key kept secret. */
function toConnection(c: SshConnection) {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    privateKey: pulumi.secret(c.privateKey),
    hostKey: c.hostKey,
  };
}

export interface PxeControllerArgs {
  /** SSH connection to the controller host, a Debian or Ubuntu machine on the nodes' LAN. */
  connection: SshConnection;
  /** The controller's address on the LAN; boot scripts point here. */
  serverAddress: string;
  /** The LAN as an IPv4 CIDR; every node must be on it. */
  network: string;
  /** LAN interface dnsmasq answers on. @default the interface that holds `serverAddress` */
  interface?: string;
  /** Port of the HTTP server for boot scripts and install files. @default 8080 */
  httpPort?: number;
  /** Directory on the controller for the TFTP root, HTTP root and dnsmasq.conf. @default "/srv/hearth" */
  rootDir?: string;
  /** Machines to install; `hostKey.privateKey` should be a secret. */
  nodes: PxeNodeSpec[];
  /** How to reach each node (by name) once installed; the host key is replaced by the node's pinned one. */
  nodeConnections: Record<string, SshConnection>;
  /** How long to wait for one node's install before failing. @default 60 */
  installTimeoutMinutes?: number;
}

/**
 * A PXE controller on an existing Linux host: it builds the node images, dnsmasq proxy-DHCP + TFTP chain-loads
 * iPXE, a small HTTP server hands each configured MAC its install script and install file (image plan,
 * preseed or kickstart), Wake-on-LAN starts the machines, and a wait per node finishes once the node answers SSH with its pinned host key. After that the node's
 * script boots its disk and its install file (which holds the host private key) is removed, so a later network
 * boot never reinstalls it. Machines should boot disk first, network second: a blank disk falls through to PXE.
 */
export class PxeController extends pulumi.ComponentResource {
  /** Node name -> the command that completes when the node answers SSH with its pinned host key. */
  public readonly installed: Record<string, pulumi.Resource>;
  /** URL of the iPXE entry script every booting node fetches. */
  public readonly bootUrl: pulumi.Output<string>;

  constructor(name: string, args: PxeControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:metal:PxeController", name, {}, opts);
    const plan = planController(args);
    const { server, layout } = plan;
    const timeoutMinutes = args.installTimeoutMinutes ?? 60;
    const connection = toConnection(args.connection);
    const onController = (
      suffix: string,
      create: pulumi.Input<string>,
      triggers: pulumi.Input<unknown>[],
      dependsOn: pulumi.Resource[],
      stdin?: pulumi.Input<string>,
      secretStdin = false,
      customTimeouts?: pulumi.CustomTimeouts,
    ) =>
      new RemoteCommand(
        `${name}-${suffix}`,
        { connection, create, stdin, triggers },
        {
          parent: this,
          dependsOn,
          customTimeouts,
          ...(secretStdin ? { additionalSecretOutputs: ["stdin"] } : {}),
        },
      );

    const setup = onController("setup", plan.setupText, [sha256(plan.setupText)], []);
    const dnsmasq = onController(
      "dnsmasq",
      dnsmasqConfigScript(layout),
      [sha256(plan.dnsmasqConf)],
      [setup],
      plan.dnsmasqConf,
    );
    const boot = onController(
      "boot-script",
      publicFileScript(plan.bootPath),
      [sha256(plan.bootText)],
      [setup],
      plan.bootText,
    );

    // Each node image is built once on the controller (mmdebstrap through the nodes' proxy) and rebuilt only
    // when its inputs change: the id in its trigger is their hash, and the script skips a finished build.
    const built = new Map<Arch, pulumi.Resource>();
    for (const image of plan.images) {
      const step = onController(
        `image-${image.spec.arch}`,
        image.buildText,
        [imageId(image.spec)],
        [setup],
        undefined,
        false,
        { create: "60m", update: "60m" },
      );
      step.id.apply(() =>
        pulumi.log.info(`node image ${image.path} is built on the PXE controller`, this),
      );
      built.set(image.spec.arch, step);
    }

    const broadcast = parseCidr(args.network).broadcast;
    const installed: Record<string, pulumi.Resource> = {};
    for (const nodePlan of plan.nodes) {
      const { node, scriptPath, scriptText, installPath, keptPath, localBootText } = nodePlan;
      const prefix = node.name;
      const imageStep = nodePlan.image ? built.get(node.arch) : undefined;
      const installText = pulumi.secret(
        pulumi
          .all([node.hostKey.privateKey, node.hostKey.publicKey])
          .apply(([key, pub]) => renderInstallFile(node, server, key, pub, nodePlan.image)),
      );
      // The install file goes first: a node booting meanwhile never gets a script pointing at nothing.
      const installFile = onController(
        `${prefix}-install-file`,
        secretFileScript(installPath),
        [installText.apply(sha256)],
        [setup, ...(imageStep ? [imageStep] : [])],
        installText,
        true,
      );
      // The install id is in the trigger: a changed name, OS or reinstall setting publishes the install
      // script again after the node was locked to its disk (a respelled disk is not a reinstall).
      const script = onController(
        `${prefix}-ipxe`,
        publicFileScript(scriptPath),
        [sha256(scriptText), ...(nodePlan.installId ? [nodePlan.installId] : [])],
        [installFile],
        scriptText,
      );
      const published = [setup, dnsmasq, boot, installFile, script];
      // Stage reports. They repeat on later runs, so they state facts rather than "now doing X".
      script.id.apply(() =>
        pulumi.log.info(`${node.name}: install files published on the PXE controller`, this),
      );

      // Triggers carry the install file's id: a re-published install wakes, waits and locks again.
      const waitFor: pulumi.Resource[] = [...published];
      if (node.wakeOnLan) {
        const wake = wakeCommand(node.mac, broadcast);
        const woken = onController(
          `${prefix}-wake`,
          wake,
          [sha256(wake), installFile.id],
          published,
        );
        woken.id.apply(() =>
          pulumi.log.info(
            `${node.name}: Wake-on-LAN sent; waiting up to ${timeoutMinutes} minutes for SSH after the install`,
            this,
          ),
        );
        waitFor.push(woken);
      } else {
        script.id.apply(() =>
          pulumi.log.info(
            `${node.name}: wakeOnLan is off, power it on to install; waiting up to ${timeoutMinutes} minutes for SSH`,
            this,
          ),
        );
      }

      // The controller follows the install from its own logs (proxy-DHCP, boot script, install file) and dials
      // the node until it answers with the pinned key. Its progress lines are the command's output; on a
      // timeout it fails naming the last stage, and on another host key after the install began it stops at
      // once, so nothing that depends on the node ever runs against the wrong machine.
      const reach = args.nodeConnections[node.name];
      const waitCreate = pulumi
        .all([reach.host, reach.port, reach.user, node.hostKey.publicKey])
        .apply(([host, port, user, hostKey]) =>
          waitCommand({
            name: node.name,
            mac: node.mac,
            installFile: installFileName(node),
            host,
            port,
            user,
            hostKey,
            timeoutMinutes,
            republish: { served: installPath, kept: keptPath, owner: HTTP_USER },
            ...(nodePlan.installId
              ? {
                  install: {
                    id: nodePlan.installId,
                    nodesDir: layout.nodesDir,
                    alsoAccept: [legacyInstallId(node)],
                  },
                }
              : {}),
          }),
        );
      const wait = onController(
        `${prefix}-wait`,
        waitCreate,
        [pulumi.output(node.hostKey.publicKey).apply(sha256), installFile.id],
        waitFor,
        waitProgram(),
        false,
        // The watcher enforces the install timeout itself and says why; this only bounds a hung connection.
        { create: `${timeoutMinutes + 10}m`, update: `${timeoutMinutes + 10}m` },
      );
      wait.id.apply(() =>
        pulumi.log.info(`${node.name}: installed, SSH answers with the pinned host key`, this),
      );
      installed[node.name] = wait;

      onController(
        `${prefix}-installed`,
        installedScript(scriptPath, installPath, keptPath),
        [sha256(localBootText), installFile.id, script.id, wait.id],
        [wait, script],
        localBootText,
      );
    }

    this.installed = installed;
    this.bootUrl = pulumi.output(`${serverUrl(server)}/boot.ipxe`);
    this.registerOutputs({ bootUrl: this.bootUrl });
  }
}
