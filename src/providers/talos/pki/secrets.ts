/**
 * A fresh Talos secrets bundle, equivalent to `talosctl gen secrets` for contract 1.7+.
 */
import type { TalosSecrets } from '../../../talos/secrets-types.js';
import { createCertificateAuthority } from './certificates.js';
import { generateKeys, privateKeyToPem } from './keys.js';
import { defaultRandom, generateToken, takeBytes, type RandomSource } from './random.js';

export interface GenerateSecretsOptions {
  /** NotBefore of the CAs; default the current time. */
  now?: Date;
  /**
   * Source of every random byte except the keys (ids, secrets, tokens, serials, key ids).
   * Drawn in this order: cluster id, cluster secret, bootstrap token, secretbox secret, trustd token,
   * then the CAs etcd, k8s, k8sAggregator, os (serial, then key id, each).
   */
  random?: RandomSource;
}

export async function generateSecrets(options: GenerateSecretsOptions = {}): Promise<TalosSecrets> {
  const random = options.random ?? defaultRandom;
  const now = options.now ?? new Date();

  const id = takeBytes(32, random).toString('base64url');
  const secret = takeBytes(32, random).toString('base64');
  const bootstrapToken = generateToken(random);
  const secretboxEncryptionSecret = takeBytes(32, random).toString('base64');
  const trustdToken = generateToken(random);

  // The RSA key dominates the run time; start it first and let the CAs be made meanwhile.
  const serviceAccountKey = generateKeys('rsa-4096');
  serviceAccountKey.catch(() => undefined); // awaited below; this only avoids an unhandled-rejection report meanwhile
  // Sequential so the random source is consumed in the documented order.
  const etcd = await createCertificateAuthority({
    algorithm: 'ecdsa-p256',
    organization: 'etcd',
    now,
    random,
  });
  const k8s = await createCertificateAuthority({
    algorithm: 'ecdsa-p256',
    organization: 'kubernetes',
    now,
    random,
  });
  const k8sAggregator = await createCertificateAuthority({ algorithm: 'ecdsa-p256', now, random });
  const os = await createCertificateAuthority({ algorithm: 'ed25519', organization: 'talos', now, random });

  return {
    cluster: { id, secret },
    secrets: { bootstrapToken, secretboxEncryptionSecret },
    trustdInfo: { token: trustdToken },
    certs: {
      etcd,
      k8s,
      k8sAggregator,
      k8sServiceAccount: { key: privateKeyToPem((await serviceAccountKey).privateKey) },
      os,
    },
  };
}
