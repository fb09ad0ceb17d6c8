import { describe, expect, it } from 'vitest';
import { diffResources } from '../../../src/plan/diff.js';
import type { DesiredResource, ObservedResource } from '../../../src/plan/types.js';
import { powerOf } from '../../../src/resources/hcloud/server/model.js';

describe('powerOf', () => {
  it.each([
    ['running', 'on'],
    ['initializing', 'on'],
    ['starting', 'on'],
    ['stopping', 'off'],
    ['off', 'off'],
    ['migrating', 'on'],
    ['rebuilding', 'on'],
    ['deleting', 'on'],
    ['unknown', 'on'],
  ] as const)('%s counts as %s', (status, power) => {
    expect(powerOf(status)).toBe(power);
  });
});

describe('a server left off', () => {
  const want: DesiredResource = {
    address: 'server.w.1',
    type: 'server',
    dependsOn: [],
    props: { name: 'demo-w-1', server_type: 'cpx22', power: 'on' },
  };
  const have = (power: 'on' | 'off'): ObservedResource => ({
    address: 'server.w.1',
    type: 'server',
    id: '7',
    props: { name: 'demo-w-1', server_type: 'cpx22', power, status: power === 'on' ? 'running' : 'off' },
  });

  it('is planned back on in place', () => {
    const [action] = diffResources([want], [have('off')], {});
    expect(action).toMatchObject({ kind: 'update', address: 'server.w.1' });
    expect(action && 'patch' in action ? action.patch : []).toEqual([
      { op: 'replace', path: '/power', value: 'on' },
    ]);
  });

  it('is left alone when it runs', () => {
    expect(diffResources([want], [have('on')], {})).toEqual([]);
  });
});
