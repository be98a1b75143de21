/**
 * THIRD-PARTY-NOTICES.txt: Node.js's licence, then every package in app/node_modules with its
 * name, version, declared licence and the text of its licence files, as the package ships them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredLicense, installedPackages } from './installed-packages.ts';

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([-_.].*)?$/i;
const CODE_FILE = /\.(js|cjs|mjs|ts|json|map)$/i;
const RULE = '='.repeat(78);

export interface Notices {
  text: string;
  packages: number;
  /** Packages that ship no licence file: only their declared licence is listed. */
  withoutLicenseFile: string[];
}

export function thirdPartyNotices(appDir: string, nodeVersion: string, nodeLicense: string): Notices {
  const sections: string[] = [
    'THIRD-PARTY NOTICES / 第三者ソフトウェアのライセンス表示',
    '',
    'pmh-bot ships the following software, each under its own licence.',
    'pmh-bot は以下のソフトウェアを同梱しています。それぞれのライセンスに従います。',
    '',
    RULE,
    `Node.js ${nodeVersion} (node/)`,
    'License: MIT (with the licences of the software Node.js includes, below)',
    RULE,
    nodeLicense.trimEnd(),
    '',
  ];
  const seen = new Set<string>();
  const withoutLicenseFile: string[] = [];
  const packages = installedPackages(appDir).sort((a, b) => `${a.json.name}@${a.json.version}`.localeCompare(`${b.json.name}@${b.json.version}`, 'en'));
  for (const pkg of packages) {
    const id = `${pkg.json.name}@${pkg.json.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const dir = join(appDir, pkg.path);
    const files = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile() && LICENSE_FILE.test(entry.name) && !CODE_FILE.test(entry.name)).map((entry) => entry.name).sort();
    if (files.length === 0) withoutLicenseFile.push(id);
    sections.push(RULE, `${pkg.json.name} ${pkg.json.version} (app/${pkg.path})`, `License: ${declaredLicense(pkg.json)}`, RULE);
    if (files.length === 0) sections.push('(The package ships no licence file; its package.json declares the licence above.)', '');
    for (const file of files) sections.push(`--- ${file} ---`, readFileSync(join(dir, file), 'utf8').trimEnd(), '');
  }
  return { text: `${sections.join('\n')}\n`, packages: seen.size, withoutLicenseFile };
}
