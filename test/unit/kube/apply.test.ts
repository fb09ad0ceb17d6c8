import { describe, expect, it } from 'vitest';
import { kubeOperations } from '../../../src/providers/kube/client.js';
import { KubeError } from '../../../src/providers/kube/errors.js';
import { FakeClock, FakeKube } from './fake-kube.js';

const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'addons' } };
const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'demo', namespace: 'addons' },
  data: { a: '1' },
};

function setup() {
  const fake = new FakeKube();
  return { fake, kube: kubeOperations(fake, { clock: new FakeClock() }) };
}

describe('serverSideApply', () => {
  it.each([
    { options: undefined, expected: { fieldManager: 'hk8s', force: false, dryRun: false } },
    { options: { force: true, dryRun: true }, expected: { fieldManager: 'hk8s', force: true, dryRun: true } },
    {
      options: { fieldManager: 'hk8s-addons' },
      expected: { fieldManager: 'hk8s-addons', force: false, dryRun: false },
    },
  ])('applies each object in order with $expected', async ({ options, expected }) => {
    const { fake, kube } = setup();
    const applied = await kube.serverSideApply([namespace, configMap], options);
    expect(fake.applied.map((a) => a.object)).toEqual([namespace, configMap]);
    expect(fake.applied.map((a) => a.options)).toEqual([expected, expected]);
    expect(applied.map((a) => [a.kind, a.namespace, a.name])).toEqual([
      ['Namespace', undefined, 'addons'],
      ['ConfigMap', 'addons', 'demo'],
    ]);
    expect(applied[1]?.object).toMatchObject({ metadata: { uid: 'uid-demo' } });
  });

  it.each([
    [{ kind: 'ConfigMap', metadata: { name: 'x' } }],
    [{ apiVersion: 'v1', metadata: { name: 'x' } }],
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }],
    [null],
  ])('refuses an object without apiVersion, kind or name before sending anything: %j', async (bad) => {
    const { fake, kube } = setup();
    const error = await kube.serverSideApply([namespace, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({ kubeCode: 'kube.invalid', where: 'object 2' });
    expect(fake.count('apply')).toBe(0);
  });

  it('stops at the first failure', async () => {
    const { fake, kube } = setup();
    fake.failNext(
      'apply',
      new KubeError('kube.conflict', 'server-side apply: HTTP 409 Conflict: Apply failed with 1 conflict'),
    );
    await expect(kube.serverSideApply([namespace, configMap])).rejects.toThrow(/409 Conflict/);
    expect(fake.count('apply')).toBe(1);
  });

  it('deleteObject: an object already gone counts as done', async () => {
    const { fake, kube } = setup();
    await kube.serverSideApply([configMap]);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'demo', namespace: 'addons' };
    expect(await kube.deleteObject(ref)).toEqual({ existed: true });
    expect(await kube.deleteObject(ref)).toEqual({ existed: false });
    expect(fake.deleted).toEqual([ref]);
  });
});
