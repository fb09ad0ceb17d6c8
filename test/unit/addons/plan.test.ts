import { beforeAll, describe, expect, it } from 'vitest';
import type { AddonDefinition, AddonHook } from '../../../src/addon/index.js';
import { objectProblem } from '../../../src/addons/object-check.js';
import { planAddons, type AddonPlanInput } from '../../../src/addons/plan-addons.js';
import type { AddonRegistry } from '../../../src/addons/registry.js';
import { renderAddons } from '../../../src/addons/render.js';
import type { Action, ObservedResource } from '../../../src/plan/types.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { settingsSchemas } from '../../../src/addons/registry.js';
import { firstPartyRegistry } from '../../support/first-party-addons.js';

const thirdParty: AddonHook = async ({ z: zz }) => [
  {
    contract: 1,
    name: 'acme',
    version: '2.0.0',
    description: 'a ConfigMap',
    settings: zz.object({ enabled: zz.boolean().default(true), greeting: zz.string().default('hi') }),
    render: ({ settings }) => [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'acme', namespace: 'default' },
        data: { greeting: settings.greeting },
      },
    ],
  } satisfies AddonDefinition<{ enabled: boolean; greeting: string }>,
];

let registry: AddonRegistry;
beforeAll(async () => {
  registry = await firstPartyRegistry({ acme: thirdParty });
});

function specWith(addons: Record<string, unknown> = {}): Spec {
  return validateSpec(
    {
      cluster: { name: 'demo' },
      controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 3 }] },
      workers: { pools: [{ name: 'wk', location: 'fsn1', type: 'cpx32', count: 2 }] },
      addons,
    },
    undefined,
    settingsSchemas(registry),
  );
}

function inputFor(spec: Spec, applied: ObservedResource[] = [], reg = registry): AddonPlanInput {
  const outcome = renderAddons(reg, spec, { layout: resolveNetworkLayout(spec) });
  return {
    outcome,
    applied,
    prunable: new Set(reg.addons.map((a) => a.definition.name)),
    gate: [],
    nodes: ['demo-cp-1'],
    recheck: false,
  };
}

/** What the event log would hold after the actions succeeded. */
function appliedAfter(actions: Action[], before: ObservedResource[] = []): ObservedResource[] {
  const byAddress = new Map(before.map((r) => [r.address, r]));
  for (const a of actions) {
    if (a.kind === 'create')
      byAddress.set(a.address, { address: a.address, type: 'addon', id: a.address, props: a.props });
    if (a.kind === 'update')
      byAddress.set(a.address, { address: a.address, type: 'addon', id: a.resourceId, props: a.after });
    if (a.kind === 'delete') byAddress.delete(a.address);
  }
  return [...byAddress.values()];
}

const ids = (actions: Action[]) => actions.map((a) => a.id);

describe('rendering the first-party addons', () => {
  it('renders valid objects for every enabled addon, none for the disabled ones', () => {
    const everything = {
      certManager: { enabled: true },
      ingressNginx: { enabled: true },
      longhorn: { enabled: true },
    };
    const outcome = renderAddons(registry, specWith(everything), {
      layout: resolveNetworkLayout(specWith()),
    });
    expect(outcome.problems).toEqual([]);
    expect(outcome.rendered.map((a) => a.name)).toEqual([
      'acme',
      'certManager',
      'cilium',
      'gatewayApiCrds',
      'hcloudCcm',
      'hcloudCsi',
      'helmController',
      'ingressNginx',
      'longhorn',
      'metricsServer',
      'rbac',
      'talosBackup',
      'talosCcm',
    ]);
    for (const addon of outcome.rendered) {
      for (const { object } of addon.objects)
        expect(objectProblem(object), `${addon.name} ${object.kind}`).toBeUndefined();
    }
    expect(renderAddons(registry, specWith(), { layout: resolveNetworkLayout(specWith()) }).disabled).toEqual(
      ['certManager', 'ingressNginx', 'longhorn'],
    );
  });

  it('never puts a secret value into a rendered object', () => {
    const outcome = renderAddons(registry, specWith({ cilium: { encryption: { type: 'ipsec' } } }), {
      layout: resolveNetworkLayout(specWith()),
    });
    const secrets = outcome.rendered.flatMap((a) => a.objects).filter((o) => o.object.kind === 'Secret');
    const data = secrets.map((s) => JSON.stringify(s.object['stringData']));
    expect(data.find((d) => d.includes('"token"'))).toMatch(/\(\(hk8s:secret:hcloud\.token\)\)/);
    expect(data.find((d) => d.includes('"keys"'))).toMatch(
      /^\{"keys":"1\+ rfc4106\(gcm\(aes\)\) \(\(hk8s:secret:addon\.cilium\.ipsec-key-1-256\)\) 128"\}$/,
    );
    expect(data.find((d) => d.includes('encryption-passphrase'))).toMatch(
      /\(\(hk8s:secret:addon\.hcloudCsi\.encryption-passphrase\)\)/,
    );
  });

  it('sets the reference values that depend on the cluster', () => {
    const outcome = renderAddons(registry, specWith(), { layout: resolveNetworkLayout(specWith()) });
    const chart = (name: string) =>
      outcome.rendered
        .flatMap((a) => a.objects)
        .find((o) => o.object.kind === 'HelmChart' && o.object.metadata.name === name)?.object as unknown as {
        spec: { values: Record<string, unknown> };
      };
    expect(chart('cilium').spec.values).toMatchObject({
      k8sServiceHost: '127.0.0.1',
      k8sServicePort: 7445,
      ipv4NativeRoutingCIDR: '10.0.0.0/16',
      operator: { replicas: 2 },
    });
    expect(chart('hcloud-cloud-controller-manager').spec.values).toMatchObject({
      networking: { enabled: true, clusterCIDR: '10.0.128.0/17' },
    });
    expect(chart('metrics-server').spec.values).toMatchObject({ replicas: 2 });
  });
});

