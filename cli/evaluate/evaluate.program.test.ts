/** The offline evaluation: a stack file under mocks, what it registers, and what it keeps from the log. */
import { join } from "node:path";
import { evaluateStackFile, stackNameOf } from "./evaluate";

const HOME = join(__dirname, "../../stacks/examples/Pulumi.home.yaml");

describe("stackNameOf", () => {
  it.each([
    ["Pulumi.dev.yaml", "dev"],
    ["stacks/examples/Pulumi.home.yaml", "home"],
    ["test/fixtures/valid/metal-home.yaml", "metal-home"],
    ["x/Pulumi.a.b.yml", "a.b"],
  ])("%s is stack %s", (file, stack) => {
    expect(stackNameOf(file)).toBe(stack);
  });
});

describe("evaluateStackFile", () => {
  it("keeps the program's log instead of printing progress that did not happen", async () => {
    const printed: string[] = [];
    const spies = (["log", "info", "warn", "error"] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args) => void printed.push(args.join(" "))),
    );
    try {
      const { registrations, logs } = await evaluateStackFile(HOME);
      expect(registrations.length).toBeGreaterThan(100);
      expect(logs).toContainEqual({
        severity: "info",
        message: expect.stringMatching(/^node1: Wake-on-LAN sent/),
      });
      expect(printed.filter((l) => /Wake-on-LAN|SSH answers/.test(l))).toEqual([]);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  });

  it("runs each stack file on its own: a second evaluation sees none of the first's resources", async () => {
    const dhcp = join(__dirname, "../../test/fixtures/valid/single-node-dhcp.yaml");
    const first = await evaluateStackFile(dhcp);
    const second = await evaluateStackFile(dhcp);
    expect(second.registrations.map((r) => r.urn)).toEqual(first.registrations.map((r) => r.urn));
    expect(new Set(second.registrations.map((r) => r.urn)).size).toBe(second.registrations.length);
  });
});
