/**
 * Addons end to end, with the built CLI against a sandbox of its own: the default addons installed
 * in order and the nodes Ready and initialized, a second plan empty, a third-party plugin linked with
 * `hk8s plugins link` (and a broken one reported and skipped), one Cilium value, metrics-server off.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';

/** A cluster role and an OIDC group bound to it and to `view`: rendered by the rbac addon. */
const RBAC = [
  'kubernetes:',
  '  rbac:',
  '    clusterRoles:',
  '      - name: node-reader',
  '        rules: [{ resources: [nodes], verbs: [get, list] }]',
  '  oidc:',
  '    groupMappings:',
  '      - { group: ops, clusterRoles: [node-reader, view] }',
  '',
].join('\n');

const SPEC = `${readFileSync(resolve('test/fixtures/cli/small.yaml'), 'utf8').replace(
  'name: cli',
  'name: addons',
)}${RBAC}`;

let ws: Workspace;

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', join(ws.dir, 'kubeconfig'), ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  ws = workspace({ sandboxDir: sandboxDirFor('addons') });
  // Plugins linked by this test go to a data directory of its own.
  const home = join(ws.dir, 'home');
  mkdirSync(home, { recursive: true });
  Object.assign(ws.env, {
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: join(home, 'cache'),
  });
  ws.writeSpec(SPEC);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('addons on the sandbox', () => {
  it('links a third-party plugin and a broken one; the schema has the good one', () => {
    expect(ws.run('plugins', 'link', resolve('test/fixtures/addon-plugin')).code).toBe(0);
    expect(ws.run('plugins', 'link', resolve('test/fixtures/broken-addon-plugin')).code).toBe(0);
    const schema = ws.run('schema');
    expect(schema.code).toBe(0);
    const addons = (JSON.parse(schema.stdout) as { properties: { addons: { properties: object } } })
      .properties.addons;
    expect(Object.keys(addons.properties)).toContain('greeter');
    expect(schema.stderr).toMatch(/plugin hk8s-addon-fixture-broken skipped: its hk8s:addons hook failed/);
  });

  it('applies the default addons in order, and every node ends Ready with a providerID', () => {
    ws.writeSpec(`${SPEC}addons:\n  greeter:\n    greeting: hi\n`);
    const apply = ws.run('apply', '--sandbox', '--auto-approve', '--json');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stderr).toMatch(/hk8s-addon-fixture-broken skipped/);
    writeFileSync(join(ws.dir, 'kubeconfig'), ws.run('kubeconfig', '--sandbox').stdout);
    const nodes = JSON.parse(kubectl('get', 'nodes', '-o', 'json')) as {
      items: Array<{
        spec: { providerID?: string; taints?: Array<{ key: string }> };
        status: { conditions: Array<{ type: string; status: string }> };
      }>;
    };
    expect(nodes.items).toHaveLength(3);
    for (const node of nodes.items) {
      expect(node.spec.providerID).toMatch(/^hcloud:\/\/\d+$/);
      expect(
        node.spec.taints?.some((t) => t.key === 'node.cloudprovider.kubernetes.io/uninitialized') ?? false,
      ).toBe(false);
      expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
    const charts = kubectl('get', 'helmcharts', '-n', 'kube-system', '-o', 'name').trim().split('\n').sort();
    expect(charts).toEqual([
      'helmchart.helm.cattle.io/cilium',
      'helmchart.helm.cattle.io/hcloud-cloud-controller-manager',
      'helmchart.helm.cattle.io/hcloud-csi',
      'helmchart.helm.cattle.io/metrics-server',
      'helmchart.helm.cattle.io/talos-cloud-controller-manager',
    ]);
    expect(kubectl('get', 'configmap', '-n', 'greeter', 'greeting', '-o', 'jsonpath={.data.greeting}')).toBe(
      'hi from addons',
    );
    // On by default: the Gateway API CRDs' Job ran, the etcd backup CronJob waits for a bucket.
    expect(
      kubectl(
        'get',
        'job',
        '-n',
        'kube-system',
        'gateway-api-crds-v1-4-1-standard',
        '-o',
        'jsonpath={.status.conditions[0].type}',
      ),
    ).toBe('Complete');
    expect(
      kubectl('get', 'cronjob', '-n', 'kube-system', 'talos-backup', '-o', 'jsonpath={.spec.suspend}'),
    ).toBe('true');
    // Off by default: nothing of ingress-nginx or Longhorn.
    expect(kubectl('get', 'namespaces', '-o', 'name')).not.toMatch(/ingress-nginx|longhorn-system/);
    // The spec's RBAC: the cluster role, and its binding to the prefixed OIDC group.
    expect(kubectl('get', 'clusterrole', 'node-reader', '-o', 'jsonpath={.rules[0].resources[0]}')).toBe(
      'nodes',
    );
    expect(
      kubectl('get', 'clusterrolebinding', 'oidc-view', '-o', 'jsonpath={.roleRef.name} {.subjects[0].name}'),
    ).toBe('view oidc:ops');
    // The generated CSI passphrase reached the cluster, never the plan.
    const passphrase = kubectl(
      'get',
      'secret',
      '-n',
      'kube-system',
      'hcloud-csi-secret',
      '-o',
      'jsonpath={.data.encryption-passphrase}',
    );
    expect(Buffer.from(passphrase, 'base64').toString()).toMatch(/^[0-9a-f]{64}$/);
  }, 240_000);

  it('plans nothing the second time', () => {
    const plan = ws.run('plan', '--sandbox', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as { graph: { actions: unknown[] } }).graph.actions).toEqual([]);
  });

  it('one Cilium value is one HelmChart update; metrics-server off deletes its objects', () => {
    ws.writeSpec(
      `${SPEC}addons:\n  greeter:\n    greeting: hi\n  cilium:\n    values:\n      debug:\n        enabled: true\n  metricsServer:\n    enabled: false\n`,
    );
    const plan = ws.run('plan', '--sandbox', '--json');
    const actions = (JSON.parse(plan.stdout) as { graph: { actions: Array<{ id: string }> } }).graph.actions
      .map((a) => a.id)
      .sort();
    expect(actions).toEqual([
      'delete:addon.metricsServer',
      'delete:addon.metricsServer.helmchart.kube-system.metrics-server',
      'update:addon.cilium',
      'update:addon.cilium.helmchart.kube-system.cilium',
      'wait:cluster.ready',
    ]);
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stderr).toBe(0);
    expect(kubectl('get', 'helmcharts', '-n', 'kube-system', '-o', 'name')).not.toMatch(/metrics-server/);
  }, 240_000);
});
