/** Public surface of the Talos machine API client. */
export { createTalosClient } from './client.js';
export { parseEndpoint } from './connection.js';
export { TalosApiError } from './errors.js';
export { fileFromTarGz, readTar, type TarEntry } from './tar.js';
export type * from './types.js';
