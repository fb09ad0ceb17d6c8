import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorReply, HcloudStub, page } from '../../support/hcloud-stub.js';
import { clientFor, expectNoToken, rejectionOf } from './helpers.js';

let stub: HcloudStub;
beforeAll(async () => {
  stub = await HcloudStub.start();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const address = 'server.workers-fsn.3';
const labels = { 'hk8s.io/cluster': 'demo', 'hk8s.io/address': address };
const serverBody = {
  name: 'demo-workers-fsn-3',
  server_type: 'cx22',
  image: 'talos',
  start_after_create: true,
  labels,
};
const created = {
  status: 201,
  body: {
    server: { id: 42, name: 'demo-workers-fsn-3', labels },
    action: { id: 100, command: 'create_server', status: 'running' },
    next_actions: [{ id: 101, command: 'start_server', status: 'running' }],
    root_password: null,
  },
};

describe('createResource', () => {
  it('returns the resource and every action to wait for', async () => {
    stub.on('POST', '/servers', created);
    const { client } = clientFor(stub);
    const result = await client.servers.create(serverBody, address);
    expect(result.resource.id).toBe(42);
    expect(result.actions.map((a) => a.id)).toEqual([100, 101]);
    expect(result.adopted).toBe(false);
    expect(stub.requests[0]?.body).toEqual(serverBody);
  });

  it('a lost answer adopts the resource found by its cluster and address labels, and sends no second POST', async () => {
    stub.on('POST', '/servers', { drop: true }, created);
    stub.on('GET', '/servers', page('servers', [{ id: 42, name: 'demo-workers-fsn-3', labels }], 1, 1));
    const { client, events } = clientFor(stub);
    const result = await client.createResource('servers', serverBody, address);
    expect(result).toMatchObject({ resource: { id: 42 }, actions: [], adopted: true });
    expect(stub.requestsTo('POST', '/servers')).toHaveLength(1);
    const lookups = stub.requestsTo('GET', '/servers');
    expect(lookups).toHaveLength(1);
    // Every cluster of a project has a `server.workers-fsn.3`: the lookup must name this one.
    expect(lookups[0]?.query.get('label_selector')).toBe(`hk8s.io/cluster=demo,hk8s.io/address=${address}`);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retrying', op: 'create_server' }));
    expectNoToken(events);
  });

  it('a lost answer with nothing found re-sends the create once', async () => {
    stub.on('POST', '/servers', { drop: true }, created);
    stub.on('GET', '/servers', page('servers', [], 1, 1));
    const { client } = clientFor(stub);
    const result = await client.servers.create(serverBody, address);
    expect(result).toMatchObject({ resource: { id: 42 }, adopted: false });
    expect(stub.requestsTo('POST', '/servers')).toHaveLength(2);
    expect(stub.requestsTo('GET', '/servers')).toHaveLength(1);
  });

  it('a timed-out create and a bare 504 count as lost answers too', async () => {
    stub.on(
      'POST',
      '/networks',
      { hang: true },
      { status: 504, raw: '' },
      { status: 201, body: { network: { id: 3 } } },
    );
    stub.on('GET', '/networks', page('networks', [], 1, 1));
    const { client } = clientFor(stub, { requestTimeoutMs: 1_000 });
    const body = { name: 'demo', ip_range: '10.0.0.0/16', labels: { 'hk8s.io/address': 'network.main' } };
    const result = await client.networks.create(body, 'network.main');
    expect(result.resource.id).toBe(3);
    expect(stub.requestsTo('POST', '/networks')).toHaveLength(3);
    expect(stub.requestsTo('GET', '/networks')).toHaveLength(2);
  });

  it('a re-sent create that hits uniqueness_error looks again and adopts what the lost one made', async () => {
    stub.on('POST', '/servers', { drop: true }, errorReply(409, 'uniqueness_error', 'name is already used'));
    stub.on(
      'GET',
      '/servers',
      page('servers', [], 1, 1),
      page('servers', [{ id: 42, name: 'demo-workers-fsn-3', labels }], 1, 1),
    );
    const { client } = clientFor(stub);
    const result = await client.servers.create(serverBody, address);
    expect(result).toMatchObject({ resource: { id: 42 }, adopted: true });
    expect(stub.requestsTo('POST', '/servers')).toHaveLength(2);
    expect(stub.requestsTo('GET', '/servers')).toHaveLength(2);
  });

  it('a refused create (409 uniqueness_error) is not re-sent and keeps the address as where', async () => {
    stub.on('POST', '/servers', errorReply(409, 'uniqueness_error', 'server name is already used'));
    const { client } = clientFor(stub);
    const error = await rejectionOf(client.servers.create(serverBody, address));
    expect(error).toMatchObject({ hcloudCode: 'uniqueness_error', where: address, retryable: false });
    expect(stub.requests).toHaveLength(1);
  });

  it('refuses a body whose address label does not match (a bug in the caller)', async () => {
    const { client } = clientFor(stub);
    await expect(
      client.servers.create({ ...serverBody, labels: { 'hk8s.io/address': 'server.other' } }, address),
    ).rejects.toThrow(/must be "server.workers-fsn.3"/);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('non-idempotent actions', () => {
  const path = '/load_balancers/{id}/actions/add_target';
  const ok = { status: 201, body: { action: { id: 9, command: 'add_target', status: 'running' } } };
  const target = { type: 'server' as const, server: { id: 42 }, use_private_ip: true };

  it('without verify(), a lost answer fails with a retryable error and is not re-sent', async () => {
    stub.on('POST', path, { drop: true }, ok);
    const { client } = clientFor(stub);
    const error = await rejectionOf(client.loadBalancers.addTarget(1, target, { where: 'lb.api' }));
    expect(error).toMatchObject({
      code: 'provider.api',
      retryable: true,
      where: 'lb.api',
      operation: 'add_target',
    });
    expect(stub.requests).toHaveLength(1);
  });

  it('verify() true: the effect happened, nothing is re-sent', async () => {
    stub.on('POST', path, { drop: true }, ok);
    const { client } = clientFor(stub);
    let checks = 0;
    const result = await client.loadBalancers.addTarget(1, target, {
      verify: async () => {
        checks += 1;
        return true;
      },
    });
    expect(result).toEqual({ actions: [], verified: true });
    expect(checks).toBe(1);
    expect(stub.requests).toHaveLength(1);
  });

  it('verify() false: re-sent once', async () => {
    stub.on('POST', path, { drop: true }, ok);
    const { client } = clientFor(stub);
    const result = await client.loadBalancers.addTarget(1, target, { verify: async () => false });
    expect(result).toEqual({ actions: [expect.objectContaining({ id: 9 })], verified: false });
    expect(stub.requests).toHaveLength(2);
  });

  it('idempotent actions (poweron) are simply re-sent after a lost answer', async () => {
    stub.on('POST', '/servers/{id}/actions/poweron', { drop: true }, ok);
    const { client } = clientFor(stub);
    const result = await client.servers.poweron(42);
    expect(result.actions).toHaveLength(1);
    expect(stub.requests).toHaveLength(2);
  });
});

describe('delete', () => {
  it('a 404 after a lost answer means the first DELETE worked', async () => {
    stub.on('DELETE', '/firewalls/{id}', { drop: true }, errorReply(404, 'not_found', 'firewall not found'));
    const { client } = clientFor(stub);
    expect(await client.firewalls.delete(8)).toEqual({ actions: [], verified: false });
    expect(stub.requests).toHaveLength(2);
  });

  it('a 404 on the first DELETE is an error', async () => {
    stub.on('DELETE', '/firewalls/{id}', errorReply(404, 'not_found', 'firewall not found'));
    const { client } = clientFor(stub);
    expect(await rejectionOf(client.firewalls.delete(8))).toMatchObject({
      status: 404,
      hcloudCode: 'not_found',
    });
  });

  it('a server delete returns its action', async () => {
    stub.on('DELETE', '/servers/{id}', { status: 200, body: { action: { id: 77, status: 'running' } } });
    const { client } = clientFor(stub);
    expect((await client.servers.delete(42)).actions.map((a) => a.id)).toEqual([77]);
  });
});
