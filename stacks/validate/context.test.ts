import { identityProviderOf } from "./context";

describe("identityProviderOf", () => {
  it("names the one catalogue app that provides identity", () => {
    const catalogue = {
      idp: { needs: [], sso: "provider", provides: ["identity"] },
      gitea: { needs: [], provides: ["git"] },
      zot: { needs: [] },
    };
    expect(identityProviderOf(catalogue)).toBe("idp");
  });

  it("refuses a catalogue with none or two, naming them", () => {
    expect(() => identityProviderOf({ zot: { needs: [] } })).toThrow(
      'the catalogue has 0 apps that provide "identity" (none); exactly one must, in its apps/<app>/meta.ts',
    );
    const two = {
      a: { needs: [], provides: ["identity"] },
      b: { needs: [], provides: ["identity"] },
    };
    expect(() => identityProviderOf(two)).toThrow('has 2 apps that provide "identity" (a, b)');
  });
});
