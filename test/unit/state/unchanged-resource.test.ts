import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/state/reducer.js';
import { chain, created, resource, runStarted, started } from './helpers.js';

describe('ActionSucceeded without a resource', () => {
  it('leaves the record at that address alone (a drain changes no resource)', () => {
    const state = replay(
      chain([
        created(),
        { type: 'ResourceRecorded', run: null, data: { resource: resource('server.w.1', '7') } },
        runStarted('r1', [['drain:server.w.1', 'server.w.1']]),
        started('r1', 'drain:server.w.1', 'server.w.1'),
        {
          type: 'ActionSucceeded',
          run: 'r1',
          data: { action: 'drain:server.w.1', kind: 'drain', address: 'server.w.1' },
        },
      ]),
    );
    expect(state.resources['server.w.1']?.id).toBe('7');
    expect(state.runs.r1?.actions['drain:server.w.1']?.status).toBe('succeeded');
  });
});
