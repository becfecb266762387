/**
 * The controller's node watcher with the image installer's reports (its plan, progress, failure and end of
 * install, as Hearth's HTTP server logs them), against the real sshd of test/node-wait-harness.ts.
 */
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { dir, DNSMASQ_LINES, HTTP_SCRIPT, watch } from "../../test/node-wait-harness";
import { WAIT_EXIT } from "./node-wait";

// Lines in the format Hearth's HTTP server (pxe-http.py) logs the image installer's requests.
const IMAGE = {
  plan: '10.77.0.50 - - [01/Dec/2026 13:45:27] "GET /nodes/52-54-00-77-00-50.plan HTTP/1.1" 200 2336',
  writing:
    '10.77.0.50 - - [01/Dec/2026 13:45:33] "GET /nodes/52-54-00-77-00-50.progress?stage=writing_the_root_file_system_from_http://10.77.0.2:8080/images/amd64-a500b76b64399023/root.tar.gz HTTP/1.1" 200 9',
  failed:
    '10.77.0.50 - - [01/Dec/2026 13:40:40] "GET /nodes/52-54-00-77-00-50.failed?stage=disk&detail=disk_/dev/sdz_does_not_exist_on_this_machine._Disks_seen:_vda:10G HTTP/1.1" 200 9',
  installed: (id: string) =>
    `10.77.0.50 - - [01/Dec/2026 13:46:13] "GET /nodes/52-54-00-77-00-50.installed?firmware=bios&id=${id} HTTP/1.1" 200 9`,
};

describe("wait-for-node.py with the image installer's reports", () => {
  const image = { installFile: "52-54-00-77-00-50.plan" };

  it("shows the step the installer last reported", () => {
    const r = watch(
      { ...image, port: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.writing] },
    );
    expect(r.stdout).toContain(
      "hearth: node-a: installing: writing the root file system from http://10.77.0.2:8080/images/amd64-a500b76b64399023/root.tar.gz",
    );
  });

  it("fails at once (exit 4) when the installer stopped, naming its stage and the disks it saw", () => {
    const r = watch(
      { ...image, timeoutMinutes: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.failed] },
    );
    expect(r.status).toBe(WAIT_EXIT.installerStopped);
    expect(r.ms).toBeLessThan(20000);
    expect(r.stderr).toContain(
      "the installer stopped at stage disk: disk /dev/sdz does not exist on this machine. Disks seen: vda:10G",
    );
  });

  it("forgets an earlier attempt's failure once the node fetched its plan again", () => {
    const again = IMAGE.plan.replace("13:45:27", "13:50:00");
    const r = watch(
      { ...image, port: 1 },
      {
        dnsmasq: DNSMASQ_LINES,
        http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.failed, again, IMAGE.writing],
      },
    );
    expect(r.status).toBe(WAIT_EXIT.timeout);
    expect(r.stderr).toContain("Last stage reached: installing: writing the root file system");
  });

  it("does not take the pinned key for this install until the node reports this install id", () => {
    const nodesDir = join(dir, "nodes");
    mkdirSync(nodesDir, { recursive: true });
    writeFileSync(join(nodesDir, "52-54-00-77-00-50.installed-id"), "1111111111111111\n");
    const install = { id: "2222222222222222", nodesDir };
    // The old install answers with the same pinned key: not enough.
    const old = watch({ ...image, install }, { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT] });
    expect(old.status).toBe(WAIT_EXIT.timeout);
    expect(old.stdout).toContain(
      "SSH answers with the pinned key, but the node has not reported install 2222222222222222",
    );
    // Its report of this install id is.
    const reported = watch(
      { ...image, install },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.installed(install.id)] },
    );
    expect(reported.status).toBe(WAIT_EXIT.ready);
    // A node whose record already holds this id (a later run of the same plan) needs no new report.
    writeFileSync(join(nodesDir, "52-54-00-77-00-50.installed-id"), "2222222222222222\n");
    const current = watch({ ...image, install }, { dnsmasq: DNSMASQ_LINES, http: [] });
    expect(current.status).toBe(WAIT_EXIT.ready);
  });

  it("takes an id an earlier Hearth recorded for the same install as this one: upgrading Hearth is no reinstall", () => {
    const nodesDir = join(dir, "legacy-nodes");
    mkdirSync(nodesDir, { recursive: true });
    writeFileSync(join(nodesDir, "52-54-00-77-00-50.installed-id"), "3333333333333333\n");
    const install = { id: "4444444444444444", nodesDir, alsoAccept: ["3333333333333333"] };
    const r = watch({ ...image, install }, { dnsmasq: DNSMASQ_LINES, http: [] });
    expect(r.status).toBe(WAIT_EXIT.ready);
  });
});
