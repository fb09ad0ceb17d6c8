import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../../src/spec/validate.js';
import { SpecValidationError } from '../../../src/spec/validate.js';

const base = (configPatches: unknown[]) => ({
  cluster: { name: 'p' },
  controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 1 }], configPatches },
});

describe('configPatches', () => {
  it.each([
    ['a strategic-merge patch', [{ machine: { sysctls: { 'net.core.somaxconn': '1024' } } }]],
    ['an RFC 6902 JSON patch', [[{ op: 'add', path: '/machine/sysctls/vm.swappiness', value: '10' }]]],
    ['both kinds, in order', [{ machine: {} }, [{ op: 'remove', path: '/cluster/coreDNS' }]]],
  ])('accepts %s', (_name, patches) => {
    expect(validateSpec(base(patches)).controlPlane.configPatches).toEqual(patches);
  });

  it.each([
    ['an unknown operation', [[{ op: 'merge', path: '/machine' }]]],
    ['a path that is not a JSON pointer', [[{ op: 'add', path: 'machine.sysctls', value: 1 }]]],
    ['an empty operation list', [[]]],
  ])('rejects %s, naming the field', (_name, patches) => {
    let error: unknown;
    try {
      validateSpec(base(patches));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).issues[0]?.path).toMatch(/^controlPlane\.configPatches\[0\]/);
  });
});
