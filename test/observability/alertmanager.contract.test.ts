/** The generated Alertmanager configuration through `amtool check-config` (Debian's prometheus-alertmanager). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alertmanagerConfig, NotifyRoute } from "../../components/observability/alertmanager";

const dir = mkdtempSync(join(tmpdir(), "hearth-am-"));
const check = (text: string) => {
  const f = join(dir, `am-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(f, text);
  return spawnSync("amtool", ["check-config", f], { encoding: "utf8" });
};

test.each<[string, NotifyRoute]>([
  [
    "e-mail",
    {
      email: {
        to: "ops@example.org",
        from: "hearth@example.org",
        smarthost: "smtp.example.org:587",
        username: "hearth",
      },
    },
  ],
  ["a webhook", { webhook: { url: "https://ntfy.example.org/hearth-alerts" } }],
])("amtool accepts the route by %s, which holds no secret", (_, route) => {
  const text = alertmanagerConfig(route);
  const r = check(text);
  expect(r.stdout + r.stderr).toContain("SUCCESS");
  expect(r.status).toBe(0);
  expect(text).toContain("/etc/alertmanager/secrets/hearth-notify/secret");
});

test("amtool refuses a broken configuration (the check can fail)", () => {
  const text = alertmanagerConfig({ webhook: { url: "https://ntfy.example.org/x" } }).replace(
    "receiver: hearth",
    "receiver: nobody",
  );
  const r = check(text);
  expect(r.status).toBe(1);
  expect(r.stdout + r.stderr).toContain('undefined receiver "nobody"');
});
