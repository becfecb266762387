"""Hearth: follow one node's network install from the PXE controller until SSH answers with its pinned host key.

Runs on the controller (python3 is already there for the HTTP server), fed on standard input by the PxeController's
wait step; `npm run test:metal` runs the same file against a virtual machine. Standard library only.

It reads what the controller saw of the node (dnsmasq's proxy-DHCP log and the HTTP server's request log, from
the journal or from files), prints each new stage once, and dials the node's SSH port with OpenSSH, the pinned key
as the only known host key. Exit codes: 0 when the pinned key answered; 2 on timeout, naming the last stage
reached; 3 when, after the installer fetched its install file, the node answers with another host key (a
different machine at the address, or an install that did not plant the key): no command may run on it; 4 when
the image installer reported that it stopped (a missing disk, say), with its stage and reason.

With --install-id (image installs), the pinned key alone is not enough when the controller's record of what the
node last reported installed (nodes/<mac>.installed-id) is another id: the node must report this install.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

# Stages in the order a network install passes them; the evidence is what the controller itself logs.
WAITING = "waiting for the network boot (nothing from this MAC yet)"
PXE = "network boot answered (proxy-DHCP sent the boot server)"
SCRIPT = "iPXE fetched its install script"
INSTALLING = "installing (the installer fetched its install file)"
INSTALLED = "installed, rebooting: the installer planted the host key and reported; booting the new system"
BOOT_ORDER_FIX = ("The node reported its install but never came back from its disk: make the firmware boot the "
                  "disk before the network (UEFI: the disk's EFI/BOOT/BOOTX64.EFI; legacy BIOS: the disk itself), "
                  "and check that the firmware mode is the one the install ran under.")
NETWORK_AGAIN = ("booted from the network again after its install and will install once more: put the disk "
                 "before the network in its boot order")
SSH_OTHER_KEY = "SSH answers with another host key"
READY = "SSH answers with the pinned host key"


def log(name, message, started):
    elapsed = int(time.time() - started)
    print(f"hearth: {name}: {message} (after {elapsed // 60}m{elapsed % 60:02d}s)", flush=True)


def read_logs(args):
    """The controller's dnsmasq and HTTP logs since the wait began."""
    if args.dnsmasq_log or args.http_log:
        text = []
        for path in (args.dnsmasq_log, args.http_log):
            if path and os.path.exists(path):
                with open(path, "r", encoding="utf-8", errors="replace") as f:
                    text.append(f.read())
        return "\n".join(text)
    try:
        out = subprocess.run(
            [
                "journalctl", "--no-pager", "-q", "-o", "cat",
                "-u", "hearth-dnsmasq.service", "-u", "hearth-http.service",
                "--since", f"@{int(args.since)}",
            ],
            capture_output=True, text=True, check=False,
        )
    except FileNotFoundError:
        return ""
    return out.stdout


def failure_from_logs(text, mac):
    """(stage, reason) when the image installer reported that it stopped, else None. Only a report after the
    node's latest plan fetch counts: an earlier attempt's failure is history once the node boots again."""
    stem = mac.replace(":", "-")
    fetches = list(re.finditer(rf'"GET /nodes/{re.escape(stem)}\.plan HTTP/[0-9.]+" 200', text))
    if fetches:
        text = text[fetches[-1].end():]
    m = re.search(rf'"GET /nodes/{re.escape(stem)}\.failed\?stage=([^& ]*)&detail=(\S*) HTTP/[0-9.]+"', text)
    if not m:
        return None
    return m.group(1).replace("_", " "), m.group(2).replace("_", " ")


def reported_id(text, mac, install_id):
    """Whether the logs hold this node's "installed" report for install_id."""
    stem = mac.replace(":", "-")
    return re.search(rf'"GET /nodes/{re.escape(stem)}\.installed\?[^ "]*id={re.escape(install_id)}', text) is not None


def stage_from_logs(text, mac, install_file):
    """The furthest stage the logs prove for this MAC."""
    stem = mac.replace(":", "-")
    reported = re.search(rf'"GET /nodes/{re.escape(stem)}\.installed(\?\S*)? HTTP/[0-9.]+"', text)
    if reported:
        # After the report the node must boot its disk; its install script fetched again means a loop.
        script_again = re.search(rf'"GET /nodes/{re.escape(stem)}\.ipxe HTTP/[0-9.]+" 200', text[reported.end():])
        return NETWORK_AGAIN if script_again else INSTALLED
    fetched = re.search(rf'"GET /nodes/{re.escape(install_file)} HTTP/[0-9.]+" 200', text)
    if fetched:
        # The image installer reports each of its steps; the last one is where it is.
        steps = re.findall(rf'"GET /nodes/{re.escape(stem)}\.progress\?stage=(\S*) HTTP/[0-9.]+"',
                           text[fetched.end():])
        return f"installing: {steps[-1].replace('_', ' ')}" if steps else INSTALLING
    if re.search(rf'"GET /nodes/{re.escape(stem)}\.ipxe HTTP/[0-9.]+" 200', text):
        return SCRIPT
    if mac in text.lower():
        return PXE
    return WAITING


