/**
 * The whole program under mocks, once per stack file: one Homelab parenting every layer, custom resources
 * after the release that brings their CRDs, URLs exported, and no credential in plain text anywhere. The
 * other `test/*.program.test.ts` files check the graph theme by theme (their helpers: program-helpers.ts).
 */
import { join } from "path";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import {
  dependsOn,
  examples,
  fixtures,
  plainLeaks,
  root,
  withLocalCharts,
} from "./program-helpers";
import { Registration } from "./mocks";

// Secret values the stack files plant (their `secure:` text stands in for the decrypted value).
const configSecrets = [
  "v1:sshkey",
  "v1:cftoken",
  "v1:cfdnstoken",
  "v1:hcloud",
  "v1:kubeconfig",
  "v1:giteatoken",
  "v1:backupkey",
  "v1:backupkey2",
  "v1:notify",
  "dHNpZy1zZWNyZXQtcGxhbnRlZA==",
];

describe.each([...examples, ...fixtures])("%s under mocks", (file) => {
  let regs: Registration[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    ({ registrations: regs, outputs } = await evaluateStackFile(join(root, file), withLocalCharts));
  });

  it("builds one Homelab that parents every layer", () => {
    const homes = regs.filter((r) => r.type === "hearth:stack:Homelab");
    expect(homes).toHaveLength(1);
    const top = regs.filter((r) => r.parent === homes[0].urn).map((r) => r.type);
    expect(top.some((t) => t.startsWith("hearth:cluster:"))).toBe(true);
  });

  it("keeps every credential out of plain inputs", () => {
    expect(plainLeaks(regs, [...configSecrets, "planted-", "BEGIN OPENSSH PRIVATE KEY"])).toEqual(
      [],
    );
  });

  it("creates every custom resource of a chart's CRDs after that chart's release", () => {
    const releases = regs.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const cr of regs.filter((r) =>
      /^kubernetes:(cert-manager\.io|argoproj\.io)\//.test(r.type),
    )) {
      expect(releases.some((rel) => dependsOn(regs, cr, rel))).toBe(true);
    }
  });

  it("exports URLs and secret-only credentials", () => {
    expect(typeof outputs.kubeconfig).toBe("string");
    for (const url of Object.values(outputs.urls as Record<string, string>))
      expect(url).toMatch(/^https:\/\//);
  });
});
