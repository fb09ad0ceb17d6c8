import { describe, expect, it } from 'vitest';
import { diffResources } from '../../../src/plan/diff.js';
import { makePlan, type PlanInputs } from '../../../src/plan/plan.js';
import type { DesiredResource, ObservedResource, ResourceType } from '../../../src/plan/types.js';

const desired = (
  address: string,
  type: ResourceType,
  props: object,
  dependsOn: string[] = [],
): DesiredResource => ({
  address,
  type,
  props: props as DesiredResource['props'],
  dependsOn,
});
const observed = (
  address: string,
  type: ResourceType,
  props: object,
  id = `id-${address}`,
): ObservedResource => ({
  address,
  type,
  id,
  props: props as ObservedResource['props'],
});

const net = { name: 'demo', ip_range: '10.0.0.0/16', labels: { a: '1' } };
const server = (extra: object = {}) => ({
  name: 'demo-w-1',
  server_type: 'cpx22',
  location: 'fsn1',
  image: { os: 'talos' },
  labels: { role: 'worker' },
  ...extra,
});

describe('diffResources', () => {
  it.each([
    {
      name: 'missing resource is created',
      want: [desired('network.main', 'network', net)],
      have: [],
      expected: ['create:network.main'],
    },
    {
      name: 'equal resource gives no action',
      want: [desired('network.main', 'network', net)],
      have: [observed('network.main', 'network', net)],
      expected: [],
    },
    {
      name: 'extra observed fields are not compared',
      want: [desired('network.main', 'network', net)],
      have: [observed('network.main', 'network', { ...net, created: 'yesterday', id: 5 })],
      expected: [],
    },
    {
      name: 'label change is an update',
      want: [desired('network.main', 'network', { ...net, labels: { a: '2' } })],
      have: [observed('network.main', 'network', net)],
      expected: ['update:network.main'],
    },
    {
      name: 'immutable field change is a replace',
      want: [desired('network.main', 'network', { ...net, ip_range: '10.1.0.0/16' })],
      have: [observed('network.main', 'network', net)],
      expected: ['replace:network.main'],
    },
    {
      name: 'server replacement drains first',
      want: [desired('server.w.1', 'server', server({ location: 'nbg1' }))],
      have: [observed('server.w.1', 'server', server())],
      expected: ['drain:server.w.1', 'replace:server.w.1'],
    },
    {
      name: 'create-only field (image) never causes a diff',
      want: [desired('server.w.1', 'server', server({ image: { os: 'talos', version: 'v2' } }))],
      have: [observed('server.w.1', 'server', server({ image: { os: 'talos', version: 'v1' } }))],
      expected: [],
    },
    {
      name: 'removed server is drained then deleted',
      want: [],
      have: [observed('server.w.1', 'server', server())],
      expected: ['drain:server.w.1', 'delete:server.w.1'],
    },
  ])('$name', ({ want, have, expected }) => {
    expect(diffResources(want, have).map((a) => a.id)).toEqual(expected);
  });

  it('update carries the field-level patch', () => {
    const [action] = diffResources(
      [desired('network.main', 'network', { ...net, labels: { a: '2', b: '3' } })],
      [observed('network.main', 'network', net)],
    );
    expect(action?.kind).toBe('update');
    if (action?.kind !== 'update') return;
    expect(action.patch).toEqual([
      { op: 'replace', path: '/labels/a', value: '2' },
      { op: 'add', path: '/labels/b', value: '3' },
    ]);
    expect(action.reason).toBe('labels changed');
  });

  it('an in-place server type change drains the node first and says the server is power-cycled', () => {
    const [drain, action] = diffResources(
      [desired('server.w.1', 'server', server({ server_type: 'cpx32' }))],
      [observed('server.w.1', 'server', server())],
    );
    expect(drain).toMatchObject({ kind: 'drain', id: 'drain:server.w.1' });
    expect(action?.kind).toBe('update');
    expect(action?.dependsOn).toEqual(['drain:server.w.1']);
    expect(action?.reason).toBe('server_type changed (the server is powered off and on)');
  });

  it('replace names the field that forces it', () => {
    const [action] = diffResources(
      [desired('network.main', 'network', { ...net, ip_range: '10.1.0.0/16' })],
      [observed('network.main', 'network', net)],
    );
    expect(action?.kind === 'replace' && action.forcedBy).toEqual(['/ip_range']);
    expect(action?.reason).toBe('ip_range cannot change in place');
  });

  it('--replace forces a replacement of an unchanged resource and rejects unknown addresses', () => {
    const actions = diffResources(
      [desired('network.main', 'network', net)],
      [observed('network.main', 'network', net)],
      { replace: ['network.main'] },
    );
    expect(actions.map((a) => a.id)).toEqual(['replace:network.main']);
    expect(() => diffResources([], [], { replace: ['server.x.1'] })).toThrow(/cannot replace server.x.1/);
  });

  it('a replaced server is created with its create-only fields (the image), which are never compared', () => {
    const want = server({ image: { os: 'talos', version: 'v1.13.9' }, ssh_keys: [{ $ref: 'ssh_key.main' }] });
    const actions = diffResources(
      [desired('server.w.1', 'server', want)],
      [observed('server.w.1', 'server', server({ image: { id: 7 } }))],
      { replace: ['server.w.1'] },
    );
    const replace = actions.find((a) => a.kind === 'replace');
    expect(replace?.kind === 'replace' && replace.after.image).toBeUndefined();
    expect(replace?.kind === 'replace' && replace.props).toEqual(want);
  });

  it('creates wait for the creates they depend on', () => {
    const actions = diffResources(
      [
        desired('network.main', 'network', net),
        desired('subnet.worker', 'subnet', { ip_range: '10.0.80.0/25' }, ['network.main']),
        desired('server.w.1', 'server', server(), ['network.main', 'subnet.worker']),
      ],
      [],
    );
    const deps = Object.fromEntries(actions.map((a) => [a.id, a.dependsOn]));
    expect(deps).toEqual({
      'create:network.main': [],
      'create:subnet.worker': ['create:network.main'],
      'create:server.w.1': ['create:network.main', 'create:subnet.worker'],
    });
  });

  it('deletes go in reverse order of need: servers, then subnets, then the network', () => {
    const actions = diffResources(
      [],
      [
        observed('network.main', 'network', net),
        observed('subnet.worker', 'subnet', {}),
        observed('server.w.1', 'server', server()),
        observed('firewall.main', 'firewall', {}),
      ],
      { destroy: true },
    );
    const deps = Object.fromEntries(actions.map((a) => [a.id, a.dependsOn]));
    expect(deps['delete:server.w.1']).toEqual([]);
    expect(deps['delete:firewall.main']).toEqual(['delete:server.w.1']);
    expect(deps['delete:subnet.worker']).toEqual(['delete:firewall.main', 'delete:server.w.1']);
    expect(deps['delete:network.main']).toEqual([
      'delete:firewall.main',
      'delete:server.w.1',
      'delete:subnet.worker',
    ]);
    expect(actions.some((a) => a.kind === 'drain')).toBe(false);
  });
});

