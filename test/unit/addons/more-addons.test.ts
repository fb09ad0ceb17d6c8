/**
 * The Gateway API CRDs, ingress-nginx, Longhorn, Talos etcd backups and RBAC addons: what they
 * render from the spec, that every object is valid for its kind, and that the ones off by default
 * plan nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/addon/index.js';
import { objectProblem, isNamespaced } from '../../../src/addons/object-check.js';
import { planAddons } from '../../../src/addons/plan-addons.js';
import { addonInputs } from '../../../src/addons/plan-input.js';
import { emptyState } from '../../../src/state/reducer.js';
import type { AddonRegistry } from '../../../src/addons/registry.js';
import { settingsSchemas } from '../../../src/addons/registry.js';
import { renderAddons, type RenderOutcome } from '../../../src/addons/render.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { bindingName } from '../../../plugins/rbac/src/index.js';
import { firstPartyRegistry } from '../../support/first-party-addons.js';

let registry: AddonRegistry;
beforeAll(async () => {
  registry = await firstPartyRegistry();
});

function specWith(addons: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Spec {
  return validateSpec(
    {
      cluster: { name: 'demo' },
      controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 1 }] },
      workers: { pools: [{ name: 'wk', location: 'nbg1', type: 'cpx32', count: 2 }] },
      addons,
      ...extra,
    },
    undefined,
    settingsSchemas(registry),
  );
}

function render(spec: Spec): RenderOutcome {
  return renderAddons(registry, spec, { layout: resolveNetworkLayout(spec) });
}

function objectsOf(outcome: RenderOutcome, addon: string): KubeObject[] {
  return outcome.rendered.find((a) => a.name === addon)?.objects.map((o) => o.object) ?? [];
}

/* eslint-disable @typescript-eslint/no-explicit-any -- reading deep into rendered objects */
type Loose = KubeObject & Record<string, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

const find = (objects: KubeObject[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as
    Loose | undefined;

const ALL_ON = {
  certManager: { enabled: true },
  ingressNginx: { enabled: true },
  longhorn: { enabled: true },
  talosBackup: {
    s3: { hcloudUrl: 'https://etcd.fsn1.your-objectstorage.com', accessKeyId: 'a', secretAccessKey: 'b' },
  },
};
const ACCESS = {
  kubernetes: {
    oidc: {
      enabled: true,
      issuerUrl: 'https://login.example.com',
      clientId: 'kubernetes',
      groupMappings: [
        { group: 'devs', clusterRoles: ['view'], roles: [{ name: 'deployer', namespace: 'apps' }] },
        { group: 'ops', clusterRoles: ['view', 'system:monitoring'] },
      ],
    },
    rbac: {
      roles: [
        {
          name: 'deployer',
          namespace: 'apps',
          rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] }],
        },
      ],
      clusterRoles: [{ name: 'node-reader', rules: [{ resources: ['nodes'], verbs: ['get', 'list'] }] }],
    },
  },
};

describe('the newer first-party addons', () => {
  it('render objects valid for their kinds, namespaced only where the kind is, in namespaces that exist', () => {
    const outcome = render(specWith(ALL_ON, ACCESS));
    expect(outcome.problems).toEqual([]);
    for (const addon of ['gatewayApiCrds', 'ingressNginx', 'longhorn', 'talosBackup', 'rbac']) {
      const objects = objectsOf(outcome, addon);
      expect(objects.length, addon).toBeGreaterThan(0);
      const namespaces = new Set([
        'kube-system',
        'apps',
        ...objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name),
      ]);
      for (const object of objects) {
        expect(objectProblem(object), `${addon} ${object.kind} ${object.metadata.name}`).toBeUndefined();
        expect(object.metadata.name).toMatch(
          /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
        );
        if (isNamespaced(object.kind, object.metadata.namespace))
          expect(namespaces).toContain(object.metadata.namespace);
      }
    }
  });

  it('has the Gateway API CRDs, the etcd backups and RBAC on by default, and ingress-nginx and Longhorn off', () => {
    const outcome = render(specWith());
    expect(outcome.rendered.map((a) => a.name)).toEqual(
      expect.arrayContaining(['gatewayApiCrds', 'talosBackup', 'rbac']),
    );
    expect(outcome.disabled).toEqual(['certManager', 'ingressNginx', 'longhorn']);
  });

  it('plans nothing for ingress-nginx and Longhorn while they are off', () => {
    const actions = planAddons({
      outcome: render(specWith()),
      applied: [],
      prunable: new Set(registry.addons.map((a) => a.definition.name)),
      gate: [],
      nodes: ['demo-cp-1'],
      recheck: false,
    });
    expect(actions.filter((a) => /^addon\.(ingressNginx|longhorn)\b/.test(a.address))).toEqual([]);
    expect(actions.some((a) => a.address === 'addon.talosBackup.cronjob.kube-system.talos-backup')).toBe(
      true,
    );
  });
});

