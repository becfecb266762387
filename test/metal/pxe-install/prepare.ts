/**
 * `MetalNode`'s preparation of an installed machine through the real engine: `test/metal/prepare` run with
 * the cached Pulumi toolchain (`pulumi up`, then a no-op second up), then the step's effects on the machine.
 */
import { spawnSync } from "child_process";
import { appendFileSync, readFileSync, rmSync } from "fs";
import { join } from "path";
import { toolchainEnv } from "../../../scripts/toolchain/env";
import { Firmware, NODE_IP, work } from "./lab";
import { say } from "./host";
import { Installed } from "./controller";
import { nodeSsh } from "./checks";

/**
 * `MetalNode`'s own preparation step through the real engine: `test/metal/prepare` is a one-resource program
 * (a `MetalNode` at the machine's address, the operator key and the pinned host key) run with the cached
 * Pulumi toolchain and Hearth's provider plugin, `pulumi up` then `pulumi up --expect-no-changes`; then the
 * step's effects on the machine, and that the operator key is in the state only encrypted.
 */
export function prepareThroughEngine(ctx: Installed, firmware: Firmware): string[] {
  // A stack per machine: each is a new node, which a stack that already prepared another would skip.
  const stack = `metal-${firmware}`;
  const project = join(__dirname, "..", "prepare");
  const configFile = join(work, `Pulumi.${stack}.yaml`);
  const env = toolchainEnv(join(work, "pulumi-state"), {
    ...process.env,
    PULUMI_CONFIG_PASSPHRASE: "test-metal (a throwaway stack)",
  });
  if (spawnSync("sh", ["-c", "command -v pulumi"], { env }).status !== 0) {
    return [
      `no Pulumi CLI in the toolchain (${env.HEARTH_TOOLCHAIN_BIN}): run bash scripts/toolchain/build.sh (npm run test:e2e builds it)`,
    ];
  }
  const pulumi = (args: string[], input?: string, withConfig = true) => {
    const flags = ["--stack", stack, ...(withConfig ? ["--config-file", configFile] : [])];
    const r = spawnSync("pulumi", [...args, ...flags], {
      cwd: project,
      env,
      encoding: "utf8",
      input: input ?? "",
    });
    appendFileSync(
      join(work, "pulumi.log"),
      `== pulumi ${args.join(" ")} (exit ${r.status})\n${r.stdout}${r.stderr}\n`,
    );
    return r;
  };
  const init = spawnSync("pulumi", ["stack", "init", stack], {
    cwd: project,
    env,
    encoding: "utf8",
  });
  if (init.status !== 0 && !/already exists/.test(init.stderr)) {
    return [`pulumi stack init failed: ${init.stderr.trim()}`];
  }
  const settings: Record<string, string> = {
    "metal:name": ctx.node.name,
    "metal:host": NODE_IP,
    "metal:user": ctx.node.sshUser,
    "metal:hostKey": ctx.hostKey.publicKey,
    "metal:timezone": ctx.node.timezone,
    "metal:packages": JSON.stringify(ctx.node.packages),
  };
  for (const [k, v] of Object.entries(settings)) pulumi(["config", "set", k, v]);
  pulumi(["config", "set", "--secret", "metal:privateKey"], readFileSync(ctx.operatorKey, "utf8"));
  const t = Date.now();
  const up = pulumi(["up", "--yes", "--skip-preview"]);
  const seconds = Math.round((Date.now() - t) / 1000);
  if (up.status !== 0) {
    return [
      `pulumi up of the preparation failed (${up.status}): ${(up.stdout + up.stderr).trim().split("\n").slice(-8).join("\n")}`,
    ];
  }
  const again = pulumi(["up", "--yes", "--expect-no-changes"]);
  // The needle is first shown to be in the decrypted state, so its absence from the plain export counts.
  const exported = pulumi(["stack", "export"], undefined, false);
  const decrypted = pulumi(["stack", "export", "--show-secrets"], undefined, false);
  const keyLine = readFileSync(ctx.operatorKey, "utf8").split("\n")[1];
  if (exported.status !== 0 || !decrypted.stdout.includes(keyLine)) {
    return [
      `pulumi stack export did not give the state with the operator key in it (exit ${exported.status}, ${decrypted.status})`,
    ];
  }
  say(
    `prepared through the engine (MetalNode, pulumi up) in ${seconds}s; a second up ${again.status === 0 ? "changed nothing" : `failed (${again.status})`}; the operator key is ${exported.stdout.includes(keyLine) ? "IN PLAIN TEXT in" : "only encrypted in"} the state`,
  );
  // `stack init` leaves the stack's encryption salt beside the project; the stack lives in the run's state.
  rmSync(join(project, `Pulumi.${stack}.yaml`), { force: true });
  const engineProblems: string[] = [];
  if (again.status !== 0)
    engineProblems.push("a second pulumi up of the preparation was not a no-op");
  if (exported.stdout.includes(keyLine))
    engineProblems.push("the operator's private key is in the state in plain text");
  // Read from /proc and dpkg: the login user's PATH has no sbin.
  const check = String(
    nodeSsh(
      ctx,
      [
        "cat /proc/sys/net/ipv4/ip_forward",
        "cat /proc/sys/net/bridge/bridge-nf-call-iptables",
        "grep -c -E '^(overlay|br_netfilter) ' /proc/modules",
        "tail -n +2 /proc/swaps | wc -l",
        "dpkg-query -W -f='${Status}\\n' htop",
      ].join("; "),
    ).stdout,
  )
    .trim()
    .split("\n");
  say(
    `after the preparation: ip_forward=${check[0]} bridge-nf-call-iptables=${check[1]} k3s modules loaded=${check[2]} swaps=${check[3]} htop: ${check[4]}`,
  );
  const problems: string[] = [...engineProblems];
  if (check[0] !== "1" || check[1] !== "1")
    problems.push("the k3s sysctls are not set after the preparation");
  if (check[2] !== "2") problems.push("overlay and br_netfilter are not both loaded");
  if (check[3] !== "0") problems.push("swap is on");
  if (!String(check[4]).includes("install ok installed"))
    problems.push("the node's package htop is not installed");
  return problems;
}
