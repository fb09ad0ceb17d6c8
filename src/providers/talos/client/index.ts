/** Public surface of the Talos machine API client. */
export { createTalosClient, parseEndpoint } from './client.js';
export { TalosApiError } from './errors.js';
export { fileFromTarGz, readTar, type TarEntry } from './tar.js';
export type * from './types.js';
