/**
 * An action that ends in `error` (an injected fault) leaves a server where it was, not in a passing
 * state for ever: a failed start leaves it off (as Hetzner does), a failed stop leaves it running.
 * Seen before as a worker stuck `starting` under faults, so hk8s never powered it on.
 */
import { describe, expect, it } from 'vitest';
import { advanceActions, ref, startAction } from '../src/actions.js';
import type { SimContext } from '../src/context.js';
import type { ServerRec, ServerStatus } from '../src/types.js';
import { createEmptyWorld } from '../src/world.js';

function failing(status: ServerStatus, target: ServerStatus, power: 'on' | 'off') {
  const world = createEmptyWorld(0, 3600);
  world.servers[7] = { id: 7, status } as unknown as ServerRec;
  const ctx: SimContext = { world, now: 0, speed: 1, events: [], failAction: () => true };
  const action = startAction(ctx, {
    command: power === 'on' ? 'start_server' : 'stop_server',
    durationMs: 10,
    resources: [ref('server', 7)],
    effect: { kind: 'server-status', server: 7, status: target, power },
  });
  ctx.now = 20;
  advanceActions(ctx);
  return { action, server: world.servers[7]! };
}

describe('a failed action', () => {
  it.each([
    ['a start leaves the server off', 'starting', 'running', 'on', 'off'],
    ['a stop leaves it running', 'stopping', 'off', 'off', 'running'],
    ['a reboot of a running server leaves it running', 'running', 'running', 'on', 'running'],
  ] as const)('%s', (_name, before, target, power, after) => {
    const { action, server } = failing(before, target, power);
    expect(action.status).toBe('error');
    expect(action.error).toMatchObject({ code: 'action_failed' });
    expect(server.status).toBe(after);
  });
});
