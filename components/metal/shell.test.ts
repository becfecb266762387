import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir, userInfo } from "os";
import { join } from "path";
import { asRoot, installFromStdinScript, sha256, shellQuote } from "./shell";
import { checkShellSyntax, unquote } from "../../test/metal-fixtures";

describe("shell helpers", () => {
  it("quotes any text as one word", () => {
    for (const text of ["plain", "it's", "a'b'c", "$(rm -rf /)", "", "line\nbreak"]) {
      expect(unquote(shellQuote(text), 0)).toEqual([text, shellQuote(text).length]);
    }
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
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
