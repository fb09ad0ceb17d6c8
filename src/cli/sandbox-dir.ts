import { join, resolve } from 'node:path';

/** Where the sandbox keeps its world: HK8S_SANDBOX_DIR, else `<dir>/.hk8s/sandbox`. */
export function sandboxDir(base: string): string {
  return process.env.HK8S_SANDBOX_DIR
    ? resolve(process.env.HK8S_SANDBOX_DIR)
    : join(base, '.hk8s', 'sandbox');
}
