/** The image installer's shell files, handed to shellcheck (installed by scripts/test-setup.sh). */
import { spawnSync } from "child_process";
import { join } from "path";

describe("the installer's shell files", () => {
  it.each([
    ["image/install.sh", "sh"],
    ["image/build-image.sh", "sh"],
    ["image/initramfs-hook.sh", "sh"],
  ])("%s passes shellcheck", (file, shell) => {
    const r = spawnSync("shellcheck", ["-s", shell, join(__dirname, file)], { encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});
