import { describe, expect, it } from 'vitest';
import { protectedRemovals } from '../../../src/plan/protection.js';
import type { Action, JsonObject } from '../../../src/plan/types.js';

const base = { dependsOn: [], reason: 'test', type: 'server' as const, resourceId: '1' };
const del = (address: string, before: JsonObject): Action => ({
  ...base,
  id: `delete:${address}`,
  address,
  kind: 'delete',
  before,
});
const replace = (address: string, before: JsonObject): Action => ({
  ...base,
  id: `replace:${address}`,
  address,
  kind: 'replace',
  before,
  after: {},
  props: {},
  patch: [],
  forcedBy: [],
});
const update = (address: string, before: JsonObject): Action => ({
  ...base,
  id: `update:${address}`,
  address,
  kind: 'update',
  before,
  after: { protection: { delete: false } },
  patch: [],
});

describe('protectedRemovals', () => {
  it.each([
    ['a delete of a protected server', [del('server.w.2', { protection: { delete: true } })], ['server.w.2']],
    [
      'a replace of a protected server',
      [replace('server.w.1', { protection: { delete: true } })],
      ['server.w.1'],
    ],
    ['an unprotected delete', [del('server.w.2', { protection: { delete: false } })], []],
    ['a delete of a type without protection', [del('ssh_key.main', { name: 'x' })], []],
    ['lifting the protection in place', [update('server.w.1', { protection: { delete: true } })], []],
    [
      'several, sorted',
      [
        del('server.w.3', { protection: { delete: true } }),
        del('network.main', { protection: { delete: true } }),
      ],
      ['network.main', 'server.w.3'],
    ],
  ])('%s', (_name, actions, expected) => {
    expect(protectedRemovals(actions)).toEqual(expected);
  });
});