describe('gatewayApiCrds', () => {
  it('applies the release manifest of its version and channel with a Job named after both', () => {
    const job = find(
      objectsOf(render(specWith({ gatewayApiCrds: { channel: 'experimental' } })), 'gatewayApiCrds'),
      'Job',
    );
    expect(job?.metadata.name).toBe('gateway-api-crds-v1-4-1-experimental');
    const container = job?.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.k8s.io/kubectl:v1.34.10');
    expect(container.args).toEqual([
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.1/experimental-install.yaml',
    ]);
    expect(job?.metadata.annotations?.['hk8s.io/lifecycle']).toBe('once');
  });
});

describe('ingressNginx', () => {
  it('is deprecated, needs cert-manager, and warns when it is enabled', () => {
    const alone = render(specWith({ ingressNginx: { enabled: true } }));
    expect(alone.problems).toEqual([
      expect.objectContaining({ addon: 'ingressNginx', message: 'needs certManager, which is not enabled' }),
    ]);
    const spec = specWith({ certManager: { enabled: true }, ingressNginx: { enabled: true } });
    expect(render(spec).rendered.find((a) => a.name === 'ingressNginx')?.deprecated).toMatch(/retired/);
    const { warnings } = addonInputs(
      registry,
      spec,
      resolveNetworkLayout(spec),
      { servers: {} },
      emptyState(),
      false,
    );
    expect(warnings).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'addon-deprecated', addon: 'ingressNginx' })]),
    );
  });

  it('uses a cloud-controller load balancer by default, the hk8s one through node ports when it is on', () => {
    const values = (spec: Spec) =>
      find(objectsOf(render(spec), 'ingressNginx'), 'HelmChart')?.spec.values.controller;
    const on = { certManager: { enabled: true }, ingressNginx: { enabled: true } };
    const ccm = values(specWith(on));
    expect(ccm.replicaCount).toBe(2);
    expect(ccm.service.type).toBe('LoadBalancer');
    expect(ccm.service.annotations).toMatchObject({
      'load-balancer.hetzner.cloud/name': 'demo-ingress',
      'load-balancer.hetzner.cloud/location': 'nbg1',
      'load-balancer.hetzner.cloud/type': 'lb11',
      'load-balancer.hetzner.cloud/uses-proxyprotocol': 'true',
    });
    expect(ccm.config).toMatchObject({ 'use-proxy-protocol': 'true', 'proxy-real-ip-cidr': '10.0.64.0/19' });
    const hk8s = values(specWith(on, { loadBalancers: { ingress: { enabled: true } } }));
    expect(hk8s.service).toEqual({
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      nodePorts: { http: 30000, https: 30001 },
    });
  });
});

