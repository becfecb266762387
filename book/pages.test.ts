import { adrIndex, capabilitiesPage } from "./pages";

describe("generated pages", () => {
  it("index every decision by number, with its title and status", () => {
    expect(
      adrIndex([
        { name: "0002-b.md", text: "# 2. Second\n\nStatus: accepted (2026-01-02).\n" },
        { name: "index.md", text: "# Decisions" },
        { name: "0001-a.md", text: "# 1. First | one\n\nStatus: superseded by ADR 2.\n" },
      ])
        .split("\n")
        .filter((l) => l.startsWith("| [")),
    ).toEqual([
      "| [1. First \\| one](0001-a.md) | superseded by ADR 2 |",
      "| [2. Second](0002-b.md) | accepted |",
    ]);
  });

  it("list every catalogue app in the capability page", () => {
    expect(capabilitiesPage()).toMatch(/^\| 1 \| Traefik \(`traefik`\) \| /m);
  });
});
