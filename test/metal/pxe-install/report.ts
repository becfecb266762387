/**
 * The run's figures for the bench (figures.json), and the stage times read from the controller's HTTP
 * log: when each stage of a machine's install began and ended, the slowest, and the bytes served.
 */
import { NODE_IP } from "./lab";

/** Figures of this run, written to figures.json for the bench. */
export const figures: {
  imageBuild?: { seconds: number; cached: boolean };
  runs: Record<string, unknown>[];
} = { runs: [] };

/** Lines of the controller's HTTP log from `since` (epoch ms) on, with their time and the parts that matter. */
function httpEntries(log: string, since: number) {
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  return log
    .split("\n")
    .map((line) => {
      const m =
        /^(\S+) - - \[(\d+)\/(\w+)\/(\d+) (\d+):(\d+):(\d+)\] "(\w+) (\S+) [^"]*" (\d+|-) (\d+|-)/.exec(
          line,
        );
      if (!m) return undefined;
      const at = Date.UTC(+m[4], months.indexOf(m[3]), +m[2], +m[5], +m[6], +m[7]);
      return { from: m[1], at, path: m[9], code: m[10], bytes: m[11] === "-" ? 0 : Number(m[11]) };
    })
    .filter((e): e is NonNullable<typeof e> => e !== undefined && e.at >= since - 1000);
}

/**
 * Stage times from the controller's HTTP log: firmware and iPXE up to the boot script, the installer's boot up
 * to its plan, each step the installer reported, and the reboot from the disk up to SSH; plus the bytes the
 * node was sent.
 */
export function stageTimes(log: string, poweredOn: number, sshReady: number) {
  const entries = httpEntries(log, poweredOn).filter((e) => e.from === NODE_IP);
  // Each stage runs from one mark to the next and is named after what happens in it.
  const during: Record<string, string> = {
    power: "firmware and iPXE",
    script: "installer kernel, initramfs, DHCP",
    plan: "installer start",
    installer: "disk check",
    partitioning: "partitioning and file systems",
    root: "image streamed and unpacked",
    identity: "node identity",
    grub: "grub",
    installed: "reboot, boot from disk, sshd",
  };
  const marks: { key: string; at: number }[] = [{ key: "power", at: poweredOn }];
  const add = (key: string, at: number | undefined) => {
    if (at !== undefined && !marks.some((m) => m.key === key)) marks.push({ key, at });
  };
  const first = (test: (p: string) => boolean) => entries.find((e) => test(e.path))?.at;
  add(
    "script",
    first((p) => p === "/boot.ipxe"),
  );
  add(
    "plan",
    first((p) => p.endsWith(".plan")),
  );
  for (const e of entries.filter((x) => x.path.includes(".progress?stage="))) {
    const text = decodeURIComponent(e.path.split("stage=")[1]).replace(/_/g, " ");
    const key = text.startsWith("writing the root")
      ? "root"
      : text.startsWith("writing the node")
        ? "identity"
        : text.startsWith("installing grub")
          ? "grub"
          : text.split(" ")[0];
    add(key, e.at);
  }
  add(
    "installed",
    first((p) => p.includes(".installed")),
  );
  marks.push({ key: "ssh", at: sshReady });
  const stages = marks.slice(0, -1).map((m, i) => ({
    name: during[m.key] ?? m.key,
    seconds: Math.round((marks[i + 1].at - m.at) / 1000),
  }));
  const slowest = stages.reduce((a, b) => (b.seconds > a.seconds ? b : a), stages[0]);
  return {
    stages,
    slowest: `${slowest.name} (${slowest.seconds}s)`,
    bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
    requests: entries.length,
  };
}
