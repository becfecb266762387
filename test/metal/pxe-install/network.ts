/**
 * The lab's LAN: a bridge in a network namespace with a tap for the machine and a veth pair to the host,
 * and the home router on it (dnsmasq for leases and DNS, apt-cacher-ng as the installer's proxy).
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "fs";
import { join } from "path";
import {
  cache,
  CONTROLLER,
  HOST_IF,
  LAN_IF,
  MAC,
  NODE_IP,
  NS,
  PROXY_PORT,
  ROUTER,
  work,
} from "./lab";
import { inNs, run } from "./host";
import { start } from "./processes";

/** Removes the lab's namespace and veth pair, if there are any (a run cut short leaves them). */
export function teardownNetwork(): void {
  run("ip", ["netns", "del", NS], true);
  run("ip", ["link", "del", HOST_IF], true);
}

/** The LAN: a bridge in the namespace with the machine's tap, and a veth pair to the router. */
export function setupNetwork(): void {
  teardownNetwork();
  run("ip", ["netns", "add", NS]);
  const ns = (...args: string[]) => run(...inNs("ip", args));
  ns("link", "set", "lo", "up");
  ns("link", "add", "br0", "type", "bridge");
  ns("addr", "add", `${CONTROLLER}/24`, "dev", "br0");
  ns("link", "set", "br0", "up");
  ns("tuntap", "add", "dev", "tap0", "mode", "tap");
  ns("link", "set", "tap0", "master", "br0", "up");
  run("ip", ["link", "add", HOST_IF, "type", "veth", "peer", "name", LAN_IF]);
  run("ip", ["link", "set", LAN_IF, "netns", NS]);
  ns("link", "set", LAN_IF, "master", "br0", "up");
  run("ip", ["addr", "add", `${ROUTER}/24`, "dev", HOST_IF]);
  run("ip", ["link", "set", HOST_IF, "up"]);
  ns("route", "add", "default", "via", ROUTER);
}

/** The home router: leases (the node's address reserved by MAC) and DNS. It knows nothing about PXE. */
export function startRouter(mirror: { host: string; directory: string }): void {
  start("router-dnsmasq", "/usr/sbin/dnsmasq", [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    `--interface=${HOST_IF}`,
    "--bind-interfaces",
    `--listen-address=${ROUTER}`,
    "--dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,1h",
    `--dhcp-host=${MAC},${NODE_IP}`,
    `--dhcp-option=option:router,${ROUTER}`,
    `--dhcp-option=option:dns-server,${ROUTER}`,
    `--dhcp-leasefile=${join(work, "router.leases")}`,
    "--log-dhcp",
    "--log-facility=-",
  ]);
  const acng = join(cache, "apt-cacher-ng");
  mkdirSync(acng, { recursive: true });
  mkdirSync(join(work, "apt-cacher-ng"), { recursive: true });
  // The package's own configuration, with the Debian backend set to the node's mirror (its default names
  // a host this test's network may not resolve).
  const conf = join(work, "apt-cacher-ng.conf.d");
  mkdirSync(conf, { recursive: true });
  for (const f of readdirSync("/etc/apt-cacher-ng"))
    copyFileSync(join("/etc/apt-cacher-ng", f), join(conf, f));
  writeFileSync(
    join(conf, "backends_debian"),
    `http://${mirror.host}${mirror.directory.replace(/\/*$/, "/")}\n`,
  );
  start("apt-cacher-ng", "/usr/sbin/apt-cacher-ng", [
    "-c",
    conf,
    "ForeGround=1",
    `Port=${PROXY_PORT}`,
    `BindAddress=${ROUTER}`,
    `CacheDir=${acng}`,
    `LogDir=${join(work, "apt-cacher-ng")}`,
    `PidFile=${join(work, "apt-cacher-ng.pid")}`,
    `SocketPath=${join(work, "apt-cacher-ng.socket")}`,
  ]);
}
