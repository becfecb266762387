/** Wake-on-LAN: the magic packet, and the command the controller runs to broadcast it. */
import { isIpv4, isMac, normalizeMac } from "../net";
import { shellQuote } from "../shell";

/** The magic packet for a MAC: six 0xff bytes, then the MAC sixteen times (102 bytes). */
export function magicPacket(mac: string): Buffer {
  if (!isMac(normalizeMac(mac))) {
    throw new Error(`Wake-on-LAN: "${mac}" is not a MAC address (expected e.g. 52:54:00:12:34:56)`);
  }
  const address = Buffer.from(mac.replace(/[:-]/g, ""), "hex");
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => address)]);
}

/**
 * A shell command for the controller that broadcasts the magic packet to UDP port 9 of `broadcast` (the
 * LAN's directed broadcast address), three times because the packet is fire-and-forget UDP.
 */
export function wakeCommand(mac: string, broadcast: string): string {
  if (!isIpv4(broadcast)) {
    throw new Error(
      `Wake-on-LAN: broadcast "${broadcast}" is not an IPv4 address (e.g. 192.168.1.255)`,
    );
  }
  const hex = magicPacket(mac).toString("hex");
  const program = [
    "import socket",
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)",
    `for _ in range(3): s.sendto(bytes.fromhex("${hex}"), ("${broadcast}", 9))`,
  ].join("\n");
  return `python3 -c ${shellQuote(program)}`;
}
