import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { probeMaintenance, type VersionProbe } from '../../../src/execute/talos/maintenance.js';
import { TalosApiError } from '../../../src/providers/talos/client/index.js';

const grpcError = (code: status, message: string) =>
  new TalosApiError({
    code: 'provider.api',
    message,
    method: 'Version',
    where: '127.0.0.2:50000',
    grpcCode: code,
  });

const answering = (outcome: { tag: string } | Error): VersionProbe => ({
  version: async () => {
    if (outcome instanceof Error) throw outcome;
    return outcome;
  },
});

describe('probeMaintenance', () => {
  it('1.13 answers Version in maintenance mode: maintenance, with its version', async () => {
    await expect(probeMaintenance(answering({ tag: 'v1.13.9' }), { timeoutMs: 1 })).resolves.toEqual({
      kind: 'maintenance',
      version: 'v1.13.9',
    });
  });

  it('1.12 answers it Unimplemented: maintenance too', async () => {
    const error = grpcError(status.UNIMPLEMENTED, 'API is not implemented in maintenance mode');
    await expect(probeMaintenance(answering(error), { timeoutMs: 1 })).resolves.toEqual({
      kind: 'maintenance',
    });
  });

  it.each([
    ['a configured node refusing the handshake', grpcError(status.UNAVAILABLE, 'certificate required')],
    ['a refused permission', grpcError(status.PERMISSION_DENIED, 'not authorized')],
    ['a timeout', grpcError(status.DEADLINE_EXCEEDED, 'deadline exceeded')],
    ['no gRPC status at all', new Error('connect ECONNREFUSED')],
  ])('%s is not maintenance mode', async (_, error) => {
    await expect(probeMaintenance(answering(error), { timeoutMs: 1 })).resolves.toEqual({
      kind: 'not-maintenance',
      error,
    });
  });
});
