/**
 * `npm run plan -- <stack file>` (`npm run hearth -- evaluate <stack file>`): evaluates the program under
 * Pulumi mocks for a stack file and prints what it would register, counted by type and grouped under each
 * component, the app URLs, and what `pulumi up` would then run on machines. Nothing is contacted or changed, so
 * the progress the program logs during a real run (a node woken, installed) is not printed: none of it
 * happened.
 */
import { ConfigError } from "../../stacks/validate";
import { Command, parseArgs, Usage } from "../command";
import { Evaluation, evaluateStackFile, STAND_IN_IPV4 } from "../evaluate/evaluate";
import { reveal } from "../evaluate/mock-monitor";

const REMOTE_COMMAND = "hearth:ssh:RemoteCommand";

/** What an evaluation registered and would do, for people. */
export function formatEvaluation(file: string, e: Omit<Evaluation, "logs">): string {
  const { registrations, outputs } = e;
  const lines = [`${file}: ${registrations.length} resources`];
  const byType = new Map<string, number>();
  for (const r of registrations) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  for (const [type, n] of [...byType].sort((a, b) => a[0].localeCompare(b[0])))
    lines.push(`  ${String(n).padStart(4)}  ${type}`);
  lines.push("components:");
  for (const r of registrations.filter((x) => x.type.startsWith("hearth:") && !x.custom)) {
    const children = registrations.filter((x) => x.parent === r.urn).length;
    lines.push(`  ${r.type} ${r.name} (${children} children)`);
  }
  lines.push("app URLs:");
  for (const [app, url] of Object.entries((outputs.urls ?? {}) as Record<string, string>))
    lines.push(`  ${app}: ${url}`);
  const byHost = new Map<string, number>();
  for (const r of registrations.filter((x) => x.type === REMOTE_COMMAND)) {
    const given = String(reveal(r.inputs.connection)?.host ?? "?");
    const host = given === STAND_IN_IPV4 ? "cloud servers (addresses known once created)" : given;
    byHost.set(host, (byHost.get(host) ?? 0) + 1);
  }
  lines.push(
    "",
    "Nothing was contacted or changed: this is the program under mocks.",
    byHost.size === 0
      ? "pulumi up would run no command over SSH."
      : `pulumi up would run ${[...byHost.values()].reduce((a, b) => a + b, 0)} commands over SSH: ` +
          [...byHost].map(([host, n]) => `${n} on ${host}`).join(", ") +
          ".",
  );
  return lines.join("\n");
}

/** `evaluate` (`npm run plan`). */
export const command: Command = {
  name: "evaluate",
  usage: "evaluate <stack file>   (npm run plan -- <stack file>)",
  summary: "a stack file's resources under mocks, offline: nothing is contacted or changed",
  async run(argv) {
    const { words } = parseArgs(argv);
    if (words.length !== 1)
      throw new Usage("name one stack file, e.g. npm run plan -- stacks/examples/Pulumi.home.yaml");
    const [file] = words;
    try {
      const evaluation = await evaluateStackFile(file);
      console.log(formatEvaluation(file, evaluation));
      // Warnings and errors the program logged are about the stack file, so they are shown.
      for (const l of evaluation.logs.filter(
        (x) => x.severity === "warn" || x.severity === "error",
      ))
        console.error(`${l.severity}: ${l.message}`);
      return 0;
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(e.message);
        return 1;
      }
      throw e;
    }
  },
};
