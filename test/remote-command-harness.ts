/**
 * What the tests of Hearth's remote command (provider/remote-command*.test.ts) share: a real OpenSSH server on
 * loopback with a pinned host key, started before the importing test file's tests and stopped after them (the
 * hooks below run in the importing file), a scratch folder, the keys, a log recorder, and inputs as the engine
 * sends them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../components/secrets/openssh";
import { CommandLog } from "../provider/remote-command";
import { secret } from "../provider/wire";
import { startSshd, TestSshd } from "./sshd";

/** The URN of the resource under test. */
export const URN =
  "urn:pulumi:dev::hearth::hearth:metal:Node$hearth:ssh:RemoteCommand::node-a-prepare";
/** The host key the sshd serves, and the one the inputs pin. */
export const host = generateEd25519KeyPair("node-a");
/** Another host key: an impostor's. */
export const other = generateEd25519KeyPair("impostor");
/** The operator's key, the one the sshd authorizes. */
export const operator = generateEd25519KeyPair("operator");
/** The running sshd. */
export let sshd: TestSshd;
/** A scratch folder the commands write into. */
export let dir: string;

beforeAll(async () => {
  sshd = await startSshd({ hostPrivateKey: host.privateKey, authorizedKeys: [operator.publicKey] });
  dir = mkdtempSync(join(tmpdir(), "hearth-remote-"));
});
afterAll(() => {
  sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A `CommandLog` that keeps every line it is given. */
export function recorder(): CommandLog & {
  lines: { urn: string; message: string; ephemeral: boolean }[];
} {
  const lines: { urn: string; message: string; ephemeral: boolean }[] = [];
  return {
    lines,
    info: (urn, message, ephemeral = false) => lines.push({ urn, message, ephemeral }),
  };
}

/** Inputs as the engine sends them: the private key and stdin wrapped as secrets. */
export function inputs(extra: Record<string, unknown>, hostKey = host.publicKey, port = sshd.port) {
  return {
    connection: {
      host: "127.0.0.1",
      port,
      user: "root",
      privateKey: secret(operator.privateKey),
      hostKey,
      dialTimeoutSeconds: 5,
    },
    create: "true",
    ...extra,
  };
}
