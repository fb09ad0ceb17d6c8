import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HcloudStub, page } from '../../support/hcloud-stub.js';
import { clientFor, expectNoToken } from './helpers.js';

let stub: HcloudStub;
beforeAll(async () => {
  stub = await HcloudStub.start();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const servers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: from + i, name: `s-${from + i}` }));

describe('listAll', () => {
  it('follows next_page over three pages: ceil(n/50) requests, per_page=50', async () => {
    stub.on('GET', '/servers', (req) => {
      const pageNo = Number(req.query.get('page'));
      const sizes = [50, 50, 20];
      return page('servers', servers((pageNo - 1) * 50 + 1, sizes[pageNo - 1] ?? 0), pageNo, 3);
    });
    const { client, events } = clientFor(stub);
    const all = await client.listAll('servers');
    expect(all).toHaveLength(120);
    expect(all.map((s) => s.id)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const calls = stub.requestsTo('GET', '/servers');
    expect(calls).toHaveLength(3);
    expect(calls.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
    expect(calls.every((r) => r.query.get('per_page') === '50')).toBe(true);
    expect(events.filter((e) => e.type === 'request')).toHaveLength(3);
    expectNoToken(events);
  });

  it('with last_page known, pages 2..last are requested at once and returned in page order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let release: () => void = () => undefined;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    stub.on('GET', '/servers', async (req) => {
      const pageNo = Number(req.query.get('page'));
      if (pageNo > 1) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        arrived += 1;
        if (arrived === 4) release();
        // Pages answer only once all four are asked for (or, sequential, after a grace period).
        await Promise.race([allArrived, new Promise((r) => setTimeout(r, 2_000))]);
        inFlight -= 1;
      }
      const sizes = [50, 50, 50, 50, 7];
      return page('servers', servers((pageNo - 1) * 50 + 1, sizes[pageNo - 1] ?? 0), pageNo, 5);
    });
    const { client } = clientFor(stub);
    const all = await client.listAll('servers');
    expect(all.map((s) => s.id)).toEqual(Array.from({ length: 207 }, (_, i) => i + 1));
    expect(stub.requestsTo('GET', '/servers')).toHaveLength(5);
    expect(maxInFlight).toBe(4);
  });

  it('without last_page, next_page is followed one page at a time', async () => {
    stub.on('GET', '/servers', (req) => {
      const pageNo = Number(req.query.get('page'));
      const reply = page('servers', servers((pageNo - 1) * 50 + 1, pageNo < 3 ? 50 : 1), pageNo, 3);
      (reply.body.meta.pagination as { last_page: number | null }).last_page = null;
      return reply;
    });
    const { client } = clientFor(stub);
    expect(await client.listAll('servers')).toHaveLength(101);
    expect(stub.requestsTo('GET', '/servers').map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('one page when next_page is null, and an empty list is fine', async () => {
    stub.on('GET', '/networks', page('networks', [], 1, 1));
    const { client } = clientFor(stub);
    expect(await client.networks.list()).toEqual([]);
    expect(stub.requests).toHaveLength(1);
  });

  it('passes label_selector and name through unchanged', async () => {
    stub.on('GET', '/firewalls', page('firewalls', [{ id: 1 }], 1, 1));
    const { client } = clientFor(stub);
    const selector = 'hk8s.io/cluster=demo,hk8s.io/address in (firewall.nodes,firewall.lb)';
    await client.firewalls.list({ labelSelector: selector, name: 'demo-nodes' });
    const [request] = stub.requests;
    expect(request?.query.get('label_selector')).toBe(selector);
    expect(request?.query.get('name')).toBe('demo-nodes');
  });

  it('images take a repeated type filter besides the label selector', async () => {
    stub.on('GET', '/images', page('images', [{ id: 9 }], 1, 1));
    const { client } = clientFor(stub);
    await client.images.list({ query: { type: ['snapshot', 'system'] }, labelSelector: 'os=talos' });
    const [request] = stub.requests;
    expect(request?.query.getAll('type')).toEqual(['snapshot', 'system']);
    expect(request?.query.get('label_selector')).toBe('os=talos');
  });

  it.each([
    ['networks', (c: ReturnType<typeof clientFor>['client']) => c.networks.list()],
    ['firewalls', (c: ReturnType<typeof clientFor>['client']) => c.firewalls.list()],
    ['ssh_keys', (c: ReturnType<typeof clientFor>['client']) => c.sshKeys.list()],
    ['placement_groups', (c: ReturnType<typeof clientFor>['client']) => c.placementGroups.list()],
    ['servers', (c: ReturnType<typeof clientFor>['client']) => c.servers.list()],
    ['load_balancers', (c: ReturnType<typeof clientFor>['client']) => c.loadBalancers.list()],
    ['primary_ips', (c: ReturnType<typeof clientFor>['client']) => c.primaryIps.list()],
    ['floating_ips', (c: ReturnType<typeof clientFor>['client']) => c.floatingIps.list()],
    ['volumes', (c: ReturnType<typeof clientFor>['client']) => c.volumes.list()],
    ['certificates', (c: ReturnType<typeof clientFor>['client']) => c.certificates.list()],
    ['images', (c: ReturnType<typeof clientFor>['client']) => c.images.list()],
    ['server_types', (c: ReturnType<typeof clientFor>['client']) => c.serverTypes.list()],
    ['locations', (c: ReturnType<typeof clientFor>['client']) => c.locations.list()],
    ['load_balancer_types', (c: ReturnType<typeof clientFor>['client']) => c.loadBalancerTypes.list()],
  ] as const)('the %s wrapper lists GET /%s', async (kind, list) => {
    stub.on('GET', `/${kind}`, page(kind, [{ id: 1 }, { id: 2 }], 1, 1));
    const { client } = clientFor(stub);
    const items = await list(client);
    expect(items).toHaveLength(2);
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /${kind}`]);
  });

  it('sends the bearer token to the API (and only there)', async () => {
    stub.on('GET', '/locations', page('locations', [], 1, 1));
    const { client } = clientFor(stub);
    await client.locations.list();
    expect(stub.requests[0]?.authorization).toMatch(/^Bearer stub-token-/);
  });
});
