/**
 * The one place @peculiar/x509 is loaded: it needs reflect-metadata first, and is pointed at
 * Node's WebCrypto explicitly rather than relying on a global `crypto`.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// Boundary: Node's webcrypto is the WebCrypto the library expects, typed by another lib.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
