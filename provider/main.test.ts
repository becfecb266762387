/** The plugin dispatches each type token to its own handlers: a check names the inputs that resource needs. */
import { hearthProvider, TOKENS } from "./main";

const urn = (token: string) => `urn:pulumi:dev::hearth::hearth:stack:Homelab$${token}::x`;

describe("hearthProvider", () => {
  const p = hearthProvider(undefined, "0.0.0");
  it.each([
    [TOKENS.nodeRemoval, ["kubeconfig", "node"]],
    [TOKENS.appData, ["kubeconfig", "namespace"]],
    [TOKENS.retiredData, ["kubeconfig", "namespace"]],
    [TOKENS.rfc2136Record, ["server", "zone", "name", "type", "values", "tsig"]],
    [
      TOKENS.remoteCommand,
      [
        "connection",
        "connection.host",
        "connection.user",
        "connection.privateKey",
        "connection.hostKey",
        "create",
      ],
    ],
  ])("checks %s with its own rules", async (token, needed) => {
    const r = await p.check!(urn(token), {}, {});
    expect((r.failures ?? []).map((f) => f.property)).toEqual(needed);
  });
  it("refuses a type it does not serve", async () => {
    await expect(p.check!(urn("hearth:x:Unknown"), {}, {})).rejects.toThrow(
      /unknown resource type/,
    );
  });
});
