/**
 * Server-side apply with the real kubectl: Deployments and CRDs (whose resources then appear in
 * discovery), managed fields, conflicts between field managers, --force-conflicts, dry runs,
 * persistence of the objects across a restart of the simulation.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeSimulator } from '../src/kube/index.js';
import {
  createCluster,
  kubectlFor,
  startKubeHarness,
  waitFor,
  type KubeHarness,
  type Kubectl,
  type TestCluster,
} from './kube-helpers.js';

const deployment = (replicas: number, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'default', labels: { app: 'api' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'api' } },
    template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'helmcharts.helm.cattle.io' },
  spec: {
    group: 'helm.cattle.io',
    scope: 'Namespaced',
    names: { plural: 'helmcharts', singular: 'helmchart', kind: 'HelmChart', listKind: 'HelmChartList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

describe('server-side apply', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let k: Kubectl;
  let n = 0;

  const apply = async (obj: unknown, ...flags: string[]) => {
    const file = join(h.dir, `manifest-${n++}.json`);
    writeFileSync(file, JSON.stringify(obj));
    return k.run(['apply', '--server-side', '-f', file, ...flags]);
  };
  const getJson = async (...args: string[]) =>
    JSON.parse((await k.run(['get', ...args, '-o', 'json'])).stdout);

  beforeAll(async () => {
    h = await startKubeHarness();
    c = await createCluster(h, 'ssa', 1, 2);
    k = await kubectlFor(h, c.pki, c.servers.get('ssa-cp-1')!.ip);
  });
  afterAll(async () => h?.close());

  it('creates a Deployment, records managed fields and runs its pods', async () => {
    const r = await apply(deployment(2));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('deployment.apps/api serverside-applied');
    const d = await getJson('deploy', 'api', '--show-managed-fields');
    const entry = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
    expect(entry).toMatchObject({ operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(entry.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(
      entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}'],
    ).toMatchObject({ '.': {}, 'f:image': {} });
    expect(entry.fieldsV1['f:metadata']['f:labels']).toEqual({ 'f:app': {} });
    await waitFor('2 pods ready', async () => (await getJson('deploy', 'api')).status?.readyReplicas === 2);
    const out = await k.run(['get', 'deploy', 'api']);
    expect(out.stdout).toMatch(/api\s+2\/2\s+2\s+2\s/);
  });

  it('refuses a change to a field another manager owns, naming it, until forced', async () => {
    const other = await apply(deployment(3), '--field-manager=autoscaler');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    const same = await apply(deployment(2), '--field-manager=helper');
    expect(same.code, same.stderr).toBe(0);
    const forced = await apply(deployment(3), '--field-manager=autoscaler', '--force-conflicts');
    expect(forced.code, forced.stderr).toBe(0);
    const d = await getJson('deploy', 'api', '--show-managed-fields');
    expect(d.spec.replicas).toBe(3);
    const kubectl = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
    expect(kubectl.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    const autoscaler = d.metadata.managedFields.find((m: { manager: string }) => m.manager === 'autoscaler');
    expect(autoscaler.fieldsV1['f:spec']['f:replicas']).toEqual({});
    await waitFor('3 pods', async () => (await getJson('pods', '-l', 'app=api')).items.length === 3);
  });

  it('removes a field its only manager stops applying; a dry run changes nothing', async () => {
    const labelled = {
      ...deployment(3),
      metadata: { ...deployment(3).metadata, labels: { app: 'api', tier: 'web' } },
    };
    expect((await apply(labelled, '--field-manager=labeller')).code).toBe(0);
    expect((await getJson('deploy', 'api')).metadata.labels).toEqual({ app: 'api', tier: 'web' });
    const dry = await apply(deployment(3), '--field-manager=labeller', '--dry-run=server', '-o', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).metadata.labels).toEqual({ app: 'api' });
    expect((await getJson('deploy', 'api')).metadata.labels).toEqual({ app: 'api', tier: 'web' });
    const conflicting = await apply(
      deployment(3, 'nginx:1.28'),
      '--field-manager=labeller',
      '--dry-run=server',
    );
    expect(conflicting.code).toBe(1);
    expect(conflicting.stderr).toContain(
      'Apply failed with 3 conflicts: conflicts with "kubectl":\n- .spec.template.spec.containers[name="app"].image\nconflicts with "helper":',
    );
    expect((await getJson('deploy', 'api')).spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect((await apply(deployment(3), '--field-manager=labeller')).code).toBe(0);
    expect((await getJson('deploy', 'api')).metadata.labels).toEqual({ app: 'api' });
  });

  it('lets kubectl watch: rollout status and wait', async () => {
    const scale = await k.run(['scale', 'deploy/api', '--replicas=4']);
    expect(scale.code, scale.stderr).toBe(0);
    const rollout = await k.run(['rollout', 'status', 'deploy/api', '--timeout=20s']);
    expect(rollout.code, rollout.stderr).toBe(0);
    expect(rollout.stdout).toContain('deployment "api" successfully rolled out');
    const wait = await k.run([
      'wait',
      '--for=jsonpath={.status.readyReplicas}=4',
      'deploy/api',
      '--timeout=20s',
    ]);
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.stdout.trim()).toBe('deployment.apps/api condition met');
    expect((await k.run(['scale', 'deploy/api', '--replicas=3'])).code).toBe(0);
  });

  it('applies a CRD, serves its resource in discovery, and applies a custom resource', async () => {
    const r = await apply(CRD);
    expect(r.code, r.stderr).toBe(0);
    const crd = await getJson('crd', 'helmcharts.helm.cattle.io');
    expect(crd.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Established', status: 'True' }),
    );
    const chart = {
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'cilium', namespace: 'kube-system' },
      spec: {
        chart: 'cilium',
        repo: 'https://helm.cilium.io',
        version: '1.18.0',
        valuesContent: 'kubeProxyReplacement: true\n',
      },
    };
    const applied = await apply(chart);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim()).toBe('helmchart.helm.cattle.io/cilium serverside-applied');
    const list = await k.run(['get', 'helmcharts', '-A']);
    expect(list.stdout).toMatch(/NAMESPACE\s+NAME\s+AGE\nkube-system\s+cilium\s/);
    const resources = await k.run(['api-resources', '--api-group=helm.cattle.io']);
    expect(resources.stdout).toMatch(/helmcharts\s+helm\.cattle\.io\/v1\s+true\s+HelmChart/);
  });

  it('keeps the objects across a restart of the simulation', async () => {
    await h.kube.close();
    const again = new KubeSimulator({ stateDir: h.dir, talos: h.talos, speed: 0.01, log: () => {} });
    h.kube = again;
    await waitFor('API back', async () => (await k.run(['get', 'deploy', 'api'])).code === 0);
    const d = await getJson('deploy', 'api');
    expect(d.spec.replicas).toBe(3);
    expect((await getJson('helmcharts', '-n', 'kube-system')).items).toHaveLength(1);
  });
});
