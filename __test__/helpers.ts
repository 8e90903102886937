import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pty } from '../lib/index.js';

/** Every remaining chunk of output, concatenated. */
export async function collect(pty: Pty): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of pty) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Reads until the output so far contains `marker`; returns that output. */
export async function readUntil(pty: Pty, marker: string): Promise<string> {
  let seen = '';
  for await (const chunk of pty) {
    seen += chunk.toString('latin1');
    if (seen.includes(marker)) return seen;
  }
  throw new Error(`output ended before ${JSON.stringify(marker)}; got ${JSON.stringify(seen)}`);
}

/** The fds open in this process right now, but for the TypeScript loader's cache files. */
export function openFds(): string[] {
  const cache = join(tmpdir(), 'tsx-');
  return readdirSync('/proc/self/fd')
    .filter((fd) => {
      try {
        return !readlinkSync(`/proc/self/fd/${fd}`).startsWith(cache);
      } catch {
        return false; // the directory handle readdir used, closed by now
      }
    })
    .sort((a, b) => Number(a) - Number(b));
}

/** Fields of /proc/<pid>/stat after the command name. */
export function procStat(pid: number): { state: string; ppid: number; pgrp: number; session: number; ttyNr: number; tpgid: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    ttyNr: Number(fields[4]),
    tpgid: Number(fields[5]),
  };
}

/** A line of /proc/<pid>/status, such as SigIgn. */
export function procStatus(pid: number | 'self', key: string): string {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const line = status.split('\n').find((l) => l.startsWith(`${key}:`));
  if (!line) throw new Error(`no ${key} in /proc/${pid}/status`);
  return line.slice(key.length + 1).trim();
}
