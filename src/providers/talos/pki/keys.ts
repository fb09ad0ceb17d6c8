/**
 * Private keys in the PEM forms Talos writes and reads, generated with Node's own crypto.
 *
 * Talos labels Ed25519 keys `ED25519 PRIVATE KEY` (a PKCS#8 body under a non-standard label) and
 * reads nothing else on Talos 1.10.0, so that label is what we store. OpenSSL refuses the label,
 * so anything handing a key to Node (`tls`, grpc-js) goes through `toNodePrivateKeyPem` first.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256' | 'rsa-4096';

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const PEM_LABEL = {
  ed25519: 'ED25519 PRIVATE KEY',
  ec: 'EC PRIVATE KEY',
  rsa: 'RSA PRIVATE KEY',
  pkcs8: 'PRIVATE KEY',
} as const;

/** Generates a key pair; asynchronous because RSA 4096 takes about a second. */
export async function generateKeys(algorithm: KeyAlgorithm): Promise<KeyPair> {
  switch (algorithm) {
    case 'ed25519': {
      const pair = await generateKeyPairAsync('ed25519');
      return { algorithm, ...pair };
    }
    case 'ecdsa-p256': {
      const pair = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
      return { algorithm, ...pair };
    }
    case 'rsa-4096': {
      const pair = await generateKeyPairAsync('rsa', { modulusLength: 4096, publicExponent: 0x10001 });
      return { algorithm, ...pair };
    }
  }
}

/** Which of our algorithms a key is, or undefined for anything else (P-384, Ed448, small RSA…). */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- Node's key types are an open set; the default reports the others as unsupported
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'ec':
      return details.namedCurve === 'prime256v1' ? 'ecdsa-p256' : undefined;
    case 'rsa':
      return details.modulusLength === 4096 ? 'rsa-4096' : undefined;
    default:
      return undefined;
  }
}

/** The PEM Talos expects for this private key: SEC1 for EC, PKCS#1 for RSA, relabelled PKCS#8 for Ed25519. */
export function privateKeyToPem(key: KeyObject): string {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- Node's key types are an open set; the default refuses the others
  switch (key.asymmetricKeyType) {
    case 'ec':
      return key.export({ format: 'pem', type: 'sec1' }).toString();
    case 'rsa':
      return key.export({ format: 'pem', type: 'pkcs1' }).toString();
    case 'ed25519':
      return relabel(
        key.export({ format: 'pem', type: 'pkcs8' }).toString(),
        PEM_LABEL.pkcs8,
        PEM_LABEL.ed25519,
      );
    default:
      throw new Error(`unsupported private key type ${String(key.asymmetricKeyType)}`);
  }
}

/** The same key with a label OpenSSL accepts (only `ED25519 PRIVATE KEY` needs changing). */
export function toNodePrivateKeyPem(pem: string): string {
  return relabel(pem, PEM_LABEL.ed25519, PEM_LABEL.pkcs8);
}

/** Reads any private key PEM Talos accepts: ED25519/EC/RSA PRIVATE KEY and plain PKCS#8. */
export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey({ key: toNodePrivateKeyPem(pem), format: 'pem' });
}

/** The public half of a private key. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

/** WebCrypto parameters for importing and for signing with a key of this algorithm. */
export function webCryptoParams(algorithm: KeyAlgorithm): {
  importParams: webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  signParams: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams;
} {
  switch (algorithm) {
    case 'ed25519':
      return { importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } };
    case 'ecdsa-p256':
      return {
        importParams: { name: 'ECDSA', namedCurve: 'P-256' },
        signParams: { name: 'ECDSA', hash: 'SHA-256' },
      };
    case 'rsa-4096':
      return {
        importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        signParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      };
  }
}

/** Node KeyObjects as a WebCrypto pair, which is what the certificate builder signs with. */
export async function toCryptoKeyPair(pair: KeyPair): Promise<webcrypto.CryptoKeyPair> {
  const { importParams } = webCryptoParams(pair.algorithm);
  const pkcs8 = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', pkcs8, importParams, false, ['sign']),
    webcrypto.subtle.importKey('spki', spki, importParams, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

function relabel(pem: string, from: string, to: string): string {
  return pem
    .replace(`-----BEGIN ${from}-----`, `-----BEGIN ${to}-----`)
    .replace(`-----END ${from}-----`, `-----END ${to}-----`);
}
