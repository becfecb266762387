/**
 * The volumes of the real nodes' pods. kwok's volume stages bind every claim of the default StorageClass to a
 * hostPath PersistentVolume under /tmp/kwok-local-path-provisioner/, which a real kubelet creates as root, 0755
 * (`DirectoryOrCreate`), where an app running as its own user cannot write, and `fsGroup` does not apply to
 * hostPath. k3s's local-path provisioner, which a home's claims get, makes each volume's directory 0777 before
 * the pod mounts it; this does the same: it watches PersistentVolumes and makes each such directory, 0777, as
 * soon as the volume exists (and fixes one the kubelet made first). `down` removes the directories it made, so
 * the host is left as it was.
 */
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BIN } from "./files";

/** Where kwok's pvc-provision stage puts every volume (share/kwok/stages/pvc-provision.yaml). */
export const PROVISIONER_ROOT = "/tmp/kwok-local-path-provisioner";

/** The list of directories made, one per line, for `down`. */
const made = (dir: string) => join(dir, "real-volumes.txt");

/** Makes one volume's directory writable by any pod user; true when PATH is one of the provisioner's. */
export function prepareVolume(dir: string, path: string): boolean {
  if (!/^\/tmp\/kwok-local-path-provisioner\/pvc-[0-9a-f-]+$/.test(path)) return false;
  const fresh = !existsSync(path);
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
  if (fresh || !readList(dir).includes(path)) appendFileSync(made(dir), `${path}\n`);
  return true;
}

function readList(dir: string): string[] {
  return existsSync(made(dir)) ? readFileSync(made(dir), "utf8").split("\n").filter(Boolean) : [];
}

/** Watches PersistentVolumes until killed, restarting the watch when the API server goes away. */
export function watchVolumes(dir: string): void {
  const start = () => {
    const watch = spawn(
      join(BIN, "kubectl"),
      [
        ...["--kubeconfig", join(dir, "kubeconfig"), "get", "persistentvolumes", "--watch"],
        ...["-o", "jsonpath={.spec.hostPath.path}{'\\n'}"],
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let rest = "";
    watch.stdout.setEncoding("utf8");
    watch.stdout.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const path of lines)
        if (prepareVolume(dir, path.trim())) console.log(`volume ${path.trim()}: 0777`);
    });
    watch.on("exit", () => setTimeout(start, 1000));
  };
  start();
}

/** Removes the directories the watch made (their data goes with the sandbox, as its state directory does). */
export function removeVolumes(dir: string): void {
  for (const path of readList(dir))
    if (path.startsWith(`${PROVISIONER_ROOT}/pvc-`)) rmSync(path, { recursive: true, force: true });
  rmSync(made(dir), { force: true });
}
