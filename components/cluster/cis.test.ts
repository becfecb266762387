/**
 * The CIS items Hearth claims, checked kube-bench style against the flags Hearth gives k3s and the arguments the
 * sandbox's real kube-apiserver starts with (the same flag builder); a weakened flag fails its item by number.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxApiServerArgs } from "../../scripts/sandbox-apiserver";
import { CIS_CLAIMS, cisFailures, cisResults, k3sComponentFlags, parseFlags } from "./cis";
import { k3sAgentFlags, k3sServerFlags } from "./k3s-flags";

describe("the CIS items Hearth claims", () => {
  it("all pass on the flags a hardened k3s server gets", () => {
    const results = cisResults(k3sComponentFlags(k3sServerFlags({ nodeName: "s1" })));
    expect(results).toHaveLength(CIS_CLAIMS.length);
    expect(cisFailures(results)).toEqual([]);
  });

  it("the kubelet's pass on an agent too", () => {
    const flags = k3sComponentFlags(k3sAgentFlags({ nodeName: "a1", serverUrl: "https://s:6443" }));
    const kubelet = cisResults({ kubelet: flags.kubelet, k3s: flags.k3s }).filter(
      (r) => r.item.component === "kubelet" || r.item.id === "4.2.6",
    );
    expect(kubelet.length).toBeGreaterThan(0);
    expect(cisFailures(kubelet)).toEqual([]);
  });

  it("every API server item passes on the arguments the sandbox's kube-apiserver runs with", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-cis-"));
    try {
      const results = cisResults({ "kube-apiserver": parseFlags(sandboxApiServerArgs(dir)) });
      expect(results.length).toBe(
        CIS_CLAIMS.filter((i) => i.component === "kube-apiserver").length,
      );
      expect(cisFailures(results)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails, by item, without the hardening or with a weakened flag", () => {
    const off = cisFailures(
      cisResults(k3sComponentFlags(k3sServerFlags({ nodeName: "s1", cisHardening: false }))),
    );
    expect(off.map((l) => l.split(" ")[1])).toEqual(CIS_CLAIMS.map((i) => i.id));
    const weak = parseFlags(["--audit-log-maxage=7", "--enable-admission-plugins=NodeRestriction"]);
    expect(cisFailures(cisResults({ "kube-apiserver": weak }))).toEqual(
      expect.arrayContaining([
        "[FAIL] 1.2.9 the admission control plugin EventRateLimit is set (kube-apiserver --enable-admission-plugins: NodeRestriction)",
        "[FAIL] 1.2.17 --audit-log-maxage is 30 or more (kube-apiserver --audit-log-maxage: 7)",
      ]),
    );
    const weakCiphers = k3sComponentFlags([
      "--kubelet-arg=tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ]);
    expect(cisFailures(cisResults({ kubelet: weakCiphers.kubelet }))[1]).toMatch(
      /^\[FAIL\] 4\.2\.12/,
    );
  });

  it("reads a process's own command line in both spellings", () => {
    expect(
      Object.fromEntries(
        parseFlags(["kube-apiserver", "--audit-log-maxage", "30", "--profiling=false", "--v"]),
      ),
    ).toEqual({ "audit-log-maxage": "30", profiling: "false", v: "true" });
  });
});
