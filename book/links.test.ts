import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brokenLinks, headingIds, markdownFiles } from "./links";

describe("links outside the book", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-links-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "docs"));
  mkdirSync(join(root, "charts"));
  writeFileSync(join(root, "docs/day-2.md"), "# Day 2\n\n## A run killed outright\n");
  writeFileSync(join(root, "charts/README.md"), "# Charts\n");
  const readme = [
    "# Hearth",
    "## Configure a home",
    "## Configure a home",
    "[ok](docs/day-2.md#a-run-killed-outright) [self](#configure-a-home-1) [web](https://example.org/x)",
    "[gone](docs/nope.md) [anchor](docs/day-2.md#no-such) [here](#nowhere) [dir](charts#x)",
    "`[code](not/checked.md)`",
    "```",
    "[fenced](not/checked.md)",
    "```",
  ].join("\n");

  it("makes GitHub's heading ids: lower case, punctuation gone, repeats numbered", () => {
    expect([
      ...headingIds("# Day 2: `npm run x`\n## Day 2: `npm run x`\n```\n# not a heading\n```\n"),
    ]).toEqual(["day-2-npm-run-x", "day-2-npm-run-x-1"]);
  });

  it("names every link to a missing file or heading, and skips code and the web", () => {
    expect(brokenLinks(root, "README.md", readme)).toEqual([
      "README.md: docs/nope.md: no file docs/nope.md",
      "README.md: docs/day-2.md#no-such: docs/day-2.md has no heading #no-such",
      "README.md: #nowhere: README.md has no heading #nowhere",
      "README.md: charts#x: an anchor into charts, which has no headings",
    ]);
  });

  it("covers the Markdown outside docs/", () => {
    writeFileSync(join(root, "README.md"), readme);
    expect(markdownFiles(root)).toEqual(["README.md", "charts/README.md"]);
  });
});
