import { DnsmasqSpec, renderDnsmasqConfig } from "./dnsmasq";

const spec: DnsmasqSpec = {
  serverAddress: "192.168.1.5",
  httpPort: 8080,
  network: "192.168.1.0/24",
  tftpRoot: "/srv/hearth/tftp",
  macs: ["52:54:00:12:34:56", "52:54:00:aa:bb:cc"],
};

const lines = (text: string) => text.split("\n");

describe("renderDnsmasqConfig", () => {
  it("runs proxy-DHCP on the LAN and no DNS", () => {
    const conf = lines(renderDnsmasqConfig(spec));
    expect(conf).toContain("port=0");
    expect(conf).toContain("dhcp-range=192.168.1.0,proxy,255.255.255.0");
    expect(conf.some((l) => /^dhcp-range=.*,\d+\.\d+\.\d+\.\d+,\d+\.\d+\.\d+\.\d+,/.test(l))).toBe(
      false,
    );
  });

  it("answers only the configured MACs", () => {
    const conf = lines(renderDnsmasqConfig(spec));
    expect(conf).toContain("dhcp-host=52:54:00:12:34:56,set:hearth");
    expect(conf).toContain("dhcp-host=52:54:00:aa:bb:cc,set:hearth");
    expect(conf).toContain("dhcp-ignore=tag:!hearth");
    const services = conf.filter((l) => l.startsWith("pxe-service="));
    expect(services).toHaveLength(8);
    expect(services.every((l) => l.startsWith("pxe-service=tag:hearth,"))).toBe(true);
  });

  it("serves iPXE over TFTP to plain firmware, by architecture", () => {
    const conf = lines(renderDnsmasqConfig(spec));
    expect(conf).toContain("enable-tftp");
    expect(conf).toContain("tftp-root=/srv/hearth/tftp");
    expect(conf).toContain(
      'pxe-service=tag:hearth,tag:!ipxe,x86PC,"Hearth: load iPXE",undionly.kpxe',
    );
    expect(conf).toContain(
      'pxe-service=tag:hearth,tag:!ipxe,X86-64_EFI,"Hearth: load iPXE",ipxe.efi',
    );
    expect(conf).toContain(
      'pxe-service=tag:hearth,tag:!ipxe,ARM64_EFI,"Hearth: load iPXE",ipxe-arm64.efi',
    );
  });

  it("chains clients already running iPXE to the boot script over HTTP", () => {
    const conf = lines(renderDnsmasqConfig(spec));
    expect(conf).toContain("dhcp-userclass=set:ipxe,iPXE");
    expect(conf).toContain("dhcp-match=set:ipxe,175");
    expect(conf).toContain(
      'pxe-service=tag:hearth,tag:ipxe,X86-64_EFI,"Hearth: boot script",http://192.168.1.5:8080/boot.ipxe',
    );
  });

  it("binds to the interface when one is given, else to the server address", () => {
    expect(lines(renderDnsmasqConfig({ ...spec, interface: "enp3s0" }))).toEqual(
      expect.arrayContaining(["interface=enp3s0", "bind-interfaces"]),
    );
    expect(lines(renderDnsmasqConfig(spec))).toEqual(
      expect.arrayContaining(["listen-address=192.168.1.5", "bind-dynamic"]),
    );
  });

  it("refuses duplicate or malformed MACs, no MACs, and bad paths", () => {
    expect(() =>
      renderDnsmasqConfig({ ...spec, macs: ["52:54:00:12:34:56", "52:54:00:12:34:56"] }),
    ).toThrow(/given to two nodes/);
    expect(() => renderDnsmasqConfig({ ...spec, macs: ["52:54:00:12:34:5Z"] })).toThrow(
      /lowercase/,
    );
    expect(() => renderDnsmasqConfig({ ...spec, macs: [] })).toThrow(/at least one metal node/);
    expect(() => renderDnsmasqConfig({ ...spec, tftpRoot: "srv/tftp" })).toThrow(/absolute path/);
    expect(() => renderDnsmasqConfig({ ...spec, interface: "eth0; rm" })).toThrow(/interface/);
  });
});
