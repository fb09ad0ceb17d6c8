/**
 * The runners of nodes that leave: etcd membership changes with their quorum check, the Node
 * object's deletion (kept when it already belongs to a replacement), and the `wait` conditions.
 */
import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import { kubernetesDrainer } from '../../../src/execute/kube/drainer.js';
import { nodeObjectDriver, type NodeObjects } from '../../../src/execute/node-objects.js';
import { resourceTypeOf, type ResourceDrivers } from '../../../src/execute/resources.js';
import type { ResourceRecord, RunContext } from '../../../src/execute/runner.js';
import {
  quorumSurvivesRemoval,
  removeEtcdMember,
  type EtcdClient,
  type MemberChangeContext,
} from '../../../src/execute/talos/etcd-membership.js';
import { serverOfHostname, type EtcdJoin } from '../../../src/execute/talos/leave-etcd.js';
import { joinedRunner } from '../../../src/execute/node-joined.js';
import { waitRunner, type WaitRunners } from '../../../src/execute/waits.js';
import type { DeleteAction, WaitAction } from '../../../src/plan/types.js';
import { kubeOperations } from '../../../src/providers/kube/client.js';
import type { EtcdMember } from '../../../src/providers/talos/client/index.js';
import { FakeClock, FakeKube, node } from '../kube/fake-kube.js';

/** Simulated control planes: who is a member, who answers, what each was asked. */
class FakeEtcd {
  members: EtcdMember[];
  readonly calls: string[] = [];
  readonly down = new Set<string>();
  readonly etcdStopped = new Set<string>();
  refuseLeave?: string;

  constructor(hostnames: string[]) {
    this.members = hostnames.map((hostname, i) => ({
      id: String(1000 + i),
      hostname,
      peerUrls: [],
      clientUrls: [],
      isLearner: false,
    }));
  }

  ipOf(hostname: string): string {
    return `127.0.0.${Number(hostname.slice(hostname.lastIndexOf('-') + 1)) + 1}`;
  }

  private hostOf(ip: string): string {
    return `c-cp-${Number(ip.split('.')[3]) - 1}`;
  }

  context(): MemberChangeContext & { progressed: string[] } {
    const progressed: string[] = [];
    return {
      progressed,
      progress: (message) => progressed.push(message),
      client: async (ip): Promise<EtcdClient> => {
        const host = this.hostOf(ip);
        const answer = <T>(method: string, value: () => T): Promise<T> => {
          this.calls.push(`${method} ${host}`);
          if (this.down.has(host)) {
            return Promise.reject(new Hk8sError('provider.unreachable', `${host} does not answer`));
          }
          return Promise.resolve(value());
        };
        return {
          etcdMemberList: () => answer('list', () => this.members),
          serviceList: () =>
            answer('services', () => [
              {
                id: 'etcd',
                state: this.etcdStopped.has(host) ? 'Finished' : 'Running',
                healthy: true,
                healthUnknown: false,
                lastMessage: '',
              },
            ]),
          etcdLeaveCluster: () =>
            answer('leave', () => {
              if (this.refuseLeave) throw new Hk8sError('provider.api', this.refuseLeave);
              this.members = this.members.filter((m) => m.hostname !== host);
            }),
          etcdRemoveMemberById: (id) =>
            answer('remove', () => {
              this.members = this.members.filter((m) => m.id !== String(id));
            }),
        };
      },
    };
  }

  request(member: string, staying: string[], withIp = true) {
    return {
      member,
      ...(withIp ? { ip: this.ipOf(member) } : {}),
      peers: staying.map((hostname) => ({ hostname, ip: this.ipOf(hostname) })),
      ipOf: (hostname: string) => this.ipOf(hostname),
    };
  }
}

const hostnames = (etcd: FakeEtcd) => etcd.members.map((m) => m.hostname);

