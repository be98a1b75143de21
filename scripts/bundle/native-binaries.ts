/**
 * What kind of machine code a file holds, read from its header: ELF (Linux), PE (Windows),
 * Mach-O (macOS), with the processor it is for. The file's name is not trusted: a `.node`
 * module, an `.exe`, a `.dll` or an extensionless helper are all found by their first bytes.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type BinaryFormat = 'elf' | 'pe' | 'macho';

export interface BinaryKind {
  format: BinaryFormat;
  /** `x86-64`, `arm64`, `x86`, `arm`, ... or `machine 0x1234` for one not named here. */
  machine: string;
}

const ELF_MACHINES: Record<number, string> = { 0x03: 'x86', 0x28: 'arm', 0x3e: 'x86-64', 0xb7: 'arm64', 0xf3: 'riscv', 0x102: 'loongarch', 0x16: 's390', 0x15: 'ppc64', 0x08: 'mips' };
const PE_MACHINES: Record<number, string> = { 0x8664: 'x86-64', 0xaa64: 'arm64', 0x014c: 'x86', 0x01c4: 'arm' };
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x86-64', 0x0100000c: 'arm64', 0x07: 'x86', 0x0c: 'arm' };

function named(table: Record<number, string>, code: number): string {
  return table[code] ?? `machine 0x${code.toString(16)}`;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/** The PE header's machine field: "MZ", then at e_lfanew (offset 0x3c) "PE\0\0" and the machine. */
function peMachine(fd: number, head: Buffer): number | null {
  if (head.length < 0x40) return null;
  const at = head.readUInt32LE(0x3c);
  const header = readAt(fd, at, 6);
  if (header.length < 6 || header.readUInt32BE(0) !== 0x50450000) return null;
  return header.readUInt16LE(4);
}

/** The binary in `path`, or null for any other file (script, text, data, WebAssembly). */
export function binaryKind(path: string): BinaryKind | null {
  const fd = openSync(path, 'r');
  try {
    const head = readAt(fd, 0, 64);
    if (head.length < 20) return null;
    if (head.readUInt32BE(0) === 0x7f454c46) {
      const littleEndian = head[5] === 1;
      return { format: 'elf', machine: named(ELF_MACHINES, littleEndian ? head.readUInt16LE(18) : head.readUInt16BE(18)) };
    }
    if (head.toString('latin1', 0, 2) === 'MZ') {
      const machine = peMachine(fd, head);
      return machine === null ? null : { format: 'pe', machine: named(PE_MACHINES, machine) };
    }
    const magic = head.readUInt32BE(0);
    if (magic === 0xfeedface || magic === 0xfeedfacf) return { format: 'macho', machine: named(MACHO_CPUS, head.readUInt32BE(4)) };
    if (magic === 0xcefaedfe || magic === 0xcffaedfe) return { format: 'macho', machine: named(MACHO_CPUS, head.readUInt32LE(4)) };
    // A universal Mach-O starts as a Java class file does; a class file's next word is its
    // version (45 and up in the low half), a universal binary's its count of architectures.
    if (magic === 0xcafebabe && head.readUInt32BE(4) < 20) return { format: 'macho', machine: 'universal' };
    return null;
  } finally {
    closeSync(fd);
  }
}
