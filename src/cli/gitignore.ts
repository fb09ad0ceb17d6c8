/**
 * `hk8s init` keeps the state out of git: `.hk8s/` holds the event log, and the log holds the
 * cluster's secrets (Talos CA keys, the SSH private key, addon tokens). The entry goes into the
 * `.gitignore` beside the spec, which is where the state lives.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STATE_ENTRY = '.hk8s/';

export type GitignoreOutcome =
  | { kind: 'created' | 'appended' | 'present'; path: string }
  | { kind: 'failed'; path: string; reason: string };

/** Lines that already ignore the state directory (with or without the slashes). */
function ignoresState(text: string): boolean {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .some((line) => ['.hk8s', '.hk8s/', '/.hk8s', '/.hk8s/', '.hk8s/*', '/.hk8s/*'].includes(line));
}

const BLOCK = `# hk8s state: the event log holds the cluster's secrets (hk8s init added this)\n${STATE_ENTRY}\n`;

/** Adds `.hk8s/` to `<dir>/.gitignore` once: creates the file, or appends to it, or leaves it. */
export async function ignoreStateDir(dir: string): Promise<GitignoreOutcome> {
  const path = join(dir, '.gitignore');
  try {
    const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (existing === undefined) {
      await writeFile(path, BLOCK, { flag: 'wx' });
      return { kind: 'created', path };
    }
    if (ignoresState(existing)) return { kind: 'present', path };
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
    await writeFile(path, `${separator}${BLOCK}`, { flag: 'a' });
    return { kind: 'appended', path };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { kind: 'failed', path, reason: describe(reason) };
  }
}

function describe(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return code;
  }
}

/** What init says about it, one line. */
export function gitignoreLine(outcome: GitignoreOutcome): string {
  switch (outcome.kind) {
    case 'created':
      return `Wrote ${outcome.path} with ${STATE_ENTRY}: the state there holds the cluster's secrets.`;
    case 'appended':
      return `Added ${STATE_ENTRY} to ${outcome.path}: the state there holds the cluster's secrets.`;
    case 'present':
      return `${outcome.path} already ignores ${STATE_ENTRY} (the state, which holds the cluster's secrets).`;
    case 'failed':
      return `Could not add ${STATE_ENTRY} to ${outcome.path} (${outcome.reason}): keep ${STATE_ENTRY} out of version control yourself, it holds the cluster's secrets.`;
  }
}
