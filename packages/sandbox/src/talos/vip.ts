/**
 * Talos's Hetzner VIP controller, simulated (talos-1.13.md §6.2): a control plane whose config has
 * an HCloudVIPConfig takes the VIP when it leads, calling the cloud API with the token of that
 * document, exactly as Talos does: for a private address, it clears the alias list of whichever
 * server carries the VIP in the network containing it, then sets its own to exactly `[VIP]`; for a
 * public address, it assigns the floating IP with that address to itself.
 *
 * Leadership (Talos elects through etcd) follows one deterministic rule: a leader keeps leading
 * while it runs as an etcd member; when there is none, the server that carries the VIP in the
 * cloud leads if it may, else the first running etcd member in membership order (the order
 * members joined) whose token the cloud accepts. Like Talos, a new leader acquires once and then
 * stops looking: a VIP unassigned behind its back stays unassigned until leadership changes. A
 * node going down does not release it; the next leader takes it over. A takeover that fails (a
 * locked server) is retried each round.
 */
import type { CloudApi, CloudResponse } from '../server.js';
import type { HcloudVip } from './config.js';
import type { TalosNodeView } from './observe.js';

/** What the controller needs of the Talos side. */
export interface VipNodes {
  nodeViews(): TalosNodeView[];
  etcdMemberOrder(clusterId: string): number[];
  watch(listener: () => void): () => void;
}

export interface VipControllerOptions {
  nodes: VipNodes;
  speed?: number | (() => number);
  log?: (message: string) => void;
}

/** One VIP of one cluster, for tests (`GET /_sandbox/vips`). */
export interface VipRecord {
  clusterId: string;
  ip: string;
  kind: 'alias-ip' | 'floating-ip';
  /** The server carrying it in the cloud, as last seen. */
  holder: number | null;
  /** Every move, in order: the server that took it. */
  takeovers: number[];
  lastError: string | null;
}

const ROUND_MS = 2000;

