import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, collectSecretPaths, isSecretValue, type NewEvent } from '../../../src/state/events.js';
import { EventDataSchemas } from '../../../src/state/event-schema.js';
import { verifyEvents } from '../../../src/state/verify.js';
import { chain, created, finished, runStarted, started, succeeded } from './helpers.js';

describe('isSecretValue', () => {
  it.each([
    [{ $secret: 'x' }, true],
    [{ $secret: '' }, true],
    [{ $secret: 1 }, false],
    [{ $secret: 'x', other: 1 }, false],
    [{ secret: 'x' }, false],
    [['x'], false],
    [null, false],
    ['x', false],
  ])('%j → %s', (value, expected) => {
    expect(isSecretValue(value)).toBe(expected);
  });
});

describe('collectSecretPaths', () => {
  it('finds every wrapped secret, at any depth, arrays included', () => {
    const event: NewEvent = {
      type: 'ActionStarted',
      run: 'r',
      data: {
        action: 'a',
        kind: 'apply-config',
        address: 'talos.node.cp.1',
        request: {
          config: { $secret: 'machine config' },
          files: [{ name: 'a' }, { content: { $secret: 'key' } }],
          notSecret: { $secret: 'x', extra: true },
        },
      },
    };
    expect(collectSecretPaths(event)).toEqual([
      ['data', 'request', 'config'],
      ['data', 'request', 'files', 1, 'content'],
    ]);
  });

  it('finds the value of SecretStored and nothing in an event without secrets', () => {
    expect(
      collectSecretPaths({ type: 'SecretStored', run: null, data: { name: 'n', value: { $secret: 'v' } } }),
    ).toEqual([['data', 'value']]);
    expect(collectSecretPaths(created())).toEqual([]);
  });
});

describe('the zod schemas', () => {
  it('cover exactly the event types', () => {
    expect(Object.keys(EventDataSchemas).sort()).toEqual([...EVENT_TYPES].sort());
  });
});

describe('verifyEvents', () => {
  const good: NewEvent[] = [
    created(),
    runStarted('r1', [['a1', 'network.main']]),
    started('r1', 'a1', 'network.main'),
    succeeded('r1', 'a1', 'network.main'),
    finished('r1', 'succeeded', [1, 0, 0]),
  ];

  it('accepts a consistent log', () => {
    expect(verifyEvents(chain(good))).toEqual({ ok: true, checked: 5, problems: [] });
  });

  const broken: Array<[name: string, events: NewEvent[], seq: number, message: RegExp]> = [
    [
      'a data field of the wrong type',
      [
        created(),
        { ...runStarted('r1', []), data: { ...runStarted('r1', []).data, parallelism: 0 } } as NewEvent,
      ],
      2,
      />=1|too small/i,
    ],
    [
      'an unknown data field',
      [
        created(),
        { type: 'ResourceForgotten', run: null, data: { address: 'x', reason: 'y', extra: 1 } } as NewEvent,
      ],
      2,
      /unrecognized key/i,
    ],
    [
      'a secret that is not wrapped',
      [
        created(),
        { type: 'SecretStored', run: null, data: { name: 'n', value: 'plain' } } as unknown as NewEvent,
      ],
      2,
      /expected object/i,
    ],
    ['an action of a run that never started', [created(), started('r9', 'a1', 'x')], 2, /never started/],
    [
      'an action not in the plan',
      [created(), runStarted('r1', []), started('r1', 'a7', 'x')],
      3,
      /not planned/,
    ],
    [
      'a run event without run',
      [created(), { ...runStarted('r1', []), run: null }],
      2,
      /must belong to a run/,
    ],
    ['a run started twice', [created(), runStarted('r1', []), runStarted('r1', [])], 3, /started twice/],
    [
      'a dependency on an unknown action',
      [created(), runStarted('r1', [['a1', 'x', ['a0']]])],
      2,
      /depends on unknown action a0/,
    ],
    [
      'an event after RunFinished',
      [created(), runStarted('r1', [['a1', 'x']]), finished('r1', 'succeeded'), started('r1', 'a1', 'x')],
      4,
      /after run r1 finished/,
    ],
  ];

  it.each(broken)('reports %s', (_name, events, seq, message) => {
    const result = verifyEvents(chain(events));
    expect(result.ok).toBe(false);
    expect(result.problems.some((p) => p.seq === seq && message.test(p.message))).toBe(true);
  });

  it('reports a LogCreated that is not first and a chain that does not link', () => {
    const events = chain(good);
    const [first, second, ...rest] = events;
    const result = verifyEvents([second!, first!, ...rest]);
    expect(result.problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        'LogCreated must be the first event, and only it',
        'expected seq 1',
        'prev is not the hash of the previous event',
      ]),
    );
  });

  it('requires the request of ActionStarted (null means none)', () => {
    const withNull = chain([created(), runStarted('r', [['a', 'x']]), started('r', 'a', 'x', null)]);
    expect(verifyEvents(withNull).ok).toBe(true);
    const [one, two, three] = withNull;
    const missing = { ...three!, data: { action: 'a', kind: 'create', address: 'x' } } as typeof three &
      object;
    expect(verifyEvents([one!, two!, missing]).problems[0]?.message).toMatch(/request is required/);
  });
});
