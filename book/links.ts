/**
 * The links of the repository's own Markdown files outside the book (README.md, GOVERNANCE.md, CONTRIBUTING.md,
 * CODE_OF_CONDUCT.md, charts/README.md, ...): every relative link must name a file that exists, and every anchor
 * a heading there, as GitHub makes its ids. Links to the web are not followed (the check runs offline). The book
 * itself (docs/) is checked by mkdocs in strict mode. `ts-node book/links.ts` exits 1 naming each broken link.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** The text with fenced code blocks and inline code blanked, so links shown as code are not checked. */
function withoutCode(text: string): string {
  return text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (m) => m.replace(/[^\n]/g, " "))
    .replace(/`[^`\n]*`/g, (m) => " ".repeat(m.length));
}

/** GitHub's ids of a file's headings: lower case, punctuation dropped, spaces as "-", repeats numbered. */
export function headingIds(text: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const lines = text.split("\n");
  withoutCode(text)
    .split("\n")
    .forEach((blanked, i) => {
      // A heading, as the text without code shows it; its words as written (inline code included).
      if (!/^#{1,6}\s/.test(blanked)) return;
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[i])?.[1] ?? "";
      const base = heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      ids.add(n === 0 ? base : `${base}-${n}`);
    });
  return ids;
}

/** Every broken link of `file` (a path from `root`), as `file: link: why`. */
export function brokenLinks(root: string, file: string, text: string): string[] {
  const out: string[] = [];
  const here = dirname(join(root, file));
  for (const m of withoutCode(text).matchAll(
    /\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
  )) {
    const link = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
    const [path, anchor] = link.split("#", 2);
    const target = path === "" ? join(root, file) : normalize(join(here, decodeURIComponent(path)));
    if (path !== "" && !existsSync(target)) {
      out.push(`${file}: ${link}: no file ${relative(root, target)}`);
      continue;
    }
    if (anchor === undefined || anchor === "") continue;
    if (path !== "" && (statSync(target).isDirectory() || !target.endsWith(".md"))) {
      out.push(`${file}: ${link}: an anchor into ${relative(root, target)}, which has no headings`);
      continue;
    }
    const targetText = path === "" ? text : readFileSync(target, "utf8");
    if (!headingIds(targetText).has(anchor.toLowerCase()))
      out.push(`${file}: ${link}: ${relative(root, target)} has no heading #${anchor}`);
  }
  return out;
}

/** The Markdown files the check covers: every one in the repository but the book, dependencies and caches. */
export function markdownFiles(root: string, dir = ""): string[] {
  const skip = new Set(["node_modules", ".git", ".cache", ".sandbox", "docs", "dist", "coverage"]);
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name) && !entry.isSymbolicLink()) out.push(...markdownFiles(root, rel));
    } else if (entry.name.endsWith(".md")) out.push(rel);
  }
  return out.sort();
}

if (require.main === module) {
  const root = join(__dirname, "..");
  const files = markdownFiles(root);
  const broken = files.flatMap((f) => brokenLinks(root, f, readFileSync(join(root, f), "utf8")));
  for (const b of broken) console.error(`broken link: ${b}`);
  if (broken.length === 0)
    console.log(`links: ${files.length} Markdown files outside docs/, every link found`);
  process.exit(broken.length === 0 ? 0 : 1);
}