/** Go's net.IP.IsPrivate: RFC 1918 and fc00::/7. */
export function isPrivateAddress(ip: string): boolean {
  if (ip.includes(':')) return /^f[cd][0-9a-f]{0,2}:/i.test(ip);
  const [a = -1, b = -1] = ip.split('.').map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function ipInRange(ip: string, cidr: string): boolean {
  const toInt = (text: string) => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(toInt(base) / size) * size;
  const value = toInt(ip);
  return value >= start && value < start + size;
}

class CallFailed extends Error {}

interface ServerJson {
  id: number;
  private_net: { network: number; ip: string; alias_ips: string[] }[];
  public_net: { ipv4: { ip: string } | null };
}

interface Candidate {
  view: TalosNodeView;
  vip: HcloudVip;
}

export class VipController {
  readonly control: (method: string, path: string) => { status: number; body: unknown } | undefined;
  private cloud: CloudApi | undefined;
  private readonly records = new Map<string, VipRecord>();
  /** The elected node per VIP, and whether it has taken the VIP in the cloud yet. */
  private readonly leaders = new Map<string, { serverId: number; acquired: boolean }>();
  /** Errors already logged once (a retried failure is not logged every round). */
  private readonly reported = new Set<string>();
  private readonly unsubscribe: () => void;
  private readonly speed: () => number;
  private readonly log: (message: string) => void;
  private pending: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: VipControllerOptions) {
    const speed = options.speed ?? 1;
    this.speed = typeof speed === 'function' ? speed : () => speed;
    this.log = options.log ?? ((message: string) => console.error(message));
    this.unsubscribe = options.nodes.watch(() => this.schedule());
    this.control = (method, path) =>
      method === 'GET' && path === '/_sandbox/vips' ? { status: 200, body: this.stats() } : undefined;
  }

  /** The cloud API the nodes call; nothing happens before it is connected. */
  connect(cloud: CloudApi): void {
    this.cloud = cloud;
    this.schedule();
  }

  stats(): VipRecord[] {
    return [...this.records.values()].map((r) => ({ ...r, takeovers: [...r.takeovers] }));
  }

  private schedule(): void {
    if (this.closed || this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.round();
    });
  }

  /**
   * One pass over every VIP. Node changes start the next one; a takeover that failed is retried
   * after a while (nothing polls while every VIP is settled).
   */
  round(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const cloud = this.cloud;
    if (!cloud) return;
    let settled = true;
    for (const [key, candidates] of this.candidates()) {
      settled = this.reconcile(key, candidates, cloud) && settled;
    }
    if (!settled && !this.closed) {
      this.timer = setTimeout(() => this.round(), Math.max(20, ROUND_MS * this.speed()));
    }
  }

  /** Control planes with an HCloudVIPConfig, by cluster and VIP. */
  private candidates(): Map<string, Candidate[]> {
    const groups = new Map<string, Candidate[]>();
    for (const view of this.options.nodes.nodeViews()) {
      const config = view.config;
      if (config?.type !== 'controlplane') continue;
      for (const vip of config.vips) {
        const key = `${config.clusterId} ${vip.ip}`;
        groups.set(key, [...(groups.get(key) ?? []), { view, vip }]);
      }
    }
    return groups;
  }

  private record(key: string, ip: string): VipRecord {
    let record = this.records.get(key);
    if (!record) {
      const clusterId = key.slice(0, key.length - ip.length - 1);
      const kind = isPrivateAddress(ip) ? 'alias-ip' : 'floating-ip';
      record = { clusterId, ip, kind, holder: null, takeovers: [], lastError: null };
      this.records.set(key, record);
    }
    return record;
  }

  /** Whether the VIP is settled: held by its leader, or no one may lead (node changes wake us). */
  private reconcile(key: string, candidates: Candidate[], cloud: CloudApi): boolean {
    const first = candidates[0];
    if (!first) return true;
    const record = this.record(key, first.vip.ip);
    const order = this.options.nodes.etcdMemberOrder(record.clusterId);
    const problems = candidates.flatMap((c) => {
      const problem = linkProblem(c, record.kind);
      return problem ? [`${c.view.name}: ${problem}`] : [];
    });
    const eligible = candidates
      .filter((c) => c.view.phase === 'running' && c.view.etcdMember && !linkProblem(c, record.kind))
      .sort((a, b) => rank(order, a.view.serverId) - rank(order, b.view.serverId));
    const current = this.leaders.get(key);
    const leader = eligible.find((c) => c.view.serverId === current?.serverId);
    if (!leader) this.leaders.delete(key);
    // Talos acts once, when a node wins the election; afterwards it never looks again.
    if (leader && current?.acquired) return true;
    const queue = leader ? [leader, ...eligible.filter((c) => c !== leader)] : eligible;
    for (const candidate of queue) {
      const self = candidate.view.serverId;
      try {
        if (candidate !== leader) {
          // Newly elected: a carrier that may lead keeps the VIP, with nothing to call.
          const holder = this.holder(cloud, candidate, record);
          record.holder = holder;
          if (holder !== null && eligible.some((c) => c.view.serverId === holder)) {
            this.leaders.set(key, { serverId: holder, acquired: true });
            record.lastError = problems[0] ?? null;
            return true;
          }
        }
        this.leaders.set(key, { serverId: self, acquired: false });
        this.acquire(cloud, candidate, record);
        this.leaders.set(key, { serverId: self, acquired: true });
        record.holder = self;
        record.takeovers.push(self);
        record.lastError = problems[0] ?? null;
        return true;
      } catch (error) {
        const message = `${candidate.view.name}: VIP ${record.ip}: ${(error as Error).message}`;
        if (!this.reported.has(message)) this.log(`talos: ${message}`);
        this.reported.add(message);
        record.lastError = message;
        // An invalid token or a missing resource on this node: the next one may do better. A
        // conflict (a locked server) is retried next round by the same leader.
        if (!(error instanceof CallFailed) || !/ (401|404)\b/.test(message)) return false;
        this.leaders.delete(key);
      }
    }
    return queue.length === 0;
  }

  private call(cloud: CloudApi, token: string, method: 'GET' | 'POST', path: string, body?: unknown) {
    const response: CloudResponse = cloud({ method, path: `/v1${path}`, token, ...(body ? { body } : {}) });
    if (response.status >= 300) {
      const error = (response.body as { error?: { code?: string } } | undefined)?.error;
      throw new CallFailed(`${method} ${path}: ${response.status} ${error?.code ?? ''}`.trim());
    }
    return response.body as Record<string, unknown>;
  }

  private listAll<T>(cloud: CloudApi, token: string, kind: string): T[] {
    const items: T[] = [];
    for (let page = 1; page < 1000; page++) {
      const body = this.call(cloud, token, 'GET', `/${kind}?page=${page}&per_page=50`);
      items.push(...((body[kind] as T[] | undefined) ?? []));
      const pagination = (body.meta as { pagination?: { next_page?: number | null } } | undefined)
        ?.pagination;
      if (!pagination?.next_page) break;
    }
    return items;
  }

  /** The private network of the candidate's server that contains the VIP (Talos: none is an error). */
  private networkOf(cloud: CloudApi, candidate: Candidate): number {
    const { apiToken: token, ip } = candidate.vip;
    const self = this.call(cloud, token, 'GET', `/servers/${candidate.view.serverId}`).server as ServerJson;
    for (const attachment of self.private_net) {
      const network = this.call(cloud, token, 'GET', `/networks/${attachment.network}`).network as {
        ip_range: string;
      };
      if (ipInRange(ip, network.ip_range)) return attachment.network;
    }
    throw new Error('no attached network contains it');
  }

  private holder(cloud: CloudApi, candidate: Candidate, record: VipRecord): number | null {
    const { apiToken: token, ip } = candidate.vip;
    if (record.kind === 'floating-ip') {
      const found = this.listAll<{ ip: string; server: number | null }>(cloud, token, 'floating_ips');
      const fip = found.find((f) => f.ip === ip);
      if (!fip) throw new Error('no floating IP has this address');
      return fip.server;
    }
    const network = this.networkOf(cloud, candidate);
    const servers = this.listAll<ServerJson>(cloud, token, 'servers');
    const carrier = servers.find((s) =>
      s.private_net.some((p) => p.network === network && p.alias_ips.includes(ip)),
    );
    return carrier?.id ?? null;
  }

  private acquire(cloud: CloudApi, candidate: Candidate, record: VipRecord): void {
    const { apiToken: token, ip } = candidate.vip;
    const self = candidate.view.serverId;
    if (record.kind === 'floating-ip') {
      const found = this.listAll<{ id: number; ip: string }>(cloud, token, 'floating_ips');
      const fip = found.find((f) => f.ip === ip);
      if (!fip) throw new Error('no floating IP has this address');
      this.call(cloud, token, 'POST', `/floating_ips/${fip.id}/actions/assign`, { server: self });
      return;
    }
    const network = this.networkOf(cloud, candidate);
    for (const server of this.listAll<ServerJson>(cloud, token, 'servers')) {
      if (server.id === self) continue;
      const carries = server.private_net.some((p) => p.network === network && p.alias_ips.includes(ip));
      if (carries) {
        this.call(cloud, token, 'POST', `/servers/${server.id}/actions/change_alias_ips`, {
          network,
          alias_ips: [],
        });
      }
    }
    this.call(cloud, token, 'POST', `/servers/${self}/actions/change_alias_ips`, {
      network,
      alias_ips: [ip],
    });
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.pending) clearImmediate(this.pending);
    clearTimeout(this.timer);
  }
}

/**
 * The address goes on the link the document names: an alias IP arrives on the private interface
 * (eth1 behind a public one, else eth0), a floating IP on the public one (eth0). On any other link
 * the traffic would never reach it, so such a node cannot serve the VIP.
 */
function linkProblem(candidate: Candidate, kind: VipRecord['kind']): string | undefined {
  const hasPublic = candidate.view.ip !== null;
  const wanted = kind === 'floating-ip' ? 'eth0' : hasPublic ? 'eth1' : 'eth0';
  if (kind === 'floating-ip' && !hasPublic) return 'a floating IP needs a public interface';
  return candidate.vip.link === wanted
    ? undefined
    : `VIP ${candidate.vip.ip} is on link ${candidate.vip.link}, but arrives on ${wanted}`;
}

function rank(order: number[], serverId: number): number {
  const index = order.indexOf(serverId);
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
}
