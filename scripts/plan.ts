/**
 * `npm run plan -- <stack file>`: evaluates the program under Pulumi mocks for a stack file and prints what
 * it would register, counted by type and grouped under each component. Nothing is contacted or changed.
 */
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { ConfigError } from "../stacks/validate";

async function main(file: string | undefined): Promise<number> {
  if (!file) {
    console.error(
      "usage: npm run plan -- <stack file>, e.g. npm run plan -- stacks/examples/Pulumi.home.yaml",
    );
    return 2;
  }
  try {
    const { registrations, outputs } = await evaluateStackFile(file);
    const byType = new Map<string, number>();
    for (const r of registrations) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    console.log(`${file}: ${registrations.length} resources`);
    for (const [type, n] of [...byType].sort((a, b) => a[0].localeCompare(b[0])))
      console.log(`  ${String(n).padStart(4)}  ${type}`);
    console.log("components:");
    for (const r of registrations.filter((x) => x.type.startsWith("hearth:"))) {
      const children = registrations.filter((x) => x.parent === r.urn).length;
      console.log(`  ${r.type} ${r.name} (${children} children)`);
    }
    console.log("app URLs:");
    for (const [app, url] of Object.entries((outputs.urls ?? {}) as Record<string, string>))
      console.log(`  ${app}: ${url}`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

void main(process.argv[2]).then((code) => process.exit(code));
