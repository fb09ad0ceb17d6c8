/**
 * Is a node waiting in maintenance mode? Asked over TLS without a client certificate, which only a
 * node without a config accepts. The answer differs by version (talos.md §2, talos-1.13.md §4.2):
 * 1.13 serves maintenance from apid with os:reader, so `Version` answers; 1.12 and older run a
 * separate maintenance server that answers `Version` with Unimplemented ("API is not implemented
 * in maintenance mode"). Both mean "maintenance"; a configured node refuses the TLS handshake.
 */
import { TalosApiError } from '../../providers/talos/client/index.js';

/** The one call the probe makes, as the Talos client offers it. */
export interface VersionProbe {
  version(call: { timeoutMs: number }): Promise<{ tag: string }>;
}

export type MaintenanceProbe =
  /** The node has no config and takes one over the insecure channel. */
  | { kind: 'maintenance'; version?: string }
  /** It did not answer as a node in maintenance mode: configured, booting, or unreachable. */
  | { kind: 'not-maintenance'; error: unknown };

/** Unimplemented can only come from a server that let us in without a client certificate. */
export function isMaintenanceRefusal(error: unknown): boolean {
  return error instanceof TalosApiError && error.grpcStatus === 'UNIMPLEMENTED';
}

export async function probeMaintenance(
  insecure: VersionProbe,
  call: { timeoutMs: number },
): Promise<MaintenanceProbe> {
  try {
    const { tag } = await insecure.version(call);
    return { kind: 'maintenance', version: tag };
  } catch (error) {
    if (isMaintenanceRefusal(error)) return { kind: 'maintenance' };
    return { kind: 'not-maintenance', error };
  }
}
