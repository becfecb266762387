/** The shell scripts the PXE controller's remote commands run; pure so they are tested without Pulumi. */
import { readFileSync } from "fs";
import { join } from "path";
import type { Arch } from "../types";
import { IPXE_BINARIES } from "./dnsmasq";
import { asRoot, installFromStdinScript, shellQuote } from "../shell";

/** System user the HTTP server runs as; it alone may read the install files that hold host keys. */
export const HTTP_USER = "hearth-pxe";

/** The controller's directory layout under its root directory. */
export interface ControllerLayout {
  rootDir: string;
  tftpRoot: string;
  httpRoot: string;
  nodesDir: string;
  /**
   * Root-only copies of the install files, outside the HTTP root, made by the node wait: a failed install's
   * file stops being served, and the next wait serves it again from here.
   */
  keptDir: string;
  dnsmasqConf: string;
}

/** Why `rootDir` cannot hold the controller's files (not a plain absolute path), or undefined. */
export function rootDirProblem(rootDir: string): string | undefined {
  if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(rootDir) || rootDir.split("/").includes("..")) {
    return `"${rootDir}" must be an absolute path without a trailing slash or "..", such as /srv/hearth`;
  }
  return undefined;
}

/** Paths under `rootDir`; throws when `rootDir` is not a plain absolute path. */
export function controllerLayout(rootDir: string): ControllerLayout {
  const problem = rootDirProblem(rootDir);
  if (problem) throw new Error(`PXE controller: rootDir ${problem}`);
  return {
    rootDir,
    tftpRoot: `${rootDir}/tftp`,
    httpRoot: `${rootDir}/http`,
    nodesDir: `${rootDir}/http/nodes`,
    keptDir: `${rootDir}/kept`,
    dnsmasqConf: `${rootDir}/dnsmasq.conf`,
  };
}

/** Where the setup installs Hearth's HTTP server (`pxe-http.py`, shipped beside this file). */
export const HTTP_SERVER_PATH = "/usr/local/lib/hearth/pxe-http.py";

/** The HTTP server's source: static files, no listings, byte counts in its log, the installers' reports. */
export function httpServerProgram(): string {
  return readFileSync(join(__dirname, "pxe-http.py"), "utf8");
}

/**
 * The systemd unit of Hearth's HTTP server, which serves boot scripts, install files and node images. It may
 * write in `nodes/` only: an "installed" report removes that node's plan and records its install id.
 */
