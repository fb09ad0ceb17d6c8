import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import { assertReplaceKnown, assertTargetsKnown } from '../../../src/engine/targets.js';

const EXISTING = ['network.main', 'server.workers.1', 'server.workers.2', 'server.control-plane.1'];

function error(run: () => void): Hk8sError {
  try {
    run();
  } catch (caught) {
    if (caught instanceof Hk8sError) return caught;
    throw caught;
  }
  throw new Error('expected an error');
}

describe('addresses named on the command line', () => {
  it.each([
    ['--target', () => assertTargetsKnown(['server.worker.2'], EXISTING), 'server.workers.2'],
    ['--replace', () => assertReplaceKnown(['server.worker.2'], EXISTING), 'server.workers.2'],
  ])('an unknown %s address is a usage error naming the closest', (flag, run, closest) => {
    const e = error(run);
    expect(e.exitCode).toBe(3);
    expect(e.where).toBe(flag);
    expect(e.oneLine()).toContain(`closest addresses`);
    expect(e.oneLine()).toContain(closest);
  });

  it('known addresses and pool prefixes pass', () => {
    expect(() => assertTargetsKnown(['server.workers'], EXISTING)).not.toThrow();
    expect(() => assertReplaceKnown(['server.workers.1'], EXISTING)).not.toThrow();
  });
});
