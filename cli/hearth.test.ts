/** The one entry: every command is found by its name, and mistakes end with the usage and exit 2. */
import { COMMANDS, main, usageText } from "./hearth";

describe("hearth", () => {
  let errors: string[];
  let spies: jest.SpyInstance[];
  beforeEach(() => {
    errors = [];
    spies = [
      jest.spyOn(console, "error").mockImplementation((m) => void errors.push(String(m))),
      jest.spyOn(console, "log").mockImplementation((m) => void errors.push(String(m))),
    ];
  });
  afterEach(() => spies.forEach((s) => s.mockRestore()));

  it.each(Object.keys(COMMANDS))("finds %s in a file of its own, under its name", async (name) => {
    const { command } = await COMMANDS[name]();
    expect(command.name).toBe(name);
    expect(command.usage.startsWith(name)).toBe(true);
  });

  it("lists every command in its usage", async () => {
    const text = await usageText();
    for (const name of Object.keys(COMMANDS)) expect(text).toContain(`\n  ${name}`);
  });

  it.each([
    [[], "usage: npm run hearth -- <command> [args]"],
    [["frobnicate"], "hearth: unknown command: frobnicate"],
    [["backup", "now", "--bogus"], "hearth backup: unknown option --bogus"],
    [["restore", "zot", "--to"], "hearth restore: --to needs a value"],
    [["evaluate"], "hearth evaluate: name one stack file"],
    [["restore"], "hearth restore: name the app: restore <app>"],
    [["backup", "now"], "hearth backup: name the app: backup now <app>"],
    [["plan", "extra"], "hearth plan: plan takes no words (extra)"],
  ])("exits 2 on %j, saying why", async (argv, said) => {
    expect(await main(argv)).toBe(2);
    expect(errors.join("\n")).toContain(said);
  });

  it("exits 1 with the reason when a command fails", async () => {
    expect(await main(["evaluate", "no/such/Pulumi.x.yaml"])).toBe(1);
    expect(errors.join("\n")).toMatch(/^hearth evaluate: .*no such file/m);
  });
});