describe('longhorn', () => {
  it('gets a privileged namespace and the reference values', () => {
    const objects = objectsOf(
      render(specWith({ longhorn: { enabled: true, defaultStorageClass: true } })),
      'longhorn',
    );
    expect(find(objects, 'Namespace', 'longhorn-system')?.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
    });
    expect(find(objects, 'HelmChart', 'longhorn')?.spec).toMatchObject({
      repo: 'https://charts.longhorn.io',
      version: '1.11.3',
      targetNamespace: 'longhorn-system',
      failurePolicy: 'abort',
      values: {
        defaultSettings: { allowCollectingLonghornUsageMetrics: false, upgradeChecker: false },
        networkPolicies: { enabled: true, type: 'rke1' },
        persistence: { defaultClass: true },
      },
    });
  });
});

describe('talosBackup', () => {
  const envOf = (cron: Loose) =>
    Object.fromEntries(
      (
        cron.spec.jobTemplate.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>
      ).map((e) => [e.name, e.value]),
    );

  it('is suspended, without Talos credentials, until a bucket is set', () => {
    const objects = objectsOf(render(specWith()), 'talosBackup');
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      'v1 Secret talos-backup-s3-secrets',
      'batch/v1 CronJob talos-backup',
    ]);
    const cron = find(objects, 'CronJob')!;
    expect(cron.spec).toMatchObject({ schedule: '0 * * * *', suspend: true, concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/siderolabs/talos-backup:v0.1.0-beta.3-3-g38dad7c',
    );
  });

  it('runs with a Hetzner Object Storage URL: bucket, region and endpoint from it', () => {
    const objects = objectsOf(render(specWith(ALL_ON)), 'talosBackup');
    expect(find(objects, 'ServiceAccount')).toMatchObject({
      apiVersion: 'talos.dev/v1alpha1',
      metadata: { name: 'talos-backup-secrets', namespace: 'kube-system' },
      spec: { roles: ['os:etcd:backup'] },
    });
    const cron = find(objects, 'CronJob')!;
    expect(cron.spec.suspend).toBe(false);
    expect(envOf(cron)).toMatchObject({
      BUCKET: 'etcd',
      AWS_REGION: 'fsn1',
      CUSTOM_S3_ENDPOINT: 'https://fsn1.your-objectstorage.com',
      CLUSTER_NAME: 'demo',
      DISABLE_ENCRYPTION: 'true',
    });
    expect(find(objects, 'Secret')?.stringData).toEqual({ access_key: 'a', secret_key: 'b' });
  });

  it('reads the keys from a Secret the operator names instead', () => {
    const objects = objectsOf(
      render(specWith({ talosBackup: { s3: { bucket: 'b', region: 'r', existingSecret: 'mine' } } })),
      'talosBackup',
    );
    expect(find(objects, 'Secret')).toBeUndefined();
    const env = find(objects, 'CronJob')!.spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env[0]).toEqual({
      name: 'AWS_ACCESS_KEY_ID',
      valueFrom: { secretKeyRef: { name: 'mine', key: 'access_key' } },
    });
  });
});

describe('rbac', () => {
  it('renders nothing until the spec asks for roles or mappings', () => {
    expect(objectsOf(render(specWith()), 'rbac')).toEqual([]);
  });

  it('renders the roles, and one binding per mapped role with the prefixed groups', () => {
    const objects = objectsOf(render(specWith({}, ACCESS)), 'rbac');
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'} ${o.metadata.name}`)).toEqual([
      'ClusterRole - node-reader',
      'Role apps deployer',
      `ClusterRoleBinding - ${bindingName('system:monitoring')}`,
      'ClusterRoleBinding - oidc-view',
      'RoleBinding apps oidc-deployer',
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'oidc-view')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:devs' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:ops' },
      ],
    });
    expect(find(objects, 'RoleBinding')?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'deployer',
    });
    expect(find(objects, 'Role')?.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
    ]);
  });

  it('names a binding for a role name that is no DNS-1123 subdomain uniquely', () => {
    expect(bindingName('system:monitoring')).toMatch(/^oidc-system-monitoring-[0-9a-f]{8}$/);
    expect(bindingName('system:monitoring')).not.toBe(bindingName('system-monitoring:'));
    expect(bindingName('edit')).toBe('oidc-edit');
  });
});
