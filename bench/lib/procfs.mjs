// Reading (and resetting) the kernel's per-process counters in /proc.
import { readFileSync, writeFileSync } from 'node:fs';

// { rssKiB, peakRssKiB, threads } of a process, or undefined once it is gone.
export function processStatus(pid = 'self') {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
  return { rssKiB: field('VmRSS'), peakRssKiB: field('VmHWM'), threads: field('Threads') };
}

// Resets this process's peak RSS (VmHWM) to its current RSS, so that a later
// VmHWM is the peak of what happened in between. Returns false if the kernel
// refused; the caller then falls back to sampling.
export function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
