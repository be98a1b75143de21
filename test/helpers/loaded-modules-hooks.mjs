// Module hooks that append every module URL the process resolves to the file named by
// PMH_BOT_LOADED_MODULES: the test of the production path reads it.
import { appendFileSync } from 'node:fs';

const out = process.env.PMH_BOT_LOADED_MODULES;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (out && resolved.url.startsWith('file:')) appendFileSync(out, `${resolved.url}\n`);
  return resolved;
}
