/** A notification command for tests: a Node.js script that writes its standard input to the file it is given, then exits with the code given (0). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STDIN_SCRIPT = `
const { writeFileSync } = require('node:fs');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => { writeFileSync(process.argv[2], Buffer.concat(chunks)); process.exit(Number(process.argv[3] ?? 0)); });
`;

/** Writes the script into `dir`; run it as `node <script> <output file> [exit code]`. */
export function writeStdinCapture(dir: string): string {
  const script = join(dir, 'notify-stdin.cjs');
  writeFileSync(script, STDIN_SCRIPT);
  return script;
}
