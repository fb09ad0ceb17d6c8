/** Managed fields: field sets of objects, server-side apply merges and conflicts, Update ownership. */
import { describe, expect, it } from 'vitest';
import { PathSet, pathsOf, pathString } from '../src/kube/fields.js';
import { jsonPatch, strategicMergePatch } from '../src/kube/patch.js';
import { recordUpdate, serverSideApply } from '../src/kube/ssa.js';
import { KubeError } from '../src/kube/errors.js';
import type { JsonObject } from '../src/kube/types.js';

const NOW = '2026-05-01T10:00:00Z';

const cm = (data: Record<string, string>, labels?: Record<string, string>): JsonObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'demo', namespace: 'default', ...(labels ? { labels } : {}) },
  data,
});

function apply(live: JsonObject | undefined, applied: JsonObject, manager: string, force = false) {
  const result = serverSideApply({
    live,
    applied,
    manager,
    force,
    apiVersion: 'v1',
    withStatus: true,
    now: NOW,
  });
  const object: JsonObject = {
    ...result.object,
    metadata: { ...(result.object['metadata'] as JsonObject), managedFields: result.managedFields },
  };
  return { object, managedFields: result.managedFields };
}

describe('field sets', () => {
  it('lists leaf paths with merge keys and skips server-owned metadata', () => {
    const paths = pathsOf(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x', uid: 'u', labels: { app: 'x' } },
        spec: {
          replicas: 2,
          template: {
            spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }], args: ['a'] },
          },
        },
      },
      false,
    ).map(pathString);
    expect(paths).toEqual([
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.template.spec.containers[name="c"]',
      '.spec.template.spec.containers[name="c"].name',
      '.spec.template.spec.containers[name="c"].image',
      '.spec.template.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]',
      '.spec.template.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"].containerPort',
      '.spec.template.spec.args',
    ]);
  });

  it('round-trips fieldsV1', () => {
    const set = new PathSet(pathsOf(cm({ a: '1' }, { app: 'x' }), true));
    expect(set.toFieldSet()).toEqual({
      'f:data': { 'f:a': {} },
      'f:metadata': { 'f:labels': { 'f:app': {} } },
    });
    expect(PathSet.fromFieldSet(set.toFieldSet()).paths()).toEqual(set.paths());
  });
});

describe('server-side apply', () => {
  it('creates with the applier owning exactly what it sent', () => {
    const { object, managedFields } = apply(undefined, cm({ a: '1' }), 'alice');
    expect(object['data']).toEqual({ a: '1' });
    expect(managedFields).toEqual([
      {
        manager: 'alice',
        operation: 'Apply',
        apiVersion: 'v1',
        time: NOW,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {} } },
      },
    ]);
  });

  it('shares ownership of equal values and refuses different ones with 409 naming the manager', () => {
    const first = apply(undefined, cm({ a: '1', b: '2' }), 'alice').object;
    const shared = apply(first, cm({ a: '1' }), 'bob');
    expect(shared.managedFields.map((m) => m.manager)).toEqual(['alice', 'bob']);
    let error: unknown;
    try {
      apply(shared.object, cm({ a: '9' }), 'carol');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KubeError);
    const status = (error as KubeError).toStatus();
    expect(status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(status['message']).toBe(
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .data.a\nconflicts with "bob":\n- .data.a',
    );
  });

  it('moves ownership on force and keeps fields others still own', () => {
    const first = apply(undefined, cm({ a: '1', b: '2' }), 'alice').object;
    const forced = apply(first, cm({ a: '9' }), 'carol', true);
    expect(forced.object['data']).toEqual({ a: '9', b: '2' });
    const alice = forced.managedFields.find((m) => m.manager === 'alice');
    expect(alice?.fieldsV1).toEqual({ 'f:data': { 'f:b': {} } });
  });

  it('removes fields the manager stops applying unless another manager owns them', () => {
    const first = apply(undefined, cm({ a: '1', b: '2', c: '3' }), 'alice').object;
    const bob = apply(first, cm({ c: '3' }), 'bob').object;
    const trimmed = apply(bob, cm({ a: '1' }), 'alice');
    expect(trimmed.object['data']).toEqual({ a: '1', c: '3' });
  });

  it('merges list items by key and removes an item its manager dropped', () => {
    const pod = (containers: JsonObject[]): JsonObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers },
    });
    const first = apply(
      undefined,
      pod([
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:1' },
      ]),
      'alice',
    ).object;
    const other = apply(first, pod([{ name: 'b', image: 'b:1', args: ['x'] }]), 'bob').object;
    expect((other['spec'] as JsonObject)['containers']).toEqual([
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:1', args: ['x'] },
    ]);
    const dropped = apply(other, pod([{ name: 'b', image: 'b:1' }]), 'alice').object;
    expect((dropped['spec'] as JsonObject)['containers']).toEqual([{ name: 'b', image: 'b:1', args: ['x'] }]);
  });

  it('gives an Update the fields it changed', () => {
    const first = apply(undefined, cm({ a: '1', b: '2' }), 'alice');
    const after = { ...first.object, data: { a: '1', b: '3' } };
    const fields = recordUpdate(first.managedFields, first.object, after, 'kubectl-edit', 'v1', true, NOW);
    expect(fields.find((m) => m.manager === 'alice')?.fieldsV1).toEqual({ 'f:data': { 'f:a': {} } });
    expect(fields.find((m) => m.manager === 'kubectl-edit')).toMatchObject({
      operation: 'Update',
      fieldsV1: { 'f:data': { 'f:b': {} } },
    });
  });
});

describe('patches', () => {
  it('strategic merge patch merges containers by name and honours $patch: delete and null', () => {
    const live = {
      spec: {
        unschedulable: true,
        containers: [
          { name: 'a', image: 'a:1' },
          { name: 'b', image: 'b:1' },
        ],
      },
    };
    const patched = strategicMergePatch(live, {
      spec: {
        unschedulable: null,
        containers: [
          { name: 'a', image: 'a:2' },
          { name: 'b', $patch: 'delete' },
        ],
        '$setElementOrder/containers': [{ name: 'a' }],
      },
    });
    expect(patched).toEqual({ spec: { containers: [{ name: 'a', image: 'a:2' }] } });
  });

  it('JSON patch adds, replaces, removes and tests', () => {
    const doc = { spec: { taints: [{ key: 'a' }] } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/spec/taints/-', value: { key: 'b' } },
      { op: 'replace', path: '/spec/taints/0/key', value: 'z' },
      { op: 'test', path: '/spec/taints/1/key', value: 'b' },
      { op: 'add', path: '/spec/unschedulable', value: true },
      { op: 'remove', path: '/spec/taints/1' },
    ]);
    expect(out).toEqual({ spec: { taints: [{ key: 'z' }], unschedulable: true } });
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/spec/nothing' }])).toThrow(KubeError);
  });
});
