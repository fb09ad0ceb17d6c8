import { describe, expect, it } from 'vitest';
import { AdminCertificates, REISSUE_AFTER_MS } from '../../../../src/execute/talos/admin-cert.js';
import type { CertAndKey } from '../../../../src/talos/secrets-types.js';

const ca = (name: string): CertAndKey => ({ crt: `ca-${name}`, key: `key-${name}` });

function counted() {
  let clock = 0;
  const issued: string[] = [];
  const certs = new AdminCertificates(
    async (authority) => {
      issued.push(authority.crt);
      return { crt: `admin-${issued.length}`, key: 'k' };
    },
    () => clock,
  );
  return { certs, issued, advance: (ms: number) => (clock += ms) };
}

describe('AdminCertificates', () => {
  it('issues one certificate for every action of a run', async () => {
    const { certs, issued } = counted();
    const all = await Promise.all(Array.from({ length: 50 }, () => certs.for(ca('os'))));
    expect(issued).toEqual(['ca-os']);
    expect(new Set(all.map((c) => c.crt)).size).toBe(1);
  });

  it('issues a new one well before the hour is up, and for another CA', async () => {
    const { certs, issued, advance } = counted();
    await certs.for(ca('os'));
    advance(REISSUE_AFTER_MS - 1);
    await certs.for(ca('os'));
    advance(1);
    expect((await certs.for(ca('os'))).crt).toBe('admin-2');
    await certs.for(ca('other'));
    expect(issued).toEqual(['ca-os', 'ca-os', 'ca-other']);
  });

  it('does not keep a failed issue', async () => {
    let fail = true;
    const certs = new AdminCertificates(async () => {
      if (fail) throw new Error('no entropy');
      return { crt: 'ok', key: 'k' };
    });
    await expect(certs.for(ca('os'))).rejects.toThrow('no entropy');
    fail = false;
    await new Promise((r) => setImmediate(r));
    expect((await certs.for(ca('os'))).crt).toBe('ok');
  });
});
