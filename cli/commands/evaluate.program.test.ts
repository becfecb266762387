/** `npm run plan`'s report: what a stack file registers, and what it would run, said truthfully. */
import { join } from "node:path";
import { evaluateStackFile } from "../evaluate/evaluate";
import { formatEvaluation } from "./evaluate";

describe("formatEvaluation", () => {
  it("counts the home example's resources and its commands per host, and claims no progress", async () => {
    const file = join(__dirname, "../../stacks/examples/Pulumi.home.yaml");
    const evaluation = await evaluateStackFile(file);
    const text = formatEvaluation("home", evaluation);
    expect(text).toMatch(/^home: \d+ resources\n/);
    expect(text).toMatch(/^\s+\d+ {2}hearth:ssh:RemoteCommand$/m);
    expect(text).toContain("  hearth:metal:PxeController hearth-pxe (");
    expect(text).toMatch(/^ {2}gitea: https:\/\/code\.home\.example\.org$/m);
    expect(text).toContain("Nothing was contacted or changed: this is the program under mocks.");
    expect(text).toMatch(/pulumi up would run \d+ commands over SSH: \d+ on 192\.168\.1\.2, /);
    // The program logs these during a real run; none of it happened here.
    expect(evaluation.logs.some((l) => /Wake-on-LAN sent/.test(l.message))).toBe(true);
    expect(text).not.toMatch(/Wake-on-LAN sent|SSH answers|installed/);
  });

  it("does not pass a cloud server's stand-in address off as where commands run", async () => {
    const file = join(__dirname, "../../stacks/examples/Pulumi.hetzner.yaml");
    const text = formatEvaluation("hetzner", await evaluateStackFile(file));
    expect(text).toMatch(
      /commands over SSH: \d+ on cloud servers \(addresses known once created\)\.$/,
    );
    expect(text).not.toContain("203.0.113.10");
  });

  it("says when nothing would run over SSH", () => {
    const text = formatEvaluation("x", { registrations: [], outputs: {} });
    expect(text.split("\n").slice(-2)).toEqual([
      "Nothing was contacted or changed: this is the program under mocks.",
      "pulumi up would run no command over SSH.",
    ]);
  });
});
