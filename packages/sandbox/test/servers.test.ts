import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEd25519Key, startTestSandbox, type Json, type TestSandbox } from './helpers.js';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
});

async function createServer(name: string, extra: Record<string, unknown> = {}): Promise<Json> {
  const res = await t.api.post('/servers', {
    name,
    server_type: 'cpx11',
    image: 'debian-13',
    location: 'fsn1',
    ...extra,
  });
  expect(res.status).toBe(201);
  await t.api.settle(res.body);
  return (await t.api.get(`/servers/${res.body.server.id}`)).body.server;
}

describe('catalogue', () => {
  it('lists server types, locations, datacenters, load balancer types and images', async () => {
    const types = await t.api.get('/server_types?name=cax11');
    expect(types.body.server_types.map((s: Json) => s.architecture)).toEqual(['arm']);
    const one = await t.api.get(`/server_types/${types.body.server_types[0].id}`);
    expect(one.body.server_type.name).toBe('cax11');
    const locations = await t.api.get('/locations');
    expect(locations.body.locations.map((l: Json) => l.name)).toEqual([
      'fsn1',
      'nbg1',
      'hel1',
      'ash',
      'hil',
      'sin',
    ]);
    expect((await t.api.get('/locations/3')).body.location.network_zone).toBe('eu-central');
    const dcs = await t.api.get('/datacenters');
    expect(dcs.body.datacenters).toHaveLength(6);
    expect((await t.api.get(`/datacenters/${dcs.body.recommendation}`)).status).toBe(200);
    const lbTypes = await t.api.get('/load_balancer_types');
    expect(lbTypes.body.load_balancer_types.map((l: Json) => l.name)).toEqual(['lb11', 'lb21', 'lb31']);
    expect((await t.api.get('/load_balancer_types/1')).body.load_balancer_type.name).toBe('lb11');
    const system = await t.api.get('/images?type=system&name=debian-13&architecture=x86');
    expect(system.body.images).toHaveLength(1);
    const talos = await t.api.get('/images?type=snapshot&label_selector=os%3Dtalos');
    expect(talos.body.images.length).toBeGreaterThanOrEqual(1);
    expect(talos.body.images[0].name).toBeNull();
    expect((await t.api.get('/images/999')).status).toBe(404);
    expect((await t.api.get('/isos')).body.isos).toEqual([]);
  });
});

