/** Public surface of the Talos machine API client. */
export { createTalosClient } from './lazy-client.js';
export { parseEndpoint } from './endpoint.js';
export { TalosApiError } from './errors.js';
export { fileFromTarGz, readTar, type TarEntry } from './tar.js';
export type * from './types.js';