describe('etcd member removal', () => {
  it.each([
    [3, 2, true],
    [3, 1, false],
    [2, 1, true],
    [5, 2, false],
    [5, 3, true],
    [1, 0, false],
  ])('%i members, %i healthy after one goes: quorum survives = %s', (members, healthy, ok) => {
    expect(quorumSurvivesRemoval(members, healthy)).toBe(ok);
  });

  it('the node leaves by itself when it answers; the peer only lists the members', async () => {
    const etcd = new FakeEtcd(['c-cp-1', 'c-cp-2', 'c-cp-3']);
    const outcome = await removeEtcdMember(etcd.context(), etcd.request('c-cp-3', ['c-cp-1', 'c-cp-2']));
    expect(outcome).toEqual({ removed: true, how: 'left', peer: 'c-cp-1', members: ['c-cp-1', 'c-cp-2'] });
    expect(hostnames(etcd)).toEqual(['c-cp-1', 'c-cp-2']);
    expect(etcd.calls).toContain('leave c-cp-3');
    expect(etcd.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
  });

  it('a node that is gone is removed by its member id from a peer that answers', async () => {
    const etcd = new FakeEtcd(['c-cp-1', 'c-cp-2', 'c-cp-3']);
    etcd.down.add('c-cp-3').add('c-cp-1');
    const ctx = etcd.context();
    // cp-1 is down too: cp-2 is asked, and 2 of 2 remaining... cp-1 is not healthy: 1 of 2 is below quorum.
    await expect(removeEtcdMember(ctx, etcd.request('c-cp-3', ['c-cp-1', 'c-cp-2']))).rejects.toThrow(
      /would leave 2 members of which 1 are healthy, below the quorum of 2 \(not healthy: c-cp-1\)/,
    );
    etcd.down.delete('c-cp-1');
    const outcome = await removeEtcdMember(ctx, etcd.request('c-cp-3', ['c-cp-1', 'c-cp-2']));
    expect(outcome).toMatchObject({ removed: true, how: 'removed-by-peer', peer: 'c-cp-1' });
    expect(hostnames(etcd)).toEqual(['c-cp-1', 'c-cp-2']);
    expect(ctx.progressed.join('\n')).toContain('c-cp-3 does not answer; removing its member from c-cp-1');
  });

  it('without a known address (a new machine at the address), only the peer removes it', async () => {
    const etcd = new FakeEtcd(['c-cp-1', 'c-cp-2', 'c-cp-3']);
    await removeEtcdMember(etcd.context(), etcd.request('c-cp-2', ['c-cp-1', 'c-cp-3'], false));
    expect(etcd.calls.some((c) => c.startsWith('leave'))).toBe(false);
    expect(hostnames(etcd)).toEqual(['c-cp-1', 'c-cp-3']);
  });

  it('counts members that leave later by their own address, not as unhealthy', async () => {
    // 3 → 1: cp-3 leaves first while cp-2 (also going) is still a healthy member.
    const etcd = new FakeEtcd(['c-cp-1', 'c-cp-2', 'c-cp-3']);
    await removeEtcdMember(etcd.context(), etcd.request('c-cp-3', ['c-cp-1']));
    await removeEtcdMember(etcd.context(), etcd.request('c-cp-2', ['c-cp-1']));
    expect(hostnames(etcd)).toEqual(['c-cp-1']);
  });

  it('a member already gone is reported, and nothing is called to remove it', async () => {
    const etcd = new FakeEtcd(['c-cp-1', 'c-cp-2']);
    const outcome = await removeEtcdMember(etcd.context(), etcd.request('c-cp-3', ['c-cp-1']));
    expect(outcome).toEqual({ removed: false, why: 'c-cp-3 is not an etcd member (any more)' });
    expect(etcd.calls).toEqual(['list c-cp-1']);
  });

  it("the node's own refusal stands (it is not treated as gone)", async () => {
    const etcd = new FakeEtcd(['c-cp-1', 'c-cp-2', 'c-cp-3']);
    etcd.refuseLeave = 'etcd is busy';
    await expect(
      removeEtcdMember(etcd.context(), etcd.request('c-cp-3', ['c-cp-1', 'c-cp-2'])),
    ).rejects.toThrow('etcd is busy');
    expect(hostnames(etcd)).toHaveLength(3);
  });

  it('refuses to remove the last member, and names the peers when none answers', async () => {
    const last = new FakeEtcd(['c-cp-1']);
    await expect(removeEtcdMember(last.context(), last.request('c-cp-1', ['c-cp-1']))).rejects.toThrow(
      'c-cp-1 is the last etcd member: it cannot leave',
    );
    const silent = new FakeEtcd(['c-cp-1', 'c-cp-2']);
    silent.down.add('c-cp-1');
    const error = await removeEtcdMember(silent.context(), silent.request('c-cp-2', ['c-cp-1'])).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'provider.unreachable', where: 'c-cp-1' });
  });

  it('maps a hostname back to its server address, dashes in pool names included', () => {
    expect(serverOfHostname('prod', 'prod-workers-fsn-12')).toBe('server.workers-fsn.12');
    expect(serverOfHostname('prod', 'other-cp-1')).toBeUndefined();
  });
});

const records = new Map<string, ResourceRecord>();
const kubeCtx = {
  run: 'r',
  signal: new AbortController().signal,
  progress: () => undefined,
  idOf: (a: string) => records.get(a)?.id,
  recordOf: (a: string) => records.get(a),
  secrets: {
    get: (name: string) => (name === 'kubeconfig' ? 'kubeconfig-yaml' : undefined),
    put: async () => {},
    forget: async () => {},
  },
} as RunContext;