describe('planning the addons', () => {
  it('creates every object after what it needs, then gates on the cluster', () => {
    const actions = planAddons(inputFor(specWith()));
    const byId = new Map(actions.map((a) => [a.id, a]));
    const cilium = byId.get('create:addon.cilium.helmchart.kube-system.cilium');
    expect(cilium?.dependsOn).toContain('create:addon.helmController');
    expect(byId.get('create:addon.metricsServer.helmchart.kube-system.metrics-server')?.dependsOn).toEqual(
      expect.arrayContaining(['create:addon.talosCcm', 'create:addon.cilium', 'create:addon.hcloudCcm']),
    );
    expect(byId.get('create:addon.cilium')?.dependsOn).toContain(
      'create:addon.cilium.helmchart.kube-system.cilium',
    );
    expect(byId.get('create:addon.helmController.deployment.kube-system.helm-controller')?.dependsOn).toEqual(
      expect.arrayContaining([
        'create:addon.helmController.customresourcedefinition.helmcharts.helm.cattle.io',
      ]),
    );
    expect(actions.at(-1)?.id).toBe('wait:cluster.ready');
    expect(actions.at(-1)).toMatchObject({ detail: { providerIds: true, nodes: ['demo-cp-1'] } });
  });

  it('plans nothing the second time', () => {
    const spec = specWith();
    const applied = appliedAfter(planAddons(inputFor(spec)));
    expect(planAddons(inputFor(spec, applied))).toEqual([]);
  });

  it('changing one Cilium value updates its HelmChart and its install record only', () => {
    const applied = appliedAfter(planAddons(inputFor(specWith())));
    const actions = planAddons(
      inputFor(specWith({ cilium: { values: { debug: { enabled: true } } } }), applied),
    );
    expect(ids(actions)).toEqual([
      'update:addon.cilium.helmchart.kube-system.cilium',
      'update:addon.cilium',
      'wait:cluster.ready',
    ]);
    const update = actions[0];
    expect(update?.kind === 'update' && update.patch).toEqual([
      { op: 'add', path: '/object/spec/values/debug', value: { enabled: true } },
    ]);
  });

  it('disabling metrics-server deletes its objects and its record', () => {
    const applied = appliedAfter(planAddons(inputFor(specWith())));
    const actions = planAddons(inputFor(specWith({ metricsServer: { enabled: false } }), applied));
    expect(ids(actions).sort()).toEqual([
      'delete:addon.metricsServer',
      'delete:addon.metricsServer.helmchart.kube-system.metrics-server',
      'wait:cluster.ready',
    ]);
  });

  it('prunes an object an addon stopped rendering, and deletes HelmCharts before the helm-controller', () => {
    const applied = appliedAfter(planAddons(inputFor(specWith({ certManager: { enabled: true } }))));
    const actions = planAddons(
      inputFor(
        specWith({
          certManager: { enabled: false },
          helmController: { enabled: false },
          cilium: { enabled: false },
          hcloudCcm: { enabled: false },
          hcloudCsi: { enabled: false },
          talosCcm: { enabled: false },
          metricsServer: { enabled: false },
        }),
        applied,
      ),
    );
    const deployment = actions.find(
      (a) => a.id === 'delete:addon.helmController.deployment.kube-system.helm-controller',
    );
    expect(deployment?.dependsOn).toEqual(
      expect.arrayContaining([
        'delete:addon.certManager.helmchart.kube-system.cert-manager',
        'delete:addon.cilium.helmchart.kube-system.cilium',
      ]),
    );
    const namespace = actions.find((a) => a.id === 'delete:addon.certManager.namespace.cert-manager');
    expect(namespace?.dependsOn).toContain('delete:addon.certManager.helmchart.kube-system.cert-manager');
  });

  it('leaves the objects of an addon whose render fails, and plans the rest', async () => {
    const applied = appliedAfter(planAddons(inputFor(specWith())));
    const broken = await firstPartyRegistry({
      acme: async ({ z: zz }) => [
        {
          contract: 1,
          name: 'acme',
          version: '3.0.0',
          description: 'broken',
          settings: zz.object({ enabled: zz.boolean().default(true) }),
          render: () => {
            throw new Error('template error');
          },
        },
      ],
    });
    const input = inputFor(specWith(), applied, broken);
    expect(input.outcome.problems).toEqual([
      { plugin: 'acme', addon: 'acme', message: 'render failed: template error' },
    ]);
    expect(planAddons(input)).toEqual([]);
  });

  it('refuses objects that are not valid for their kind', () => {
    expect(
      objectProblem({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: 'x' } }),
    ).toMatch(/DNS-1123/);
    expect(objectProblem({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' } })).toMatch(
      /names no namespace/,
    );
    expect(
      objectProblem({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ok', namespace: 'x' } }),
    ).toMatch(/cluster-scoped/);
    expect(
      objectProblem({ apiVersion: 'apps', kind: 'Deployment', metadata: { name: 'ok', namespace: 'x' } }),
    ).toMatch(/apiVersion/);
    expect(
      objectProblem({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ok', namespace: 'x', labels: { a: 'b c' } },
      }),
    ).toMatch(/label value/);
    expect(
      objectProblem({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ok', namespace: 'x' },
        data: { at: new Date() },
      }),
    ).toMatch(/plain JSON/);
    expect(
      objectProblem({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok', namespace: 'x' } }),
    ).toBeUndefined();
  });
});
