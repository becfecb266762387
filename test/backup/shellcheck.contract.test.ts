/** The shipped backup script through its static checker, ShellCheck (Debian's shellcheck), as POSIX sh. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const shellcheck = (file: string) =>
  spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });

test("hearth-backup.sh passes shellcheck as POSIX sh", () => {
  const r = shellcheck(join(__dirname, "..", "..", "components", "backup", "hearth-backup.sh"));
  expect(r.error).toBeUndefined();
  expect(r.stdout).toBe("");
  expect(r.status).toBe(0);
});

test("shellcheck refuses a broken script (the check can fail)", () => {
  const f = join(mkdtempSync(join(tmpdir(), "hearth-sc-")), "bad.sh");
  writeFileSync(f, '#!/bin/sh\nfor t in $TARGETS; do\n  [[ -n $t ]] && echo "$t"\ndone\n');
  const r = shellcheck(f);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain("SC3010");
});
