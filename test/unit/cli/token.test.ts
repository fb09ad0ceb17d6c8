import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveToken } from '../../../src/cli/token.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { BASE } from '../spec/helpers.js';
import { parse } from 'yaml';

function specWith(token: unknown) {
  return validateSpec({ ...(parse(BASE) as object), hcloud: { token } });
}

describe('hcloud.token', () => {
  it('hcloud.token.env names the variable the token is read from', async () => {
    const spec = specWith({ env: 'MY_HCLOUD' });
    expect(await resolveToken(spec, '/', { MY_HCLOUD: ' secret-a \n', HCLOUD_TOKEN: 'other' })).toBe(
      'secret-a',
    );
    await expect(resolveToken(spec, '/', { HCLOUD_TOKEN: 'other' })).rejects.toMatchObject({
      code: 'provider.auth',
      where: 'hcloud.token',
    });
  });

  it('hcloud.token.file is read relative to the spec directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hk8s-token-'));
    writeFileSync(join(dir, 'token'), 'secret-b\n', { mode: 0o600 });
    expect(await resolveToken(specWith({ file: './token' }), dir, {})).toBe('secret-b');
    await expect(resolveToken(specWith({ file: './missing' }), dir, {})).rejects.toMatchObject({
      code: 'provider.auth',
    });
  });
});