describe('makePlan', () => {
  const inputs = (): PlanInputs => ({
    cluster: 'demo',
    command: 'apply',
    specHash: 'spec1',
    stateHead: { seq: 3, hash: 'abc' },
    desired: [
      desired('server.w.2', 'server', server({ name: 'demo-w-2' }), ['network.main']),
      desired('network.main', 'network', net),
      desired('server.w.1', 'server', server(), ['network.main']),
    ],
    observed: [observed('server.w.9', 'server', server({ name: 'demo-w-9' }))],
  });

  it('is deterministic: same inputs in any order give byte-identical JSON', () => {
    const a = JSON.stringify(makePlan(inputs()));
    const shuffled = inputs();
    shuffled.desired.reverse();
    expect(JSON.stringify(makePlan(shuffled))).toBe(a);
  });

  it('changes its inputs hash when the state head, the spec or the cloud changes', () => {
    const base = makePlan(inputs()).inputsHash;
    expect(makePlan({ ...inputs(), stateHead: { seq: 4, hash: 'def' } }).inputsHash).not.toBe(base);
    expect(makePlan({ ...inputs(), specHash: 'spec2' }).inputsHash).not.toBe(base);
    expect(makePlan({ ...inputs(), observed: [] }).inputsHash).not.toBe(base);
  });

  it('counts actions by kind and orders them by dependency', () => {
    const plan = makePlan(inputs());
    expect(plan.summary).toMatchObject({ create: 3, delete: 1, drain: 1, update: 0 });
    const ids = plan.graph.actions.map((a) => a.id);
    expect(ids.indexOf('create:network.main')).toBeLessThan(ids.indexOf('create:server.w.1'));
    expect(ids.indexOf('drain:server.w.9')).toBeLessThan(ids.indexOf('delete:server.w.9'));
  });

  it('destroy plans the deletion of everything observed and nothing else', () => {
    const plan = makePlan({ ...inputs(), command: 'destroy' });
    expect(plan.graph.actions.map((a) => a.id)).toEqual(['delete:server.w.9']);
  });
});