export function httpServiceUnit(layout: ControllerLayout, address: string, port: number): string {
  return [
    "[Unit]",
    "Description=Hearth PXE HTTP server (iPXE scripts and install files)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    `User=${HTTP_USER}`,
    `Group=${HTTP_USER}`,
    `ExecStart=/usr/bin/python3 ${HTTP_SERVER_PATH} --bind ${address} --directory ${layout.httpRoot} ${port}`,
    // The address may come up after the unit starts (DHCP reservation, slow link): keep retrying.
    "Restart=always",
    "RestartSec=5",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    `ReadWritePaths=${layout.nodesDir}`,
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Our own dnsmasq unit: the distribution's would also start DNS on port 53 and fight systemd-resolved. */
export function dnsmasqServiceUnit(layout: ControllerLayout): string {
  return [
    "[Unit]",
    "Description=Hearth PXE proxy-DHCP and TFTP (dnsmasq)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    `ExecStartPre=/usr/sbin/dnsmasq --test --conf-file=${layout.dnsmasqConf}`,
    `ExecStart=/usr/sbin/dnsmasq --keep-in-foreground --conf-file=${layout.dnsmasqConf}`,
    "Restart=on-failure",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** What the setup script installs. */
export interface SetupSpec {
  layout: ControllerLayout;
  serverAddress: string;
  httpPort: number;
  /** Whether an arm64 node is configured, so the arm64 iPXE binary must be present. */
  needsArm64: boolean;
  /** Debian installers to serve: one per architecture of the Debian nodes. @default none */
  debianInstallers?: DebianInstaller[];
}

/** Debian's netboot installer for one architecture, served from `<httpRoot>/<dir>`. */
export interface DebianInstaller {
  arch: Arch;
  /** Directory under the HTTP root, e.g. `debian-installer/amd64`. */
  dir: string;
  /** Mirror URL of the same files, used when the controller's archive has no netboot package. */
  mirrorBase: string;
}

/** Debian's package that ships the netboot installer for an architecture. */
export function netbootPackage(arch: Arch): string {
  return `debian-installer-12-netboot-${arch}`;
}

/** Where that package puts the text-mode netboot kernel and initrd. */
export function netbootPackageDir(arch: Arch): string {
  return `/usr/lib/debian-installer/images/12/${arch}/text/debian-installer/${arch}`;
}

/**
 * Lines that place Debian's netboot kernel and initrd under the HTTP root: from the controller's own Debian
 * package when its archive has one (the files are then signed by the archive, not fetched over plain HTTP),
 * otherwise from the mirror.
 */
function debianInstallerLines(layout: ControllerLayout, installer: DebianInstaller): string[] {
  const src = netbootPackageDir(installer.arch);
  const dest = shellQuote(`${layout.httpRoot}/${installer.dir}`);
  const fetch = [
    "import sys, urllib.request",
    "for name in ('linux', 'initrd.gz'):",
    "    urllib.request.urlretrieve(sys.argv[1] + '/' + name, sys.argv[2] + '/' + name + '.part')",
  ].join("\n");
  return [
    `install -d -m 0755 ${dest}`,
    `if [ -f ${src}/linux ] && [ -f ${src}/initrd.gz ]; then`,
    "  for f in linux initrd.gz; do",
    `    cmp -s ${src}/$f ${dest}/$f || install -m 0644 ${src}/$f ${dest}/$f`,
    "  done",
    `elif [ ! -f ${dest}/linux ] || [ ! -f ${dest}/initrd.gz ]; then`,
    `  echo "Hearth: ${netbootPackage(installer.arch)} is not in this controller's archive; fetching the installer from ${installer.mirrorBase}" >&2`,
    `  python3 -c ${shellQuote(fetch)} ${shellQuote(installer.mirrorBase)} ${dest}`,
    `  for f in linux initrd.gz; do chmod 0644 ${dest}/$f.part; mv -f ${dest}/$f.part ${dest}/$f; done`,
    "fi",
  ];
}

/** Writes `content` to `path` only when it differs; `then` runs after a change. */
function putFile(path: string, mode: string, content: string, then: string): string[] {
  return [
    `if ! printf '%s' ${shellQuote(content)} | cmp -s - ${shellQuote(path)}; then`,
    `  printf '%s' ${shellQuote(content)} > ${shellQuote(path)}`,
    `  chmod ${mode} ${shellQuote(path)}`,
    `  ${then}`,
    "fi",
  ];
}

/**
 * Idempotent controller setup: packages (dnsmasq, iPXE, python3, OpenSSH's client for the node wait), the HTTP user, directories, the iPXE
 * binaries in the TFTP root, and both systemd units. The HTTP server is (re)started here; dnsmasq starts once
 * its configuration is written.
 */
export function setupScript(spec: SetupSpec): string {
  const { layout } = spec;
  const installers = spec.debianInstallers ?? [];
  const tftp = shellQuote(layout.tftpRoot);
  const arm64 = shellQuote(`${layout.tftpRoot}/${IPXE_BINARIES.efiArm64}`);
  const lines = [
    "set -eu",
    "if ! command -v apt-get >/dev/null 2>&1; then",
    '  echo "Hearth: the PXE controller must run Debian or Ubuntu (apt-get not found)" >&2; exit 1',
    "fi",
    "export DEBIAN_FRONTEND=noninteractive",
    'missing=""',
    "for p in dnsmasq-base ipxe python3 openssh-client; do",
    `  dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"`,
    "done",
    "# The netboot installers come from the archive when it has them (Debian does, Ubuntu does not).",
    ...installers.map((i) =>
      [
        `if ! dpkg-query -W -f='\${Status}' ${netbootPackage(i.arch)} 2>/dev/null | grep -q 'install ok installed'`,
        `  && apt-cache show ${netbootPackage(i.arch)} >/dev/null 2>&1; then missing="$missing ${netbootPackage(i.arch)}"; fi`,
      ].join(" \\\n"),
    ),
    'if [ -n "$missing" ]; then apt-get update -q && apt-get install -y -q --no-install-recommends $missing; fi',
    `getent passwd ${HTTP_USER} >/dev/null || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${HTTP_USER}`,
    // Its own group owns nodes/ (where it removes reported plans), also on controllers set up before that.
    `getent group ${HTTP_USER} >/dev/null || groupadd --system ${HTTP_USER}`,
    `[ "$(id -gn ${HTTP_USER})" = ${HTTP_USER} ] || usermod -g ${HTTP_USER} ${HTTP_USER}`,
    `install -d -m 0755 ${shellQuote(layout.rootDir)} ${tftp} ${shellQuote(layout.httpRoot)}`,
    `install -d -m 0770 -o root -g ${HTTP_USER} ${shellQuote(layout.nodesDir)}`,
    "# Empty index pages stop the HTTP server from listing which MACs have install files.",
    `for d in ${shellQuote(layout.httpRoot)} ${shellQuote(layout.nodesDir)}; do [ -f "$d/index.html" ] || install -m 0644 /dev/null "$d/index.html"; done`,
    `install -m 0644 /usr/lib/ipxe/${IPXE_BINARIES.bios} ${tftp}/${IPXE_BINARIES.bios}`,
    `install -m 0644 /usr/lib/ipxe/${IPXE_BINARIES.efiX64} ${tftp}/${IPXE_BINARIES.efiX64}`,
  ];
  if (spec.needsArm64) {
    lines.push(
      `if [ ! -f ${arm64} ]; then`,
      "  for c in /usr/lib/ipxe/arm64-efi/ipxe.efi /usr/lib/ipxe/ipxe-arm64.efi; do",
      `    if [ -f "$c" ]; then install -m 0644 "$c" ${arm64}; break; fi`,
      "  done",
      "fi",
      `if [ ! -f ${arm64} ]; then`,
      `  echo "Hearth: an arm64 node is configured but this controller's ipxe package has no arm64 EFI binary. Build iPXE for arm64 (bin-arm64-efi/snp.efi) and copy it to ${layout.tftpRoot}/${IPXE_BINARIES.efiArm64}, then run pulumi up again." >&2`,
      "  exit 1",
      "fi",
    );
  }
  lines.push(...installers.flatMap((i) => debianInstallerLines(layout, i)));
  lines.push(
    "reload=",
    "install -d -m 0755 /usr/local/lib/hearth",
    ...putFile(HTTP_SERVER_PATH, "0644", httpServerProgram(), "restart_http=1"),
    ...putFile(
      "/etc/systemd/system/hearth-http.service",
      "0644",
      httpServiceUnit(layout, spec.serverAddress, spec.httpPort),
      "reload=1; restart_http=1",
    ),
    ...putFile(
      "/etc/systemd/system/hearth-dnsmasq.service",
      "0644",
      dnsmasqServiceUnit(layout),
      "reload=1",
    ),
    'if [ -n "$reload" ]; then systemctl daemon-reload; fi',
    "systemctl enable --now hearth-http.service",
    'if [ -n "${restart_http:-}" ]; then systemctl restart hearth-http.service; fi',
  );
  return asRoot(lines.join("\n"));
}

/** Shows the unit's last log lines when it fails to start: a port clash or a bad option is named there. */
const RESTART_DNSMASQ =
  "systemctl restart hearth-dnsmasq.service || " +
  "{ journalctl -u hearth-dnsmasq.service -n 20 --no-pager >&2; exit 1; }";

/** Writes dnsmasq.conf from stdin and (re)starts dnsmasq when it changed or is not running. */
export function dnsmasqConfigScript(layout: ControllerLayout): string {
  return [
    installFromStdinScript({ path: layout.dnsmasqConf, mode: "0644", onChange: RESTART_DNSMASQ }),
    asRoot(
      [
        "set -eu",
        "systemctl enable --quiet hearth-dnsmasq.service",
        `systemctl is-active --quiet hearth-dnsmasq.service || { ${RESTART_DNSMASQ}; }`,
      ].join("\n"),
    ),
  ].join("\n");
}

/** Writes a public file (boot script, node script) under the HTTP root from stdin. */
export function publicFileScript(path: string): string {
  return installFromStdinScript({ path, mode: "0644" });
}

/** Writes a file that holds a host private key: readable by the HTTP server's user only. */
export function secretFileScript(path: string): string {
  return installFromStdinScript({ path, mode: "0600", owner: HTTP_USER });
}

/**
 * Run once a node answers SSH with its pinned key: its iPXE script now boots the local disk, so a later
 * network boot never wipes it, and the install file, which holds the host private key, leaves the HTTP server.
 */
export function installedScript(
  scriptPath: string,
  installFilePath: string,
  keptAt?: string,
): string {
  return [
    asRoot(`rm -f ${[installFilePath, ...(keptAt ? [keptAt] : [])].map(shellQuote).join(" ")}`),
    installFromStdinScript({ path: scriptPath, mode: "0644" }),
  ].join("\n");
}
