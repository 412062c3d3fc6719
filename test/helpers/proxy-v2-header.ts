const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/**
 * A PROXY v2 header laid out as haproxy.org proxy-protocol.txt §2.2: command 0 LOCAL / 1 PROXY,
 * family 0x11 TCP over IPv4, 0x21 TCP over IPv6; `addresses` is the address block as bytes.
 */
export function proxyV2Header(
  command: number,
  family: number,
  addresses: number[],
  tlvs: number[] = [],
): Buffer {
  const body = [...addresses, ...tlvs];
  return Buffer.from([...SIGNATURE, 0x20 | command, family, body.length >> 8, body.length & 0xff, ...body]);
}

/** The IPv4 address block for `source:sourcePort -> destination:destinationPort`. */
export function ipv4Block(
  source: string,
  destination: string,
  sourcePort: number,
  destinationPort: number,
): number[] {
  const octets = (ip: string) => ip.split('.').map(Number);
  const port = (value: number) => [value >> 8, value & 0xff];
  return [...octets(source), ...octets(destination), ...port(sourcePort), ...port(destinationPort)];
}
