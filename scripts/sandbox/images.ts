/**
 * The container images the sandbox's real nodes run, as scripts/toolchain/images/build-images.sh writes them:
 * each an OCI archive in the cache, loaded into a node's containerd under `hearth.local/<name>:<version>`.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const cache = process.env.HEARTH_CACHE ?? join(process.env.HOME ?? "/root", ".cache/hearth");

/** One image: its name in the nodes' containerd and its archive in the cache. */
export interface SandboxImage {
  ref: string;
  archive: string;
}

function image(name: string, version: string): SandboxImage {
  return {
    ref: `hearth.local/${name}:${version}`,
    archive: join(cache, "images", `${name}-${version}.tar`),
  };
}

/** The busybox package's version, as the tools image is tagged. */
function busyboxVersion(): string {
  try {
    const v = execFileSync("dpkg-query", ["-W", "-f=${Version}", "busybox-static"], {
      encoding: "utf8",
    });
    return v.replace(/^\d+:/, "").replace(/[+~:]/g, "-");
  } catch {
    return "unknown";
  }
}

/** The images, by name. */
export const images: Record<string, SandboxImage> = {
  pause: image("pause", "3.10-hearth"),
  tools: image("tools", busyboxVersion()),
  traefik: image("traefik", "v3.6.12"),
  "victoria-metrics": image("victoria-metrics", "v1.150.0"),
  vmalert: image("vmalert", "v1.150.0"),
  "blackbox-exporter": image("blackbox-exporter", "v0.28.0"),
  "kube-state-metrics": image("kube-state-metrics", "v2.20.0"),
  coredns: image("coredns", "v1.14.3"),
};
