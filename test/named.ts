/**
 * A real BIND (`named` from Debian's bind9) on loopback for tests: one primary zone that takes dynamic updates
 * (RFC 2136) signed with a TSIG key the test makes, a second key the server knows but whose updates its
 * policy refuses, and `dig` to look at what the zone serves. Needs Debian's bind9 and bind9-dnsutils
 * (scripts/test-setup.sh).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TsigKey } from "../components/edge/dns-wire";
import { freePort } from "./sshd";

/** Where Debian installs named. */
export const NAMED = "/usr/sbin/named";

/** A running named. */
export interface TestNamed {
  port: number;
  zone: string;
  /** The key the zone's update-policy grants every name in the zone to. */
  key: TsigKey;
  /** A key the server knows, with no right to update the zone. */
  outsider: TsigKey;
  /** `dig @127.0.0.1 -p PORT +short NAME TYPE`, as lines. */
  dig(name: string, type: string): string[];
  /** Everything named logged so far. */
  log(): string;
  /** Resolves once named logged a line matching `pattern` (its log reaches us a moment after its answer). */
  waitForLog(pattern: RegExp): Promise<void>;
  stop(): Promise<void>;
}

/** A fresh TSIG secret, base64, as `tsig-keygen` makes one. */
export function newTsigSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64");
}

/** Whether named and dig are installed. */
export function haveBind(): boolean {
  return existsSync(NAMED) && spawnSync("dig", ["-v"]).status === 0;
}

/** Starts named with zone `zone` on a free port of 127.0.0.1 and resolves once it answers. */
export async function startNamed(zone = "coop.test"): Promise<TestNamed> {
  if (!haveBind())
    throw new Error(
      "BIND's named and dig are missing: scripts/test-setup.sh installs bind9 and bind9-dnsutils",
    );
  const dir = mkdtempSync(join(tmpdir(), "hearth-named-"));
  const port = await freePort();
  const key: TsigKey = { name: "hearth-test", algorithm: "hmac-sha256", secret: newTsigSecret() };
  const outsider: TsigKey = { name: "outsider", algorithm: "hmac-sha256", secret: newTsigSecret() };
  writeFileSync(
    join(dir, "zone.db"),
    [
      "$TTL 300",
      `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300`,
      `@ IN NS ns1.${zone}.`,
      "ns1 IN A 127.0.0.1",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "named.conf"),
    [
      "options {",
      `  directory "${dir}";`,
      `  listen-on port ${port} { 127.0.0.1; };`,
      "  listen-on-v6 { none; };",
      `  pid-file "${join(dir, "named.pid")}";`,
      `  session-keyfile "${join(dir, "session.key")}";`,
      `  managed-keys-directory "${dir}";`,
      "  recursion no;",
      "  dnssec-validation no;",
      "  allow-query { any; };",
      "};",
      "controls { };",
      ...[key, outsider].map(
        (k) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };`,
      ),
      `zone "${zone}" {`,
      "  type primary;",
      `  file "${join(dir, "zone.db")}";`,
      `  update-policy { grant ${key.name} zonesub ANY; };`,
      "};",
      "",
    ].join("\n"),
  );
  let log = "";
  const named: ChildProcess = spawn(NAMED, ["-g", "-4", "-c", join(dir, "named.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  named.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  const dig = (name: string, type: string) => {
    const r = spawnSync("dig", ["@127.0.0.1", "-p", String(port), "+short", "+tcp", name, type], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`dig ${name} ${type} failed: ${r.stderr}${r.stdout}`);
    return r.stdout.split("\n").filter((l) => l !== "");
  };
  for (let i = 0; ; i++) {
    if (/running$/m.test(log) && dig(`ns1.${zone}`, "A").length > 0) break;
    if (named.exitCode !== null || i > 100) {
      named.kill();
      throw new Error(`named did not start on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    zone,
    key,
    outsider,
    dig,
    log: () => log,
    async waitForLog(pattern) {
      for (let i = 0; !pattern.test(log); i++) {
        if (i > 50) throw new Error(`named logged no line matching ${pattern}:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      named.stderr?.removeAllListeners("data");
      const exited = new Promise((r) => named.once("exit", r));
      if (named.exitCode === null) named.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
