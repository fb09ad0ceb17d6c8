/**
 * How long an action usually takes on Hetzner, in seconds: rough figures (from Hetzner's action
 * times and a Talos install and boot), used only to rank what to start first — the walker starts the
 * action with the longest chain of work behind it, so servers and their configs start before the
 * quick objects nobody waits on. Only the ratios matter; a wrong figure costs order, never
 * correctness.
 */
import { assertNever } from '../errors.js';
import type { Action, ResourceType } from './types.js';

function makeSeconds(type: ResourceType): number {
  switch (type) {
    case 'server':
      return 40;
    case 'image':
      return 300;
    case 'load_balancer':
      return 10;
    case 'volume':
      return 5;
    case 'addon':
      return 30;
    case 'network':
    case 'subnet':
    case 'firewall':
    case 'ssh_key':
    case 'placement_group':
    case 'floating_ip':
      return 2;
    case 'talos_secrets':
    case 'talos_config':
    case 'talos_bootstrap':
    case 'talos_kubeconfig':
    case 'kube_node':
      return 1;
    default: {
      // Exhaustive for the type-check, yet a type a registry adds at run time (tests' recipes) only
      // ranks as a quick object: an estimate must never fail a run.
      const added: never = type;
      void added;
      return 2;
    }
  }
}

export function expectedSeconds(action: Action): number {
  switch (action.kind) {
    case 'create':
    case 'replace':
      return makeSeconds(action.type);
    case 'update':
      // A server update may power it off and back on (a type change).
      return action.type === 'server' ? 20 : 2;
    case 'delete':
      return action.type === 'server' ? 10 : 2;
    case 'drain':
      return 60;
    case 'leave-etcd':
      return 10;
    case 'apply-config':
      // Install to disk and reboot into the installed Talos.
      return 90;
    case 'bootstrap':
      return 10;
    case 'upgrade':
      return 180;
    case 'wait':
      return 30;
    case 'upgrade-kubernetes':
      return 60;
    default:
      return assertNever(action, 'action kind');
  }
}
