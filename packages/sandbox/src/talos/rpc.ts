/** Errors with a gRPC status, and who is calling (roles, maintenance). */
import { status } from '@grpc/grpc-js';

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export const rpcError = (code: status, message: string) => new RpcError(code, message);

export interface Caller {
  /** `os:admin`, `os:operator`, `os:reader`, `os:etcd:backup`, … */
  roles: ReadonlySet<string>;
  /** The call came in on the maintenance listener. */
  maintenance: boolean;
}

/** RBAC per method (talos.md §1.8). */
const ALLOWED: Record<string, readonly string[]> = {
  ApplyConfiguration: ['os:admin'],
  Bootstrap: ['os:admin'],
  Upgrade: ['os:admin'],
  Reset: ['os:admin'],
  Kubeconfig: ['os:admin'],
  EtcdLeaveCluster: ['os:admin'],
  EtcdRemoveMemberByID: ['os:admin'],
  EtcdForfeitLeadership: ['os:admin', 'os:operator'],
  Reboot: ['os:admin', 'os:operator'],
  Shutdown: ['os:admin', 'os:operator'],
  EtcdMemberList: ['os:admin', 'os:operator', 'os:reader', 'os:etcd:backup'],
  EtcdStatus: ['os:admin', 'os:operator', 'os:reader', 'os:etcd:backup'],
  Version: ['os:admin', 'os:operator', 'os:reader'],
  ServiceList: ['os:admin', 'os:operator', 'os:reader'],
  Hostname: ['os:admin', 'os:operator', 'os:reader'],
  HealthCheck: ['os:admin', 'os:operator', 'os:reader'],
  'LifecycleService/Upgrade': ['os:admin'],
  'LifecycleService/Install': ['os:admin'],
  'ImageService/Pull': ['os:admin', 'os:operator'],
  // Non-sensitive resources only: the simulated node defines no sensitive type.
  'cosi/Get': ['os:admin', 'os:operator', 'os:reader'],
  'cosi/List': ['os:admin', 'os:operator', 'os:reader'],
};

export function authorize(method: string, caller: Caller): void {
  const allowed = ALLOWED[method] ?? ['os:admin'];
  if (!allowed.some((role) => caller.roles.has(role))) {
    throw rpcError(status.PERMISSION_DENIED, 'not authorized');
  }
}
