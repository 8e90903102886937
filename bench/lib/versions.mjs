// Versions of what is measured, for the report.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';

function packageVersion(relativePath) {
  try {
    return JSON.parse(readFileSync(new URL(relativePath, import.meta.url), 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function contenderVersion(entry) {
  if (entry.reference) {
    const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
    return cc.status === 0 ? cc.stdout.split('\n')[0] : undefined;
  }
  if (entry.package) return packageVersion(`../node_modules/${entry.package}/package.json`);
  return packageVersion('../../package.json'); // rspty: this repository
}

export function machine() {
  const cpuInfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  return {
    node: process.version,
    kernel: release(),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuInfo)?.[1],
    cores: (cpuInfo.match(/^processor\s*:/gm) ?? []).length,
  };
}
