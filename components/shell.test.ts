import { execFileSync, spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir, userInfo } from "os";
import { join } from "path";
import { asRoot, installFromStdinScript, sha256, shellQuote } from "./shell";
import { checkShellSyntax, unquote } from "../test/metal-fixtures";

describe("shell helpers", () => {
  it("quotes any text as one word", () => {
    for (const text of ["plain", "it's", "a'b'c", "$(rm -rf /)", "", "line\nbreak"]) {
      expect(unquote(shellQuote(text), 0)).toEqual([text, shellQuote(text).length]);
    }
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it("round-trips through bash too", () => {
    const value = `it's "quoted" $HOME \\ \`x\``;
    const r = spawnSync("bash", ["-c", `printf %s ${shellQuote(value)}`], { encoding: "utf8" });
    expect(r.stdout).toBe(value);
  });

  describe.each(["sh", "bash"] as const)("asRoot with %s", (shell) => {
    // A fake `id` and `sudo` first on PATH: the login is uid 1000 or 0, and sudo logs its arguments and runs
    // the rest, so both branches run here without root or a sudoers file.
    const bin = mkdtempSync(join(tmpdir(), "hearth-asroot-"));
    const log = join(bin, "sudo.log");
    writeFileSync(join(bin, "id"), '#!/bin/sh\necho "$HEARTH_TEST_UID"\n');
    writeFileSync(
      join(bin, "sudo"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> ${shellQuote(log)}\nshift\nexec "$@"\n`,
    );
    chmodSync(join(bin, "id"), 0o755);
    chmodSync(join(bin, "sudo"), 0o755);
    afterAll(() => rmSync(bin, { recursive: true, force: true }));
    const run = (uid: number, script: string, input: string) => {
      rmSync(log, { force: true });
      const r = spawnSync("sh", ["-c", asRoot(script, shell)], {
        input,
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HEARTH_TEST_UID: String(uid) },
      });
      const sudo = spawnSync("cat", [log], { encoding: "utf8" }).stdout;
      return { status: r.status, stdout: r.stdout, sudo };
    };

    it("runs through sudo -n, never prompting, when the login is not root", () => {
      const r = run(1000, "cat; exit 3", "from stdin\n");
      expect(r).toEqual({ status: 3, stdout: "from stdin\n", sudo: expect.stringMatching(/^-n /) });
      expect(r.sudo).toContain(`${shell} -c`);
    });

    it("runs directly when the login is root", () => {
      expect(run(0, "cat", "token\n")).toEqual({ status: 0, stdout: "token\n", sudo: "" });
    });
  });

  it("runs a script as root directly or through password-less sudo", () => {
    const wrapped = asRoot("echo 'hi'");
    expect(wrapped).toContain(
      'if [ "$(id -u)" -eq 0 ]; then hearth_root=; else hearth_root="sudo -n"; fi',
    );
    expect(wrapped).toContain(`$hearth_root sh -c ${shellQuote("echo 'hi'")}`);
    checkShellSyntax(wrapped);
  });

  it("syntax-checks the inner script too", () => {
    expect(() => checkShellSyntax(asRoot("if true; then echo"))).toThrow();
  });

  it("swaps a file in from stdin atomically and only when it changed", () => {
    const script = installFromStdinScript({
      path: "/srv/hearth/http/nodes/a.ks",
      mode: "0600",
      owner: "hearth-pxe",
      onChange: "systemctl restart x",
    });
    const inner = unquote(script, script.indexOf("sh -c ") + 6)[0];
    expect(inner).toContain(`tmp=$(mktemp '/srv/hearth/http/nodes/a.ks.XXXXXX')`);
    expect(inner).toContain(`cat > "$tmp"`);
    expect(inner).toContain(`chown 'hearth-pxe' "$tmp"`);
    expect(inner).toContain(`chmod 0600 "$tmp"`);
    expect(inner.indexOf("chmod 0600")).toBeLessThan(inner.indexOf("mv -f"));
    expect(inner).toMatch(
      /if cmp -s "\$tmp" '\/srv\/hearth\/http\/nodes\/a\.ks' .* then exit 0; fi\nmv -f/,
    );
    expect(inner.trimEnd().endsWith("systemctl restart x")).toBe(true);
    checkShellSyntax(script);
  });

  it("writes the file, then leaves it alone until its content changes (run inside a temporary directory)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-shell-"));
    try {
      const path = join(dir, "sub", "file.conf");
      const log = join(dir, "changes.log");
      const script = installFromStdinScript({
        path,
        mode: "0640",
        owner: userInfo().username,
        onChange: `echo changed >> ${shellQuote(log)}`,
      });
      // Run as the current user, never as root: the script only touches paths under `dir`.
      const asUser = script.split("$hearth_root sh -c").join("sh -c");
      const run = (input: string) => execFileSync("sh", ["-c", asUser], { input });
      run("one\n");
      expect(readFileSync(path, "utf8")).toBe("one\n");
      expect((statSync(path).mode & 0o777).toString(8)).toBe("640");
      run("one\n");
      expect(readFileSync(log, "utf8")).toBe("changed\n");
      run("two\n");
      expect(readFileSync(path, "utf8")).toBe("two\n");
      expect(readFileSync(log, "utf8")).toBe("changed\nchanged\n");
      expect(
        execFileSync("ls", [join(dir, "sub")])
          .toString()
          .trim(),
      ).toBe("file.conf");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hashes content for triggers", () => {
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
