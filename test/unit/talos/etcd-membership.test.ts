import { describe, expect, it } from 'vitest';
import { etcdMembershipProblem } from '../../../src/talos/etcd-membership.js';

const member = (hostname: string, isLearner = false) => ({ hostname, isLearner });
const cps = ['c-cp-1', 'c-cp-2', 'c-cp-3'];

describe('etcdMembershipProblem', () => {
  it.each([
    ['exactly the control planes', cps.map((h) => member(h)), undefined],
    ['one not joined yet', [member('c-cp-1'), member('c-cp-2')], 'not yet members: c-cp-3'],
    [
      'a member left behind by a removed node',
      [...cps.map((h) => member(h)), member('c-cp-4')],
      'members that are not control planes of the spec: c-cp-4',
    ],
    [
      'as many members as control planes, but one is someone else',
      [member('c-cp-1'), member('c-cp-2'), member('old-cp')],
      'not yet members: c-cp-3; members that are not control planes of the spec: old-cp',
    ],
    ['a learner', [member('c-cp-1'), member('c-cp-2'), member('c-cp-3', true)], 'still learners: c-cp-3'],
    ['a hostname twice', [...cps.map((h) => member(h)), member('c-cp-1')], 'two members share a hostname'],
  ])('%s', (_name, members, problem) => {
    const found = etcdMembershipProblem(members, cps);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toBe(`etcd membership: ${problem}`);
  });
});
