import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertAndKey } from '../../../../src/talos/secrets-types.js';
import {
  certificateInfo,
  createCertificateAuthority,
  isIssuedBy,
  issueClientCertificate,
  issueServerCertificate,
  toNodePrivateKeyPem,
} from '../../../../src/providers/talos/pki/index.js';

const NOW = new Date('2025-06-01T00:00:00.000Z');
const HOUR = 3_600_000;

let osCa: CertAndKey;
let otherOsCa: CertAndKey;
let admin: CertAndKey;

beforeAll(async () => {
  osCa = await createCertificateAuthority({ algorithm: 'ed25519', organization: 'talos', now: NOW });
  // Same subject as the real one: only the signature can tell them apart.
  otherOsCa = await createCertificateAuthority({ algorithm: 'ed25519', organization: 'talos', now: NOW });
  admin = await issueClientCertificate(osCa, { roles: ['os:admin'], now: NOW });
});

describe('issueClientCertificate', () => {
  it('chains to the OS CA', () => {
    expect(isIssuedBy(admin.crt, osCa.crt, NOW)).toBe(true);
    expect(certificateInfo(admin.crt).authorityKeyId).toBe(certificateInfo(osCa.crt).subjectKeyId);
  });

  it('carries the roles as Organization entries and no common name', () => {
    const info = certificateInfo(admin.crt);
    expect(info.organizations).toEqual(['os:admin']);
    expect(info.subject).toBe('O=os:admin');
    expect(info.commonName).toBeUndefined();
  });

  it('keeps several roles, in order', async () => {
    const multi = await issueClientCertificate(osCa, { roles: ['os:operator', 'os:etcd:backup'], now: NOW });
    expect(certificateInfo(multi.crt).organizations).toEqual(['os:operator', 'os:etcd:backup']);
  });

  it('is a client-auth leaf with an Ed25519 key under the Talos label', () => {
    const info = certificateInfo(admin.crt);
    expect(info.isCa).toBe(false);
    expect(info.keyUsage).toEqual(['digitalSignature']);
    expect(info.extKeyUsage).toEqual(['clientAuth']);
    expect(info.publicKeyAlgorithm).toBe('Ed25519');
    expect(admin.key.startsWith('-----BEGIN ED25519 PRIVATE KEY-----\n')).toBe(true);
  });

  it('lasts 8760h by default and validityHours otherwise', async () => {
    const info = certificateInfo(admin.crt);
    expect(info.notBefore.getTime()).toBe(NOW.getTime());
    expect(info.notAfter.getTime()).toBe(NOW.getTime() + 8_760 * HOUR);

    const short = await issueClientCertificate(osCa, { roles: ['os:reader'], validityHours: 2, now: NOW });
    const shortInfo = certificateInfo(short.crt);
    expect(shortInfo.notAfter.getTime()).toBe(NOW.getTime() + 2 * HOUR);
    expect(isIssuedBy(short.crt, osCa.crt, new Date(NOW.getTime() + HOUR))).toBe(true);
    expect(isIssuedBy(short.crt, osCa.crt, new Date(NOW.getTime() + 3 * HOUR))).toBe(false);
  });

  it('does not verify against a different CA, and a foreign certificate does not verify against ours', async () => {
    expect(isIssuedBy(admin.crt, otherOsCa.crt)).toBe(false);
    const foreign = await issueClientCertificate(otherOsCa, { roles: ['os:admin'], now: NOW });
    expect(isIssuedBy(foreign.crt, otherOsCa.crt)).toBe(true);
    expect(isIssuedBy(foreign.crt, osCa.crt)).toBe(false);
  });

  it('follows an ECDSA CA with an ECDSA key', async () => {
    const ecCa = await createCertificateAuthority({
      algorithm: 'ecdsa-p256',
      organization: 'talos',
      now: NOW,
    });
    const client = await issueClientCertificate(ecCa, { roles: ['os:admin'], now: NOW });
    expect(certificateInfo(client.crt).publicKeyAlgorithm).toBe('ECDSA P-256');
    expect(client.key.startsWith('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
    expect(isIssuedBy(client.crt, ecCa.crt)).toBe(true);
  });

  it('refuses a CA whose key does not match, a leaf as issuer, and a non-positive validity', async () => {
    await expect(
      issueClientCertificate({ crt: osCa.crt, key: otherOsCa.key }, { roles: ['os:admin'] }),
    ).rejects.toThrow(/does not belong/);
    await expect(issueClientCertificate(admin, { roles: ['os:admin'] })).rejects.toThrow(/not a CA/);
    await expect(issueClientCertificate(osCa, { roles: ['os:admin'], validityHours: 0 })).rejects.toThrow(
      /positive/,
    );
  });
});

describe('issueServerCertificate', () => {
  it('is a server-auth leaf with the SANs asked for, lasting 24h by default', async () => {
    const server = await issueServerCertificate(osCa, {
      ips: ['127.0.0.1', '::1'],
      dnsNames: ['cp-1'],
      now: NOW,
    });
    const info = certificateInfo(server.crt);
    expect(info.extKeyUsage).toEqual(['serverAuth']);
    expect(info.dnsNames).toEqual(['cp-1']);
    expect(info.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(24 * HOUR);
    expect(isIssuedBy(server.crt, osCa.crt)).toBe(true);
  });

  it('rejects something that is not an IP address', async () => {
    await expect(issueServerCertificate(osCa, { ips: ['cp-1'], dnsNames: [] })).rejects.toThrow(/not an IP/);
  });
});

describe('mutual TLS on loopback, as apid does it', () => {
  async function handshake(client: CertAndKey): Promise<{ authorized: boolean; organizations: unknown }> {
    const server = await issueServerCertificate(osCa, { ips: ['127.0.0.1'], dnsNames: [] });
    const peers: unknown[] = [];
    const tlsServer = tls.createServer(
      {
        ca: osCa.crt,
        cert: server.crt,
        key: toNodePrivateKeyPem(server.key),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
      (socket) => {
        peers.push(socket.getPeerCertificate().subject?.O);
        socket.end('ok');
      },
    );
    tlsServer.on('tlsClientError', () => undefined);
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const { port } = tlsServer.address() as AddressInfo;
    try {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ca: osCa.crt,
        cert: client.crt,
        key: toNodePrivateKeyPem(client.key),
      });
      const outcome = await new Promise<boolean>((resolve) => {
        socket.once('data', () => resolve(true));
        socket.once('error', () => resolve(false));
        socket.once('close', () => resolve(false));
      });
      socket.destroy();
      return { authorized: outcome, organizations: peers[0] };
    } finally {
      tlsServer.close();
    }
  }

  it('accepts our client certificate and sees its roles', async () => {
    // Issued now rather than at NOW: TLS checks validity against the real clock.
    const current = await issueClientCertificate(osCa, { roles: ['os:admin'] });
    const result = await handshake(current);
    expect(result.authorized).toBe(true);
    expect(result.organizations).toBe('os:admin');
  });

  it('rejects a client certificate from another CA', async () => {
    const foreign = await issueClientCertificate(otherOsCa, { roles: ['os:admin'] });
    const result = await handshake(foreign);
    expect(result.authorized).toBe(false);
    expect(result.organizations).toBeUndefined();
  });
});
