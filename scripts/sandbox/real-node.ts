/**
 * A real Kubernetes node in the sandbox: containerd, the kubelet and kube-proxy run in a sandbox node's network
 * namespace (`hearth-sb-<node>`), with every file under the sandbox directory, so its pods really run, from
 * images built here (scripts/toolchain/images). `scripts/sandbox.sh` calls it; the rest of the sandbox is still
 * that script (docs/sandbox.md).
 *
 *   ts-node scripts/sandbox/real-node.ts check                 why this host cannot run pods, or nothing
 *   ts-node scripts/sandbox/real-node.ts up <dir> <node>...     starts each node's runtime, kubelet and proxy
 *   ts-node scripts/sandbox/real-node.ts down <dir> <node>...   stops them, their pods and what they changed
 *   ts-node scripts/sandbox/real-node.ts dns <dir>              the cluster's DNS (CoreDNS) on the real nodes, Ready
 *   ts-node scripts/sandbox/real-node.ts volumes <dir>          watches volumes and makes their directories (runs until killed)
 *
 * What stays on the host and how `down` puts it back: processes (in the cgroup `hearth-sandbox/<node>` of every
 * mounted hierarchy, killed and removed), mounts (under the sandbox directory, unmounted by sandbox.sh), the route to each
 * node's pod network (deleted), the kernel settings the kubelet insists on (`kernel.panic`,
 * `kernel.panic_on_oops`, `vm.overcommit_memory`: recorded before, restored after), the host paths its programs make
 * whatever they are told (`HOST_PATHS`: removed when they were not there before), and the volume directories.
 *
 * This file is the command and the API; the parts are in real-node/: files.ts (the files a node runs with),
 * host.ts (the host's checks, cgroups and kernel settings), lifecycle.ts (`up` and `down`).
 */
import { existsSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { images } from "./images";
import { clusterDnsUp, sandboxLan } from "./real-node/dns";
import { removeVolumes, watchVolumes } from "./real-node/volumes";
import { hierarchies, removeHostPaths, whyNot } from "./real-node/host";
import { nodeDown, nodeUp } from "./real-node/lifecycle";

export {
  API_PORT,
  BRIDGE_ADDR,
  KUBELET_SYSCTLS,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  nodeKubeconfig,
  nodeNumber,
  pathsOf,
  proxyConfig,
} from "./real-node/files";
export { whyNot } from "./real-node/host";
export { nodeDown, nodeUp } from "./real-node/lifecycle";

async function main(argv: string[]): Promise<number> {
  const [cmd, dir, ...nodes] = argv;
  if (cmd === "check") {
    const why = whyNot();
    if (why) console.log(why);
    return why ? 1 : 0;
  }
  if (cmd === "volumes" && dir) {
    watchVolumes(dir);
    return new Promise<number>(() => undefined);
  }
  if (cmd === "dns" && dir) {
    const image = images.coredns;
    if (!existsSync(image.archive))
      throw new Error(
        `the cluster DNS (CoreDNS) needs the image ${image.ref} (${image.archive}): run scripts/toolchain/images/build-images.sh coredns`,
      );
    await clusterDnsUp(dir, image.ref, sandboxLan(join(__dirname, "../..")));
    return 0;
  }
  if ((cmd === "up" || cmd === "down") && dir && nodes.length > 0) {
    for (const node of nodes) {
      if (cmd === "up") await nodeUp(dir, node);
      else nodeDown(dir, node);
    }
    if (cmd === "down") {
      removeVolumes(dir);
      removeHostPaths(dir);
      // The cgroup parent goes when the last node is down.
      for (const h of hierarchies())
        try {
          rmdirSync(join("/sys/fs/cgroup", h, "hearth-sandbox"));
        } catch {
          // another node's, or never made
        }
    }
    return 0;
  }
  console.error("usage: real-node.ts check | up|down <dir> <node>... | dns <dir> | volumes <dir>");
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`real-node: ${e.message}`);
      process.exit(1);
    },
  );
}
