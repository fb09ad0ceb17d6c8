/** The engine's warnings, worded for people (they go to stderr, so stdout stays parseable). */
import { assertNever } from '../../errors.js';
import type { EngineWarning } from '../../execute/events.js';

export function renderWarning(warning: EngineWarning): string {
  switch (warning.kind) {
    case 'state-log':
      return `Warning: ${warning.message}`;
    case 'last-run-failed':
      return warning.during === 'apply'
        ? `Warning: The last run (${warning.run}) failed; this plan is made from what exists now.`
        : `Warning: the last run (${warning.run}) failed; \`hk8s resume\` retries it.`;
    case 'run-pending':
      return (
        `Warning: run ${warning.run} (${warning.command}) did not finish. \`hk8s resume\` reconciles and completes it; ` +
        '`hk8s apply` refuses until then.'
      );
    case 'unaddressed-object': {
      const { kind, name, id } = warning.object;
      return `Note: ${kind} ${name} (${id}) has this cluster's label but no hk8s address; hk8s leaves it alone.`;
    }
    case 'kubernetes-unobserved':
      return (
        `Warning: the cluster's Kubernetes API could not be read (${warning.reason}); ` +
        'what each node runs for Kubernetes is taken from the configs hk8s applied.'
      );
    case 'addon-skipped': {
      const what = warning.addon
        ? `addon ${warning.addon} (plugin ${warning.plugin})`
        : `plugin ${warning.plugin}`;
      return `Warning: ${what} skipped: ${warning.message}. Its objects in the cluster are left as they are.`;
    }
    case 'addon-deprecated':
      return `Warning: addon ${warning.addon} is deprecated: ${warning.message}`;
    case 'addon-orphaned':
      return (
        `Warning: ${warning.objects} object(s) of addon ${warning.addon} are kept: no installed plugin provides it ` +
        `(install it again, or set addons.${warning.addon}.enabled: false to delete them).`
      );
    case 'single-node-endpoint': {
      const what =
        warning.endpoint === 'external'
          ? 'the kubeconfig (and hk8s itself) reach the Kubernetes API'
          : 'the nodes reach the Kubernetes API (cluster.controlPlane.endpoint)';
      return (
        `Warning: ${what} through one control plane only, ${warning.node}: the API is unreachable that way ` +
        `whenever that node is down or reboots (during upgrades too). Set ${warning.fix} to give it a VIP or a load balancer.`
      );
    }
    case 'image-kept':
      return (
        `Warning: Talos image ${warning.image} is kept: ${warning.usedBy.join(', ')} of another cluster boot from it ` +
        '(it can be deleted with `hk8s image delete` once nothing uses it).'
      );
    default:
      return assertNever(warning, 'warning');
  }
}