function kubeNodes(fake: FakeKube) {
  return kubernetesDrainer('c', { nodePollMs: 1 }, async () =>
    kubeOperations(fake, { clock: new FakeClock(), nodePollMs: 1 }),
  );
}

function nodeAt(name: string, externalIp: string) {
  const n = node(name);
  n.status?.addresses?.push({ type: 'ExternalIP', address: externalIp });
  return n;
}

const nodeDeletion = (server: string, replaced: boolean): DeleteAction => ({
  kind: 'delete',
  id: `delete:kube.node.${server.slice(7)}`,
  address: `kube.node.${server.slice(7)}`,
  type: 'kube_node',
  resourceId: `c-${server.slice(7).replace('.', '-')}`,
  before: { server, name: `c-${server.slice(7).replace('.', '-')}`, replaced },
  dependsOn: [],
  reason: 'x',
});

describe('Node objects', () => {
  it('deletes the Node of a removed server, and reports one that is already gone', async () => {
    const fake = new FakeKube({ nodes: [nodeAt('c-w-3', '127.0.0.9')] });
    const driver = nodeObjectDriver(kubeNodes(fake));
    await expect(driver.delete(nodeDeletion('server.w.3', false), kubeCtx)).resolves.toMatchObject({
      resource: null,
      outputs: { deleted: true },
    });
    expect(await fake.getNode('c-w-3')).toBeUndefined();
    await expect(driver.delete(nodeDeletion('server.w.3', false), kubeCtx)).resolves.toMatchObject({
      outputs: { deleted: false, why: 'node c-w-3 is not registered: nothing to delete' },
    });
  });

  it("keeps a replaced server's Node once the new machine registered it; deletes the old machine's", async () => {
    records.set('server.w.2', {
      address: 'server.w.2',
      type: 'server',
      id: '77',
      attrs: { ipv4: '127.0.0.50' },
    });
    const renewed = new FakeKube({ nodes: [nodeAt('c-w-2', '127.0.0.50')] });
    await nodeObjectDriver(kubeNodes(renewed)).delete(nodeDeletion('server.w.2', true), kubeCtx);
    expect(await renewed.getNode('c-w-2')).toBeDefined();
    const stale = new FakeKube({ nodes: [nodeAt('c-w-2', '127.0.0.4')] });
    await nodeObjectDriver(kubeNodes(stale)).delete(nodeDeletion('server.w.2', true), kubeCtx);
    expect(await stale.getNode('c-w-2')).toBeUndefined();
    records.clear();
  });

  it('a new node is waited for until Ready, or only until registered while no node is Ready', async () => {
    const fake = new FakeKube({ nodes: [node('c-w-1'), node('c-w-2')] });
    await expect(kubeNodes(fake).waitReady('server.w.2', kubeCtx)).resolves.toEqual({ ready: true });
    const cold = new FakeKube({ nodes: [node('c-w-1', { ready: false }), node('c-w-2', { ready: false })] });
    await expect(kubeNodes(cold).waitReady('server.w.1', kubeCtx)).resolves.toMatchObject({
      ready: false,
      why: expect.stringContaining('no node is Ready yet') as unknown as string,
    });
  });

  it('addresses kube.node.* as Node objects', () => {
    expect(resourceTypeOf('kube.node.w.3', { kube_node: {} } as unknown as ResourceDrivers)).toBe(
      'kube_node',
    );
    expect(resourceTypeOf('kube.other', { kube_node: {} } as unknown as ResourceDrivers)).toBeUndefined();
  });
});

describe('wait conditions', () => {
  const wait = (condition: string): WaitAction => ({
    kind: 'wait',
    id: 'wait:kube.node.cp.2',
    address: 'kube.node.cp.2',
    condition,
    dependsOn: [],
    reason: 'x',
  });

  it('node-joined waits for etcd, then for the Node; an unknown condition is refused', async () => {
    const calls: string[] = [];
    const etcd: EtcdJoin = { waitJoined: async (server) => void calls.push(`etcd ${server}`) };
    const nodes: NodeObjects = {
      deleteNode: async () => ({ deleted: false }),
      waitReady: async (server) => {
        calls.push(`ready ${server}`);
        return { ready: true };
      },
    };
    const runner = waitRunner({ 'node-joined': joinedRunner(etcd, nodes) } as WaitRunners);
    await expect(runner.run(wait('node-joined'), kubeCtx)).resolves.toEqual({ outputs: { ready: true } });
    expect(calls).toEqual(['etcd server.cp.2', 'ready server.cp.2']);
    expect(() => runner.describe(wait('coffee'))).toThrow('no runner for wait condition coffee');
  });
});
