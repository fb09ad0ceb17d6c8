import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../src/state/events.js';
import {
  emptyState,
  failedActions,
  lastRun,
  pendingRun,
  reduce,
  replay,
  unfinishedActions,
  type State,
} from '../../../src/state/reducer.js';
import { chain, created, failed, finished, resource, runStarted, started, succeeded } from './helpers.js';

const twoActions = (run: string) =>
  runStarted(run, [
    ['a1', 'network.main'],
    ['a2', 'server.cp.1', ['a1']],
  ]);

describe('replay', () => {
  it('builds runs, actions, resources and the head', () => {
    const events = chain([
      created('demo'),
      twoActions('r1'),
      started('r1', 'a1', 'network.main', { body: 1 }),
      succeeded('r1', 'a1', 'network.main', resource('network.main', '4711')),
      started('r1', 'a2', 'server.cp.1', { body: 2 }),
      failed('r1', 'a2', 'server.cp.1'),
      finished('r1', 'failed', [1, 1, 0]),
    ]);
    const state = replay(events);
    expect(state.cluster).toBe('demo');
    expect(state.head).toEqual({ seq: 7, hash: events[6]?.hash });
    expect(state.resources).toEqual({ 'network.main': resource('network.main', '4711') });
    expect(state.runOrder).toEqual(['r1']);
    const run = state.runs.r1;
    expect(run).toMatchObject({ id: 'r1', command: 'apply', startedSeq: 2, startedAt: events[1]?.time });
    expect(run?.finished).toEqual({
      outcome: 'failed',
      at: events[6]?.time,
      succeeded: 1,
      failed: 1,
      skipped: 0,
    });
    expect(run?.actions.a1).toEqual({
      id: 'a1',
      kind: 'create',
      address: 'network.main',
      dependsOn: [],
      status: 'succeeded',
      startedSeq: 3,
      endedSeq: 4,
    });
    expect(run?.actions.a2).toMatchObject({
      status: 'failed',
      request: { body: 2 },
      error: { code: 'boom', retryable: true },
      startedSeq: 5,
      endedSeq: 6,
      dependsOn: ['a1'],
    });
    expect(failedActions(run!).map((a) => a.id)).toEqual(['a2']);
  });

  it('equals folding reduce over the events, and is deeply frozen', () => {
    const events = chain([
      created(),
      twoActions('r1'),
      started('r1', 'a1', 'network.main'),
      succeeded('r1', 'a1', 'network.main'),
      { type: 'SecretStored', run: 'r1', data: { name: 'talos', value: { $secret: 's1' } } },
      started('r1', 'a2', 'server.cp.1'),
    ]);
    const folded = events.reduce(reduce, emptyState());
    const replayed = replay(events);
    expect(replayed).toEqual(folded);
    expect(Object.isFrozen(replayed)).toBe(true);
    expect(Object.isFrozen(replayed.resources['network.main']?.attrs)).toBe(true);
    expect(Object.isFrozen(replayed.runs.r1?.actions.a2)).toBe(true);
  });

  it('continues from an earlier state (as from a snapshot) to the same result', () => {
    const events = chain([
      created(),
      twoActions('r1'),
      started('r1', 'a1', 'network.main'),
      finished('r1', 'failed'),
    ]);
    const whole = replay(events);
    const snapshotText = JSON.stringify(replay(events.slice(0, 2)));
    const fromSnapshot = JSON.parse(snapshotText) as State; // not frozen: must not be changed either
    const resumed = replay(events.slice(2), fromSnapshot);
    expect(resumed).toEqual(whole);
    expect(JSON.stringify(fromSnapshot)).toBe(snapshotText);
    expect(resumed.runs.r1).not.toBe(fromSnapshot.runs.r1);
  });

  it('returns the same state for an empty batch', () => {
    const state = replay(chain([created()]));
    expect(replay([], state)).toBe(state);
  });
});

