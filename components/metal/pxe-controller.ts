import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "../shell";
import { RemoteCommand } from "../ssh/remote-command";
import type { Arch, SshConnection } from "../types";
import {
  dnsmasqConfigScript,
  installedScript,
  publicFileScript,
  secretFileScript,
} from "./controller-scripts";
import { imageId } from "./image";
import { waitCommand, waitProgram } from "./node-wait";
import { ControllerPlan, NodePlan, planController, renderInstallFile } from "./pxe-plan";
import type { PxeNodeSpec } from "./spec";

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
 * What it serves and runs is computed by `planController` (pxe-plan.ts); the constructor wires it.
 */
export class PxeController extends pulumi.ComponentResource {
  /** Node name -> the command that completes when the node answers SSH with its pinned host key. */
  public readonly installed: Record<string, pulumi.Resource>;
  /** URL of the iPXE entry script every booting node fetches. */
  public readonly bootUrl: pulumi.Output<string>;

  private readonly commandPrefix: string;
  private readonly connection: ReturnType<typeof toConnection>;

  constructor(name: string, args: PxeControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:metal:PxeController", name, {}, opts);
    this.commandPrefix = name;
    this.connection = toConnection(args.connection);
    const plan = planController(args);
    const setup = this.command({
      suffix: "setup",
      create: plan.setupText,
      triggers: [sha256(plan.setupText)],
    });
    const dnsmasq = this.command({
      suffix: "dnsmasq",
      create: dnsmasqConfigScript(plan.layout),
      triggers: [sha256(plan.dnsmasqConf)],
      dependsOn: [setup],
      stdin: plan.dnsmasqConf,
    });
    const boot = this.command({
      suffix: "boot-script",
      create: publicFileScript(plan.bootPath),
      triggers: [sha256(plan.bootText)],
      dependsOn: [setup],
      stdin: plan.bootText,
    });
    const built = this.buildImages(plan, setup);
    const installed: Record<string, pulumi.Resource> = {};
    for (const nodePlan of plan.nodes) {
      const imageStep = nodePlan.image ? built.get(nodePlan.node.arch) : undefined;
      installed[nodePlan.node.name] = this.installNode(plan, nodePlan, {
        setup: [setup, ...(imageStep ? [imageStep] : [])],
        published: [setup, dnsmasq, boot],
        reach: args.nodeConnections[nodePlan.node.name],
      });
    }

    this.installed = installed;
    this.bootUrl = pulumi.output(plan.bootUrl);
    this.registerOutputs({ bootUrl: this.bootUrl });
  }

  /** One command on the controller, named `<name>-<suffix>` under this component. */
  private command(c: {
    suffix: string;
    create: pulumi.Input<string>;
    triggers: pulumi.Input<unknown>[];
    dependsOn?: pulumi.Resource[];
    stdin?: pulumi.Input<string>;
    secretStdin?: boolean;
    customTimeouts?: pulumi.CustomTimeouts;
  }): RemoteCommand {
    const { connection } = this;
    return new RemoteCommand(
      `${this.commandPrefix}-${c.suffix}`,
      { connection, create: c.create, stdin: c.stdin, triggers: c.triggers },
      {
        parent: this,
        dependsOn: c.dependsOn ?? [],
        customTimeouts: c.customTimeouts,
        ...(c.secretStdin ? { additionalSecretOutputs: ["stdin"] } : {}),
      },
    );
  }

  /**
   * Each node image is built once on the controller (mmdebstrap through the nodes' proxy) and rebuilt only
   * when its inputs change: the id in its trigger is their hash, and the script skips a finished build.
   */
  private buildImages(plan: ControllerPlan, setup: pulumi.Resource): Map<Arch, pulumi.Resource> {
    const built = new Map<Arch, pulumi.Resource>();
    for (const image of plan.images) {
      const step = this.command({
        suffix: `image-${image.spec.arch}`,
        create: image.buildText,
        triggers: [imageId(image.spec)],
        dependsOn: [setup],
        customTimeouts: { create: "60m", update: "60m" },
      });
      step.id.apply(() =>
        pulumi.log.info(`node image ${image.path} is built on the PXE controller`, this),
      );
      built.set(image.spec.arch, step);
    }
    return built;
  }

  /**
   * One node: its install file, its iPXE script, Wake-on-LAN, the wait until it answers SSH with its pinned
   * key, then local boot. Returns the wait.
   */
  private installNode(
    plan: ControllerPlan,
    nodePlan: NodePlan,
    on: { setup: pulumi.Resource[]; published: pulumi.Resource[]; reach: SshConnection },
  ): pulumi.Resource {
    const { node, scriptPath, scriptText, installPath, keptPath, localBootText } = nodePlan;
    const { timeoutMinutes } = plan;
    const installText = pulumi.secret(
      pulumi
        .all([node.hostKey.privateKey, node.hostKey.publicKey])
        .apply(([key, pub]) => renderInstallFile(node, plan.server, key, pub, nodePlan.image)),
    );
    // The install file goes first: a node booting meanwhile never gets a script pointing at nothing.
    const installFile = this.command({
      suffix: `${node.name}-install-file`,
      create: secretFileScript(installPath),
      triggers: [installText.apply(sha256)],
      dependsOn: on.setup,
      stdin: installText,
      secretStdin: true,
    });
    // The install id is in the trigger: a changed name, OS or reinstall setting publishes the install
    // script again after the node was locked to its disk (a respelled disk is not a reinstall).
    const script = this.command({
      suffix: `${node.name}-ipxe`,
      create: publicFileScript(scriptPath),
      triggers: [sha256(scriptText), ...(nodePlan.installId ? [nodePlan.installId] : [])],
      dependsOn: [installFile],
      stdin: scriptText,
    });
    const published = [...on.published, installFile, script];
    // Stage reports. They repeat on later runs, so they state facts rather than "now doing X".
    script.id.apply(() =>
      pulumi.log.info(`${node.name}: install files published on the PXE controller`, this),
    );

    // Triggers carry the install file's id: a re-published install wakes, waits and locks again.
    const waitFor: pulumi.Resource[] = [...published];
    if (nodePlan.wakeText) {
      const woken = this.command({
        suffix: `${node.name}-wake`,
        create: nodePlan.wakeText,
        triggers: [sha256(nodePlan.wakeText), installFile.id],
        dependsOn: published,
      });
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
    const { reach } = on;
    const waitCreate = pulumi
      .all([reach.host, reach.port, reach.user, node.hostKey.publicKey])
      .apply(([host, port, user, hostKey]) =>
        waitCommand({ ...nodePlan.wait, host, port, user, hostKey }),
      );
    const wait = this.command({
      suffix: `${node.name}-wait`,
      create: waitCreate,
      triggers: [pulumi.output(node.hostKey.publicKey).apply(sha256), installFile.id],
      dependsOn: waitFor,
      stdin: waitProgram(),
      // The watcher enforces the install timeout itself and says why; this only bounds a hung connection.
      customTimeouts: { create: `${timeoutMinutes + 10}m`, update: `${timeoutMinutes + 10}m` },
    });
    wait.id.apply(() =>
      pulumi.log.info(`${node.name}: installed, SSH answers with the pinned host key`, this),
    );

    this.command({
      suffix: `${node.name}-installed`,
      create: installedScript(scriptPath, installPath, keptPath),
      triggers: [sha256(localBootText), installFile.id, script.id, wait.id],
      dependsOn: [wait, script],
      stdin: localBootText,
    });
    return wait;
  }
}
