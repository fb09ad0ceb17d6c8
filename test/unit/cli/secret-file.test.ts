import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSecretFile } from '../../../src/cli/secret-file.js';
import { Hk8sError } from '../../../src/errors.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('writeSecretFile', () => {
  it('creates a new file 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hk8s-secret-'));
    await writeSecretFile(join(dir, 'kubeconfig'), 'new', 'kubeconfig');
    expect(modeOf(join(dir, 'kubeconfig'))).toBe(0o600);
    expect(readFileSync(join(dir, 'kubeconfig'), 'utf8')).toBe('new');
  });

  it.each([0o644, 0o666, 0o400])(
    'replaces an existing %o file, which ends 0600 with only the new text',
    async (mode) => {
      const dir = mkdtempSync(join(tmpdir(), 'hk8s-secret-'));
      const path = join(dir, 'kubeconfig');
      writeFileSync(path, 'old text that is longer than the new one');
      chmodSync(path, mode);
      await writeSecretFile(path, 'new', 'kubeconfig');
      expect(modeOf(path)).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toBe('new');
      expect(readdirSync(dir)).toEqual(['kubeconfig']);
    },
  );

  it('a missing directory is a usage error naming the path, and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hk8s-secret-'));
    const path = join(dir, 'missing', 'kubeconfig');
    const error = await writeSecretFile(path, 'x', 'kubeconfig').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Hk8sError);
    expect((error as Hk8sError).code).toBe('usage');
    expect((error as Hk8sError).where).toBe(path);
    expect((error as Hk8sError).message).toBe('cannot write the kubeconfig: its directory does not exist');
    expect(readdirSync(dir)).toEqual([]);
  });
});
