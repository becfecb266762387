import { execFileSync } from "child_process";
import { magicPacket, wakeCommand } from "./wol";

describe("Wake-on-LAN", () => {
  it("builds the 102-byte magic packet", () => {
    const packet = magicPacket("52:54:00:12:34:56");
    expect(packet.length).toBe(102);
    expect(packet.subarray(0, 6).toString("hex")).toBe("ffffffffffff");
    for (let i = 0; i < 16; i++) {
      expect(packet.subarray(6 + i * 6, 12 + i * 6).toString("hex")).toBe("525400123456");
    }
  });

  it("accepts hyphens and either case", () => {
    expect(magicPacket("52-54-00-AB-CD-EF").subarray(6, 12).toString("hex")).toBe("525400abcdef");
  });

  it("rejects what is not a MAC", () => {
    expect(() => magicPacket("52:54:00:12:34")).toThrow(/not a MAC address/);
  });

  it("broadcasts the packet's hex to UDP port 9 with python3", () => {
    const cmd = wakeCommand("52:54:00:12:34:56", "192.168.1.255");
    expect(cmd.startsWith("python3 -c '")).toBe(true);
    expect(cmd).toContain(`bytes.fromhex("${magicPacket("52:54:00:12:34:56").toString("hex")}")`);
    expect(cmd).toContain('("192.168.1.255", 9)');
    expect(cmd).toContain("SO_BROADCAST");
    expect(() => wakeCommand("52:54:00:12:34:56", "lan")).toThrow(/broadcast "lan"/);
  });

  it("is a program python3 compiles", () => {
    const program = wakeCommand("52:54:00:12:34:56", "192.168.1.255")
      .replace(/^python3 -c '/, "")
      .replace(/'$/, "");
    expect(() =>
      execFileSync("python3", ["-c", "import sys; compile(sys.stdin.read(), 'wake', 'exec')"], {
        input: program,
      }),
    ).not.toThrow();
  });
});