describe('resources and secrets', () => {
  const cases: Array<[name: string, events: NewEvent[], expected: Record<string, string>]> = [
    [
      'ActionSucceeded records under the address',
      [twoActions('r'), succeeded('r', 'a1', 'network.main')],
      { 'network.main': '1' },
    ],
    [
      'ActionSucceeded with null deletes',
      [twoActions('r'), succeeded('r', 'a1', 'network.main'), succeeded('r', 'a1', 'network.main', null)],
      {},
    ],
    [
      'ResourceRecorded records and replaces',
      [
        { type: 'ResourceRecorded', run: null, data: { resource: resource('server.w.1', '7') } },
        { type: 'ResourceRecorded', run: null, data: { resource: resource('server.w.1', '8') } },
      ],
      { 'server.w.1': '8' },
    ],
    [
      'ResourceForgotten removes',
      [
        { type: 'ResourceRecorded', run: null, data: { resource: resource('server.w.1', '7') } },
        {
          type: 'ResourceForgotten',
          run: null,
          data: { address: 'server.w.1', reason: 'hk8s state forget' },
        },
      ],
      {},
    ],
    [
      'events of an unknown run still record resources',
      [succeeded('ghost', 'a1', 'network.main', resource('network.main', '9'))],
      { 'network.main': '9' },
    ],
  ];

  it.each(cases)('%s', (_name, events, expected) => {
    const state = replay(chain([created(), ...events]));
    expect(
      Object.fromEntries(Object.entries(state.resources).map(([address, r]) => [address, r.id])),
    ).toEqual(expected);
  });

  it('keeps the latest value of each secret', () => {
    const state = replay(
      chain([
        created(),
        { type: 'SecretStored', run: null, data: { name: 'talos', value: { $secret: 'old' } } },
        { type: 'SecretStored', run: null, data: { name: 'age', value: { $secret: 'k' } } },
        { type: 'SecretStored', run: null, data: { name: 'talos', value: { $secret: 'new' } } },
      ]),
    );
    expect(state.secrets).toEqual({ talos: { $secret: 'new' }, age: { $secret: 'k' } });
  });

  it('drops a forgotten secret, and keeps one stored again after it', () => {
    const state = replay(
      chain([
        created(),
        { type: 'SecretStored', run: null, data: { name: 'talos', value: { $secret: 'old' } } },
        { type: 'SecretStored', run: null, data: { name: 'age', value: { $secret: 'k' } } },
        { type: 'SecretForgotten', run: null, data: { name: 'talos', reason: 'destroyed' } },
        { type: 'SecretForgotten', run: null, data: { name: 'age', reason: 'destroyed' } },
        { type: 'SecretStored', run: null, data: { name: 'age', value: { $secret: 'k2' } } },
      ]),
    );
    expect(state.secrets).toEqual({ age: { $secret: 'k2' } });
  });
});

describe('actions', () => {
  it('keeps the request while the outcome is unknown or failed, and drops it on success', () => {
    const state = replay(
      chain([
        created(),
        twoActions('r'),
        started('r', 'a1', 'network.main', { keep: 'no' }),
        succeeded('r', 'a1', 'network.main'),
        started('r', 'a2', 'server.cp.1', { keep: 'yes' }),
      ]),
    );
    expect(state.runs.r?.actions.a1).not.toHaveProperty('request');
    expect(state.runs.r?.actions.a2?.request).toEqual({ keep: 'yes' });
    expect(unfinishedActions(state.runs.r!).map((a) => a.id)).toEqual(['a2']);
  });

  it('records skips, interruptions, adoption and actions missing from the plan', () => {
    const state = replay(
      chain([
        created(),
        runStarted('r', [
          ['a1', 'x.1'],
          ['a2', 'x.2', ['a1']],
          ['a3', 'x.3'],
        ]),
        started('r', 'a1', 'x.1'),
        { type: 'ActionInterrupted', run: 'r', data: { action: 'a1', kind: 'create', address: 'x.1' } },
        {
          type: 'ActionSkipped',
          run: 'r',
          data: {
            action: 'a2',
            kind: 'create',
            address: 'x.2',
            reason: 'dependency-failed',
            dependency: 'a1',
          },
        },
        {
          type: 'ActionSucceeded',
          run: 'r',
          data: { action: 'a3', kind: 'create', address: 'x.3', resource: resource('x.3'), adopted: true },
        },
        started('r', 'extra', 'x.4'),
      ]),
    );
    const actions = state.runs.r!.actions;
    expect(actions.a1?.status).toBe('interrupted');
    expect(actions.a2).toMatchObject({
      status: 'skipped',
      skipped: { reason: 'dependency-failed', dependency: 'a1' },
    });
    expect(actions.a3).toMatchObject({ status: 'succeeded', adopted: true });
    expect(actions.extra).toMatchObject({ status: 'started', dependsOn: [] });
    expect(unfinishedActions(state.runs.r!).map((a) => a.id)).toEqual(['a1', 'extra']);
  });

  it('resets an action that is started again', () => {
    const state = replay(
      chain([
        created(),
        twoActions('r'),
        started('r', 'a1', 'x'),
        failed('r', 'a1', 'x'),
        started('r', 'a1', 'x'),
      ]),
    );
    const action = state.runs.r?.actions.a1;
    expect(action?.status).toBe('started');
    expect(action).not.toHaveProperty('error');
    expect(action).not.toHaveProperty('endedSeq');
    expect(action?.startedSeq).toBe(5);
  });
});