def probe_ssh(args, known_hosts):
    """('pinned' | 'other' | 'down', detail): what answers on the node's SSH port."""
    cmd = [
        "ssh", "-v", "-F", "/dev/null",
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", f"UserKnownHostsFile={known_hosts}",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "HostKeyAlias=hearth-node",
        "-o", "HostKeyAlgorithms=ssh-ed25519",
        "-o", "PreferredAuthentications=none,publickey",
        "-o", "IdentitiesOnly=yes",
        "-o", "IdentityFile=/dev/null",
        "-o", f"ConnectTimeout={args.connect_timeout}",
        "-p", str(args.port),
        f"{args.user}@{args.host}",
        "true",
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.connect_timeout + 20,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "down", "no answer"
    err = out.stderr
    # OpenSSH logs this once the server proved it holds the pinned key; authentication comes only after.
    if "is known and matches the ED25519 host key" in err:
        return "pinned", ""
    served = re.search(r"Server host key: (\S+ \S+)", err)
    if served:
        return "other", served.group(1)
    return "down", (err.strip().splitlines() or ["no answer"])[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--mac", required=True)
    parser.add_argument("--install-file", required=True, help="the node's file name under nodes/")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=22)
    parser.add_argument("--user", default="hearth")
    parser.add_argument("--host-key", required=True, help="the pinned ssh-ed25519 public key line")
    parser.add_argument("--timeout-minutes", type=float, default=60)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--connect-timeout", type=int, default=10)
    parser.add_argument("--since", type=float, default=time.time(),
                        help="epoch seconds; older log lines are ignored")
    parser.add_argument("--dnsmasq-log", help="read this file instead of the journal")
    parser.add_argument("--http-log", help="read this file instead of the journal")
    parser.add_argument("--install-id", help="image installs: the plan's install id the node must report")
    parser.add_argument("--nodes-dir", help="the controller's nodes/ directory (its <mac>.installed-id records)")
    parser.add_argument("--accept-id", action="append", default=[],
                        help="another recorded id that is this install already (one an earlier Hearth computed)")
    args = parser.parse_args()
    mac = args.mac.lower()

    key = args.host_key.strip().split()
    if len(key) < 2 or key[0] != "ssh-ed25519":
        print(f"hearth: {args.name}: --host-key must be an ssh-ed25519 public key line", file=sys.stderr)
        return 64
    started = time.time()
    deadline = started + args.timeout_minutes * 60
    with tempfile.NamedTemporaryFile("w", prefix="hearth-known-hosts-", delete=False) as f:
        f.write(f"hearth-node {key[0]} {key[1]}\n")
        known_hosts = f.name
    # An image install is current when the controller's record says the node reported this very install id.
    must_report = False
    if args.install_id:
        record = ""
        if args.nodes_dir:
            try:
                with open(os.path.join(args.nodes_dir, mac.replace(":", "-") + ".installed-id"), encoding="utf-8") as f:
                    record = f.read().strip()
            except FileNotFoundError:
                pass
        must_report = record not in [args.install_id, *args.accept_id]
    stage, stage_at, other_reported, old_reported = None, started, None, False
    try:
        while True:
            text = read_logs(args)
            failed = failure_from_logs(text, mac)
            if failed:
                print(f"hearth: {args.name}: the installer stopped at stage {failed[0]}: {failed[1]}. Nothing was "
                      "written past that stage; fix the node's config and run pulumi up, then power it on again.",
                      file=sys.stderr, flush=True)
                return 4
            seen = stage_from_logs(text, mac, args.install_file)
            if seen != stage:
                stage, stage_at = seen, time.time()
                log(args.name, stage, started)
            state, detail = probe_ssh(args, known_hosts)
            if state == "pinned" and must_report and not reported_id(text, mac, args.install_id):
                if not old_reported:
                    old_reported = True
                    log(args.name, "SSH answers with the pinned key, but the node has not reported install "
                        f"{args.install_id} (its name, OS or reinstall setting changed): boot it from the "
                        "network once to reinstall it", started)
                state = "down"
            if state == "pinned":
                log(args.name, READY, started)
                return 0
            if state == "other":
                if stage in (INSTALLING, INSTALLED, NETWORK_AGAIN) or stage.startswith("installing"):
                    print(
                        f"hearth: {args.name}: {args.host}:{args.port} answers with host key {detail}, not the "
                        f"pinned {key[0]} key, after the installer fetched its install file. Stopping before any "
                        "command runs on it: check that no other machine holds this address and that the "
                        "install ran to its end (its late command plants the key).",
                        file=sys.stderr, flush=True,
                    )
                    return 3
                if other_reported != detail:
                    other_reported = detail
                    log(args.name, f"{SSH_OTHER_KEY} ({detail}): the system from before the install? "
                        "It must boot from the network to be installed", started)
            now = time.time()
            if now >= deadline:
                ago = int(now - stage_at)
                print(
                    f"hearth: {args.name}: no SSH answer with the pinned host key within "
                    f"{args.timeout_minutes:g} minutes. Last stage reached: {stage} "
                    f"({ago // 60}m{ago % 60:02d}s ago). Last SSH attempt: {detail or 'refused'}."
                    + (f" {BOOT_ORDER_FIX}" if stage == INSTALLED else ""),
                    file=sys.stderr, flush=True,
                )
                return 2
            time.sleep(min(args.interval, max(0.0, deadline - now)))
    finally:
        os.unlink(known_hosts)


if __name__ == "__main__":
    sys.exit(main())
