/**
 * A Gitea behind a home CA: the client trusts the CA it is given (through node:https), and without it the
 * call fails naming the certificate problem. The CA and the server's certificate are made here with openssl.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeGitea } from "../../test/fake-gitea";
import { giteaRequest } from "./gitea-client";

const dir = mkdtempSync(join(tmpdir(), "hearth-home-ca-"));
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
const gitea = new FakeGitea();
let ca: string;

/** A new P-256 key and a request (or, with -x509, a self-signed certificate) for `subject`. */
const newKey = (out: string[], key: string, subject: string, selfSigned = false) =>
  openssl(
    "req",
    ...(selfSigned ? ["-x509", "-days", "2"] : []),
    ...["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", key, "-out", ...out, "-subj", subject],
  );

beforeAll(async () => {
  newKey(["ca.crt"], "ca.key", "/CN=Hearth test home CA", true);
  newKey(["srv.csr"], "srv.key", "/CN=127.0.0.1");
  writeFileSync(join(dir, "ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "srv.crt",
    "-days",
    "2",
    "-extfile",
    "ext",
  );
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  await gitea.start({
    key: readFileSync(join(dir, "srv.key"), "utf8"),
    cert: readFileSync(join(dir, "srv.crt"), "utf8"),
  });
  gitea.addOrg("hearth");
});
afterAll(() => gitea.stop());

test("trusts the home CA it is given", async () => {
  expect(gitea.url).toMatch(/^https:/);
  const org = await giteaRequest<{ username: string }>(
    { url: gitea.url, token: gitea.token, ca },
    "GET",
    "/orgs/hearth",
  );
  expect(org.username ?? (org as { name?: string }).name).toBe("hearth");
});

test("without the CA, the call fails and says why", async () => {
  await expect(
    giteaRequest({ url: gitea.url, token: gitea.token }, "GET", "/orgs/hearth", { attempts: 1 }),
  ).rejects.toThrow(
    /Could not reach Gitea at https:\/\/127\.0\.0\.1:\d+\/api\/v1 .*(certificate|issuer)/,
  );
});
