/** helm as the chart tooling runs it. */
import { writeFileSync, mkdtempSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runHelm } from "./helm";

describe("helm's output", () => {
  it("is read whole past Node's 1 MiB default buffer (argo-cd 10.1.1 with CRDs renders 1.9 MB)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-big-helm-"));
    const fake = join(dir, "helm");
    writeFileSync(fake, "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\0' x\n", { mode: 0o755 });
    expect(runHelm(fake, ["template"])).toHaveLength(3_000_000);
  });
});
