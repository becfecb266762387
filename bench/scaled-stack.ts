/** The scaled home the benches evaluate: the home example with N metal nodes and every catalogue app. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, stringify } from "yaml";
import { appNames } from "../apps";

const root = join(__dirname, "..");

/** A stack file for a large home: 3 servers and 47 agents installed over PXE, behind Cloudflare. */
export function scaledStackFile(nodes: number): string {
  const home = readFileSync(join(root, "stacks/examples/Pulumi.home.yaml"), "utf8");
  const doc = parse(home);
  const list = [];
  for (let i = 0; i < nodes; i++) {
    const n = i + 1;
    list.push({
      name: `node${n}`,
      role: i < 3 ? "server" : "agent",
      mac: `52:54:00:00:${Math.floor(n / 256)
        .toString(16)
        .padStart(2, "0")}:${(n % 256).toString(16).padStart(2, "0")}`,
      ip: `10.1.${Math.floor(n / 250)}.${(n % 250) + 2}`,
    });
  }
  doc.config["hearth:network"] = { cidr: "10.1.0.0/16", gateway: "10.1.0.1" };
  doc.config["hearth:pxe"].address = "10.1.0.2";
  doc.config["hearth:pxe"].host = "10.1.0.2";
  doc.config["hearth:pxe"].proxy = "http://10.1.0.2:3142";
  doc.config["hearth:nodes"] = list;
  doc.config["hearth:apps"] = { enabled: appNames };
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "Pulumi.scaled.yaml");
  writeFileSync(file, stringify(doc));
  return file;
}
