/**
 * The etcd clusters of the simulated nodes, keyed by the machine config's cluster id and shared by
 * every node of one simulator (so control planes can find a bootstrapped member to join). Also
 * counts Bootstrap calls per cluster. Persisted in `<stateDir>/talos/clusters.json`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './state.js';

export interface EtcdMemberRecord {
  /** uint64 as a decimal string. */
  id: string;
  serverId: number;
  hostname: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface ClusterRecord {
  id: string;
  name: string;
  /** Every Bootstrap call that reached a configured node of this cluster. */
  bootstrapCalls: number;
  /** The calls that formed etcd. */
  bootstraps: number;
  members: EtcdMemberRecord[];
  /** Control plane holding the upgrade lock (legacy Upgrade), if any. */
  upgrading: number | null;
}

export class ClusterRegistry {
  private clusters: Record<string, ClusterRecord> = {};
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'clusters.json');
    try {
      this.clusters = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, ClusterRecord>;
    } catch {
      this.clusters = {};
    }
  }

  get(id: string, name = id): ClusterRecord {
    let cluster = this.clusters[id];
    if (!cluster) {
      cluster = { id, name, bootstrapCalls: 0, bootstraps: 0, members: [], upgrading: null };
      this.clusters[id] = cluster;
    }
    return cluster;
  }

  find(id: string): ClusterRecord | undefined {
    return this.clusters[id];
  }

  all(): ClusterRecord[] {
    return Object.values(this.clusters);
  }

  memberOf(clusterId: string, serverId: number): EtcdMemberRecord | undefined {
    return this.clusters[clusterId]?.members.find((m) => m.serverId === serverId);
  }

  addMember(cluster: ClusterRecord, serverId: number, hostname: string, ip: string): EtcdMemberRecord {
    const member: EtcdMemberRecord = {
      id: newMemberId(),
      serverId,
      hostname,
      peerUrls: [`https://${ip}:2380`],
      clientUrls: [`https://${ip}:2379`],
      isLearner: false,
    };
    cluster.members.push(member);
    return member;
  }

  removeMember(cluster: ClusterRecord, memberId: string): void {
    cluster.members = cluster.members.filter((m) => m.id !== memberId);
  }

  save(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(this.file, `${JSON.stringify(this.clusters, null, 2)}\n`);
  }
}

function newMemberId(): string {
  const id = randomBytes(8).readBigUInt64BE();
  return (id === 0n ? 1n : id).toString();
}
