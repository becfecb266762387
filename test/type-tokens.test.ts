/**
 * One type-token scheme: every component is `hearth:<folder>:<Class>` (components/<folder>/, apps/, stacks/
 * as "stack"), so a URN says where its code lives. Read from the sources, so a new component is checked too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(__dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

test("every component's type token is hearth:<folder>:<Class>", () => {
  const found: string[] = [];
  for (const file of ["components", "apps", "stacks"].flatMap((d) => sources(join(root, d)))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(
      /class (\w+) extends pulumi\.ComponentResource[\s\S]*?super\(\s*"([^"]+)"/g,
    )) {
      const [, cls, token] = m;
      const rel = relative(root, file).split("/");
      const folder = rel[0] === "components" ? rel[1] : rel[0] === "stacks" ? "stack" : rel[0];
      found.push(`${cls} in ${rel.join("/")}: ${token}`);
      expect(`${cls} in ${rel.join("/")}: ${token}`).toBe(
        `${cls} in ${rel.join("/")}: hearth:${folder}:${cls}`,
      );
    }
  }
  expect(found.length).toBeGreaterThanOrEqual(16);
});
