/**
 * The CLI's only door to the sandbox, a package of its own (`@hk8s/sandbox`). It is loaded on first
 * use, so commands that never touch the sandbox do not pay for loading it, and its errors become
 * hk8s errors with the same code, place and hint.
 */
import type { EnsureOptions, EnsureResult, SandboxStats, SandboxStatus } from '@hk8s/sandbox/control';
import { Hk8sError } from '../errors.js';

type SandboxModule = typeof import('@hk8s/sandbox/control');

async function withSandbox<T>(use: (sandbox: SandboxModule) => Promise<T>): Promise<T> {
  // The control functions only: the simulators (gRPC, X.509) run in the sandbox's own process.
  const sandbox = await import('@hk8s/sandbox/control');
  try {
    return await use(sandbox);
  } catch (error) {
    if (error instanceof sandbox.SandboxError) {
      throw new Hk8sError('sandbox.failed', error.message, {
        ...(error.where === undefined ? {} : { where: error.where }),
        ...(error.hint === undefined ? {} : { hint: error.hint }),
        ...(error.detail === undefined ? {} : { detail: error.detail }),
      });
    }
    throw error;
  }
}

export function ensureSandbox(stateDir: string, options: EnsureOptions = {}): Promise<EnsureResult> {
  return withSandbox((s) => s.ensureSandbox(stateDir, options));
}

export function stopSandbox(stateDir: string): Promise<boolean> {
  return withSandbox((s) => s.stopSandbox(stateDir));
}

export function sandboxStatus(stateDir: string): Promise<SandboxStatus> {
  return withSandbox((s) => s.sandboxStatus(stateDir));
}

export function resetSandbox(stateDir: string): Promise<void> {
  return withSandbox((s) => s.resetSandbox(stateDir));
}

export function sandboxStats(stateDir: string): Promise<SandboxStats> {
  return withSandbox((s) => s.sandboxStats(stateDir));
}