describe('servers', () => {
  it('creates a server with primary IPs on loopback, actions, and runs it', async () => {
    const res = await t.api.post('/servers', {
      name: 'web-1',
      server_type: 'cpx11',
      image: 'debian-13',
      location: 'nbg1',
      labels: { role: 'web' },
    });
    expect(res.status).toBe(201);
    const { server, action, next_actions, root_password } = res.body;
    expect(server.status).toBe('initializing');
    expect(server.id).toBeGreaterThan(1_000_000);
    expect(action.command).toBe('create_server');
    expect(action.status).toBe('running');
    expect(next_actions.map((a: Json) => a.command)).toEqual(['start_server']);
    expect(typeof root_password).toBe('string');
    const ipv4: string = server.public_net.ipv4.ip;
    expect(ipv4).toMatch(/^127\./);
    expect(ipv4).not.toBe('127.0.0.1');
    expect(server.public_net.ipv6.ip).toMatch(/^2001:db8:/);
    await t.api.settle(res.body);
    const got = await t.api.get(`/servers/${server.id}`);
    expect(got.body.server.status).toBe('running');
    expect(got.body.server.locked).toBe(false);
    const primary = await t.api.get(`/primary_ips/${server.public_net.ipv4.id}`);
    expect(primary.body.primary_ip).toMatchObject({ assignee_id: server.id, auto_delete: true, ip: ipv4 });
  });

  it('does not start when start_after_create is false, and skips root_password with ssh keys', async () => {
    const key = await t.api.post('/ssh_keys', { name: 'srv-key', public_key: fakeEd25519Key(900) });
    const res = await t.api.post('/servers', {
      name: 'cold-1',
      server_type: 'cpx11',
      image: 'debian-13',
      start_after_create: false,
      ssh_keys: ['srv-key'],
    });
    expect(res.body.next_actions).toEqual([]);
    expect(res.body.root_password).toBeNull();
    await t.api.settle(res.body);
    expect((await t.api.get(`/servers/${res.body.server.id}`)).body.server.status).toBe('off');
    expect(key.status).toBe(201);
  });

  it('validates the body against the OpenAPI schema and Hetzner rules', async () => {
    const missing = await t.api.post('/servers', { name: 'x' }, { invalidRequest: true });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('invalid_input');
    expect(missing.body.error.details.fields.map((f: Json) => f.name).sort()).toEqual([
      'image',
      'server_type',
    ]);
    const badName = await t.api.post('/servers', {
      name: 'not_a_host!',
      server_type: 'cpx11',
      image: 'debian-13',
    });
    expect(badName.body.error.details.fields[0].name).toBe('name');
    const badType = await t.api.post('/servers', {
      name: 'ok-name',
      server_type: 'nope',
      image: 'debian-13',
    });
    expect(badType.body.error.details.fields[0].name).toBe('server_type');
    const archMismatch = await t.api.post('/servers', {
      name: 'ok-name',
      server_type: 'cax11',
      image: '320000001',
    });
    expect(archMismatch.body.error.code).toBe('invalid_input');
    const json = await fetch(`${t.api.url}/servers`, {
      method: 'POST',
      headers: { Authorization: 'Bearer x', 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as Json).error.code).toBe('json_error');
  });

  it('refuses a duplicate name with uniqueness_error', async () => {
    await createServer('dup-1');
    const again = await t.api.post('/servers', { name: 'dup-1', server_type: 'cpx11', image: 'debian-13' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'uniqueness_error',
      details: { fields: [{ name: 'name' }] },
    });
  });

  it('updates name and labels (labels replace the whole map)', async () => {
    const s = await createServer('upd-1', { labels: { a: '1', b: '2' } });
    const res = await t.api.put(`/servers/${s.id}`, { name: 'upd-2', labels: { c: '3' } });
    expect(res.body.server).toMatchObject({ name: 'upd-2', labels: { c: '3' } });
    const badLabel = await t.api.put(`/servers/${s.id}`, { labels: { 'hetzner.cloud/x': 'y' } });
    expect(badLabel.body.error.code).toBe('invalid_input');
  });

  it('powers off, on, reboots, resets and shuts down', async () => {
    const s = await createServer('pwr-1');
    const off = await t.api.post(`/servers/${s.id}/actions/poweroff`);
    expect(off.status).toBe(201);
    expect(off.body.action.command).toBe('stop_server');
    await t.api.settle(off.body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.status).toBe('off');
    const on = await t.api.post(`/servers/${s.id}/actions/poweron`);
    await t.api.settle(on.body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.status).toBe('running');
    for (const [path, command] of [
      ['reboot', 'reboot_server'],
      ['reset', 'reset_server'],
      ['shutdown', 'shutdown_server'],
    ]) {
      const res = await t.api.post(`/servers/${s.id}/actions/${path}`);
      expect(res.body.action.command).toBe(command);
      await t.api.settle(res.body);
    }
    expect((await t.api.get(`/servers/${s.id}`)).body.server.status).toBe('off');
  });

  it('changes the type only when the server is off', async () => {
    const s = await createServer('type-1');
    const refused = await t.api.post(`/servers/${s.id}/actions/change_type`, {
      server_type: 'cpx21',
      upgrade_disk: true,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('server_not_stopped');
    await t.api.settle((await t.api.post(`/servers/${s.id}/actions/poweroff`)).body);
    const ok = await t.api.post(`/servers/${s.id}/actions/change_type`, {
      server_type: 'cpx21',
      upgrade_disk: true,
    });
    expect(ok.body.action.command).toBe('change_server_type');
    await t.api.settle(ok.body);
    const after = (await t.api.get(`/servers/${s.id}`)).body.server;
    expect(after.server_type.name).toBe('cpx21');
    expect(after.primary_disk_size).toBe(80);
    const arm = await t.api.post(`/servers/${s.id}/actions/change_type`, {
      server_type: 'cax21',
      upgrade_disk: false,
    });
    expect(arm.body.error.code).toBe('invalid_server_type');
  });

  it('protects against delete, sets reverse DNS, and deletes with an action', async () => {
    const s = await createServer('del-1');
    const protect = await t.api.post(`/servers/${s.id}/actions/change_protection`, {
      delete: true,
      rebuild: true,
    });
    await t.api.settle(protect.body);
    const refused = await t.api.delete(`/servers/${s.id}`);
    expect(refused.status).toBe(423);
    expect(refused.body.error.code).toBe('protected');
    await t.api.settle(
      (await t.api.post(`/servers/${s.id}/actions/change_protection`, { delete: false, rebuild: false }))
        .body,
    );
    const ptr = await t.api.post(`/servers/${s.id}/actions/change_dns_ptr`, {
      ip: s.public_net.ipv4.ip,
      dns_ptr: 'del-1.example.com',
    });
    await t.api.settle(ptr.body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.public_net.ipv4.dns_ptr).toBe(
      'del-1.example.com',
    );
    const wrongIp = await t.api.post(`/servers/${s.id}/actions/change_dns_ptr`, {
      ip: '192.0.2.1',
      dns_ptr: 'x.example.com',
    });
    expect(wrongIp.body.error.code).toBe('invalid_input');
    const del = await t.api.delete(`/servers/${s.id}`);
    expect(del.status).toBe(200);
    expect(del.body.action.command).toBe('delete_server');
    await t.api.settle(del.body);
    expect((await t.api.get(`/servers/${s.id}`)).status).toBe(404);
    expect((await t.api.get(`/primary_ips/${s.public_net.ipv4.id}`)).status).toBe(404);
  });

  it('attaches to and detaches from networks with addresses from the subnet', async () => {
    const net = await t.api.post('/networks', {
      name: 'srv-net',
      ip_range: '10.1.0.0/16',
      subnets: [{ type: 'cloud', network_zone: 'eu-central', ip_range: '10.1.0.0/24' }],
    });
    const id = net.body.network.id;
    const a = await createServer('net-1', { networks: [id] });
    expect(a.private_net[0]).toMatchObject({ network: id, ip: '10.1.0.2' });
    const b = await createServer('net-2');
    const attach = await t.api.post(`/servers/${b.id}/actions/attach_to_network`, { network: id });
    expect(attach.body.action.resources).toEqual(
      expect.arrayContaining([
        { id: b.id, type: 'server' },
        { id, type: 'network' },
      ]),
    );
    await t.api.settle(attach.body);
    expect((await t.api.get(`/servers/${b.id}`)).body.server.private_net[0].ip).toBe('10.1.0.3');
    const again = await t.api.post(`/servers/${b.id}/actions/attach_to_network`, { network: id });
    expect(again.body.error.code).toBe('server_already_attached');
    const taken = await createServer('net-3');
    const clash = await t.api.post(`/servers/${taken.id}/actions/attach_to_network`, {
      network: id,
      ip: '10.1.0.2',
    });
    expect(clash.body.error.code).toBe('ip_not_available');
    expect((await t.api.get(`/networks/${id}`)).body.network.servers.sort()).toEqual([a.id, b.id].sort());
    const detach = await t.api.post(`/servers/${b.id}/actions/detach_from_network`, { network: id });
    await t.api.settle(detach.body);
    expect((await t.api.get(`/servers/${b.id}`)).body.server.private_net).toEqual([]);
    const usEast = await t.api.post('/servers', {
      name: 'net-4',
      server_type: 'cpx11',
      image: 'debian-13',
      location: 'ash',
      networks: [id],
    });
    expect(usEast.body.error.code).toBe('no_subnet_available');
  });

  it('creates snapshots from a server and rebuilds from them', async () => {
    const s = await createServer('img-1');
    const snap = await t.api.post(`/servers/${s.id}/actions/create_image`, {
      description: 'talos test',
      labels: { os: 'talos' },
    });
    expect(snap.status).toBe(201);
    expect(snap.body.image).toMatchObject({
      type: 'snapshot',
      status: 'creating',
      created_from: { id: s.id },
    });
    await t.api.settle(snap.body);
    const image = (await t.api.get(`/images/${snap.body.image.id}`)).body.image;
    expect(image.status).toBe('available');
    const rebuild = await t.api.post(`/servers/${s.id}/actions/rebuild`, { image: String(image.id) });
    expect(rebuild.body.action.command).toBe('rebuild_server');
    await t.api.settle(rebuild.body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.image.id).toBe(image.id);
    const rescue = await t.api.post(`/servers/${s.id}/actions/enable_rescue`, { type: 'linux64' });
    expect(typeof rescue.body.root_password).toBe('string');
    await t.api.settle(rescue.body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.rescue_enabled).toBe(true);
    const upd = await t.api.put(`/images/${image.id}`, {
      description: 'renamed',
      labels: { os: 'talos', v: '2' },
    });
    expect(upd.body.image.description).toBe('renamed');
    expect((await t.api.delete(`/images/${image.id}`)).status).toBe(204);
    const system = await t.api.delete('/images/310557660');
    expect(system.body.error.code).toBe('unsupported_error');
  });

  it('lists the actions of a server, of all servers, and one by id', async () => {
    const s = await createServer('act-1');
    const list = await t.api.get(`/servers/${s.id}/actions?sort=id:desc`);
    expect(list.body.actions.map((a: Json) => a.command)).toEqual(['start_server', 'create_server']);
    const one = await t.api.get(`/servers/${s.id}/actions/${list.body.actions[0].id}`);
    expect(one.body.action.command).toBe('start_server');
    const kind = await t.api.get(`/servers/actions?id=${list.body.actions[1].id}`);
    expect(kind.body.actions).toHaveLength(1);
    expect((await t.api.get(`/servers/actions/${list.body.actions[1].id}`)).body.action.command).toBe(
      'create_server',
    );
    expect((await t.api.get(`/actions/${list.body.actions[1].id}`)).body.action.status).toBe('success');
    expect((await t.api.get('/actions/1')).status).toBe(404);
    const running = await t.api.get('/servers/actions?status=running');
    expect(running.body.actions.every((a: Json) => a.status === 'running')).toBe(true);
  });
});