describe('pendingRun', () => {
  const cases: Array<[name: string, events: NewEvent[], pending: string | undefined]> = [
    ['no run at all', [], undefined],
    ['a run that never finished (crash)', [twoActions('r1'), started('r1', 'a1', 'x')], 'r1'],
    ['a run that finished interrupted', [twoActions('r1'), finished('r1', 'interrupted')], 'r1'],
    [
      'a finished run with an action still started',
      [twoActions('r1'), started('r1', 'a1', 'x'), finished('r1', 'succeeded')],
      'r1',
    ],
    [
      'a finished run with an interrupted action',
      [
        twoActions('r1'),
        started('r1', 'a1', 'x'),
        { type: 'ActionInterrupted', run: 'r1', data: { action: 'a1', kind: 'create', address: 'x' } },
        finished('r1', 'failed'),
      ],
      'r1',
    ],
    [
      'a failed run with nothing unfinished',
      [twoActions('r1'), started('r1', 'a1', 'x'), failed('r1', 'a1', 'x'), finished('r1', 'failed')],
      undefined,
    ],
    ['a succeeded run', [twoActions('r1'), finished('r1', 'succeeded')], undefined],
    [
      'an interrupted run followed by a finished resume',
      [twoActions('r1'), finished('r1', 'interrupted'), twoActions('r2'), finished('r2', 'succeeded')],
      undefined,
    ],
    [
      'a finished run followed by a crashed one',
      [twoActions('r1'), finished('r1', 'succeeded'), twoActions('r2'), started('r2', 'a1', 'x')],
      'r2',
    ],
  ];

  it.each(cases)('%s', (_name, events, pending) => {
    const state = replay(chain([created(), ...events]));
    expect(pendingRun(state)?.id).toBe(pending);
  });

  it('lastRun is the latest started run', () => {
    expect(lastRun(emptyState())).toBeUndefined();
    const state = replay(chain([created(), twoActions('r1'), twoActions('r2'), twoActions('r0')]));
    expect(lastRun(state)?.id).toBe('r0');
  });
});

describe('TargetRecorded', () => {
  const target = (project: string): NewEvent => ({
    type: 'TargetRecorded',
    run: null,
    data: { endpoint: 'https://api.hetzner.cloud/v1', project, cluster: 'demo', spec: 'hk8s.yaml' },
  });

  it('is null in a log from before it was recorded', () => {
    expect(replay(chain([created('demo')])).target).toBeNull();
  });

  it('keeps the last target recorded, also across batches', () => {
    const events = chain([created('demo'), target('token:1'), target('token:2')]);
    expect(replay(events).target).toMatchObject({ project: 'token:2', cluster: 'demo' });
    const first = replay(events.slice(0, 2));
    expect(first.target?.project).toBe('token:1');
    expect(replay(events.slice(2), first).target?.project).toBe('token:2');
  });
});
