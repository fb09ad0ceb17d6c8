/**
 * Machine-wide reservation of the second octet of a sandbox's loopback pools (127.<o>.x.y), so that
 * sandboxes running side by side (parallel test files, two projects) never hand out the same
 * addresses — their simulated Talos nodes listen on them. A reservation is a file naming the pid
 * that holds it; one whose holder is gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIRST = 20;
const COUNT = 200;
const dir = () => join(tmpdir(), 'hk8s-sandbox-octets');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(octet: number): boolean {
  const file = join(dir(), String(octet));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const holder = Number(readFileSync(file, 'utf8'));
      if (holder === process.pid) return true;
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** Reserves `preferred` if free (a world's own octet), else any free one; undefined if none is. */
export function reserveOctet(preferred?: number): number | undefined {
  mkdirSync(dir(), { recursive: true });
  const start = Math.floor(Math.random() * COUNT);
  const order = Array.from({ length: COUNT }, (_, i) => FIRST + ((start + i) % COUNT));
  if (preferred !== undefined) order.unshift(preferred);
  return order.find(tryTake);
}

export function releaseOctet(octet: number | undefined): void {
  if (octet === undefined) return;
  const file = join(dir(), String(octet));
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}
