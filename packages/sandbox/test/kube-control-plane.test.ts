/**
 * The control-plane static pods follow each node's config, component by component, as Talos's
 * do: image from `cluster.<component>.image`, `talos.dev/config-version` bumped, briefly not Ready
 * while the new pod starts; kube-proxy's DaemonSet is created from `cluster.proxy.image` and rolls
 * its pods when its template changes; the record lists every component's version changes in order.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Json } from './helpers.js';
import { machineConfig } from './kube-pki.js';
import {
  control,
  createCluster,
  kubectlFor,
  talosCall,
  waitFor,
  type KubeHarness,
  type Kubectl,
  type TestCluster,
} from './kube-helpers.js';
import { startKubeHarness } from './kube-helpers.js';

const OLD = 'v1.35.4';
const NEW = 'v1.36.3';

describe('control-plane pods in the sandbox', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let k: Kubectl;

  beforeAll(async () => {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
    h = await startKubeHarness();
    c = await createCluster(h, 'cpp', 2, 1, OLD);
    k = await kubectlFor(h, c.pki, c.servers.get('cpp-cp-1')!.ip);
  });
  afterAll(async () => h?.close());

  const pod = async (name: string): Promise<Json> => {
    const r = await k.run(['get', 'pod', '-n', 'kube-system', name, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const ready = (p: Json) =>
    p.status?.conditions?.some((cond: Json) => cond.type === 'Ready' && cond.status === 'True') === true;

  const pushConfig = async (server: string, images: Record<string, string>) => {
    const config = machineConfig(c.pki, {
      type: 'controlplane',
      clusterId: c.id,
      clusterName: c.name,
      endpoint: 'https://10.0.1.100:6443',
      kubernetesVersion: OLD,
      images,
    });
    const ip = c.servers.get(server)!.ip;
    await talosCall(h, c.pki, ip, 'ApplyConfiguration', { data: Buffer.from(config), mode: 'NO_REBOOT' });
  };

  it('labels each mirror pod k8s-app=<component>, on its node, Ready, at config-version 1', async () => {
    await waitFor('mirror pods Ready', async () => ready(await pod('kube-scheduler-cpp-cp-2')));
    for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const p = await pod(`${component}-cpp-cp-1`);
      expect(p.metadata.labels['k8s-app']).toBe(component);
      expect(p.metadata.annotations['talos.dev/config-version']).toBe('1');
      expect(p.spec.containers[0].image).toBe(`registry.k8s.io/${component}:${OLD}`);
      expect(p.spec.nodeName).toBe('cpp-cp-1');
      expect(p.status.hostIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(ready(p)).toBe(true);
    }
    const selected = await k.run([
      'get',
      'pods',
      '-n',
      'kube-system',
      '-l',
      'k8s-app=kube-scheduler',
      '-o',
      'name',
    ]);
    expect(selected.stdout.trim().split('\n').sort()).toEqual([
      'pod/kube-scheduler-cpp-cp-1',
      'pod/kube-scheduler-cpp-cp-2',
    ]);
  });

  it('restarts only the component whose image changed, on that node only', async () => {
    await control(h, 'POST', 'kube/reset');
    const before = await pod('kube-controller-manager-cpp-cp-1');
    const otherNode = await pod('kube-apiserver-cpp-cp-2');
    await pushConfig('cpp-cp-1', { apiServer: `registry.k8s.io/kube-apiserver:${NEW}` });
    await waitFor('new API server pod', async () => {
      const p = await pod('kube-apiserver-cpp-cp-1');
      return p.spec.containers[0].image === `registry.k8s.io/kube-apiserver:${NEW}`;
    });
    const restarted = await pod('kube-apiserver-cpp-cp-1');
    expect(restarted.metadata.annotations['talos.dev/config-version']).toBe('2');
    await waitFor('restarted API server Ready', async () => ready(await pod('kube-apiserver-cpp-cp-1')));
    expect((await pod('kube-controller-manager-cpp-cp-1')).metadata.uid).toBe(before.metadata.uid);
    expect((await pod('kube-apiserver-cpp-cp-2')).metadata.uid).toBe(otherNode.metadata.uid);

    await pushConfig('cpp-cp-1', {
      apiServer: `registry.k8s.io/kube-apiserver:${NEW}`,
      controllerManager: `registry.k8s.io/kube-controller-manager:${NEW}`,
    });
    await waitFor('new controller manager pod Ready', async () => {
      const p = await pod('kube-controller-manager-cpp-cp-1');
      return p.spec.containers[0].image.endsWith(NEW) && ready(p);
    });
    const record = (await control(h, 'GET', 'kube')).clusters.find((x: Json) => x.id === c.id);
    const changes = record.versionChanges.map((v: Json) => [v.node, v.component, v.from, v.to]);
    expect(changes).toEqual([
      ['cpp-cp-1', 'apiserver', OLD, NEW],
      ['cpp-cp-1', 'controller-manager', OLD, NEW],
    ]);
  });

  it('is briefly not Ready while a restarted static pod starts', async () => {
    const objects = h.kube.cluster(c.id)!.objects;
    const created = vi.spyOn(objects, 'createAs');
    try {
      await pushConfig('cpp-cp-2', { scheduler: `registry.k8s.io/kube-scheduler:${NEW}` });
      await waitFor('new scheduler pod Ready', async () => {
        const p = await pod('kube-scheduler-cpp-cp-2');
        return p.spec.containers[0].image.endsWith(NEW) && ready(p);
      });
      const posted = created.mock.calls
        .map(([, object]) => object as Json)
        .filter((o) => o.metadata?.name === 'kube-scheduler-cpp-cp-2');
      expect(posted).toHaveLength(1);
      expect(posted[0].status.phase).toBe('Pending');
      expect(ready(posted[0])).toBe(false);
    } finally {
      created.mockRestore();
    }
  });

  it('creates kube-proxy from cluster.proxy.image and rolls its pods to a new template image', async () => {
    const ds = JSON.parse(
      (await k.run(['get', 'ds', '-n', 'kube-system', 'kube-proxy', '-o', 'json'])).stdout,
    );
    expect(ds.spec.template.spec.containers[0].image).toBe(`registry.k8s.io/kube-proxy:${OLD}`);
    const patch = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-proxy', namespace: 'kube-system' },
      spec: {
        template: {
          spec: { containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${NEW}` }] },
        },
      },
    });
    const file = join(h.dir, 'kube-proxy-image.json');
    writeFileSync(file, patch);
    const applied = await k.run([
      'apply',
      '--server-side',
      '--field-manager=hk8s',
      '--force-conflicts',
      '--validate=false',
      '-f',
      file,
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor(
      'kube-proxy pods rolled',
      async () => {
        const list = JSON.parse(
          (await k.run(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'json']))
            .stdout,
        );
        const live = list.items.filter((p: Json) => !p.metadata.deletionTimestamp);
        return (
          live.length === 3 && live.every((p: Json) => p.spec.containers[0].image.endsWith(NEW) && ready(p))
        );
      },
      30_000,
    );
    const after = JSON.parse(
      (await k.run(['get', 'ds', '-n', 'kube-system', 'kube-proxy', '-o', 'json'])).stdout,
    );
    // Server-side apply merged the container by name: the rest of Talos's definition stayed.
    expect(after.spec.template.spec.containers).toHaveLength(1);
    expect(after.spec.template.spec.containers[0].command[0]).toBe('/usr/local/bin/kube-proxy');
  });
});
