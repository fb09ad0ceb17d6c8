/**
 * RBAC from the spec (on by default; it renders nothing until the spec asks for something): the
 * Roles and ClusterRoles of `kubernetes.rbac`, and one ClusterRoleBinding `oidc-<cluster role>` per
 * cluster role and one RoleBinding `oidc-<role>` per namespaced role that
 * `kubernetes.oidc.groupMappings` names, whose subjects are the mapped groups with the OIDC groups
 * prefix, as the reference module renders them. The bindings are rendered whenever mappings are
 * given (the reference renders them only with OIDC on); they grant nothing until the API server
 * takes OIDC tokens (`kubernetes.oidc.enabled`).
 */
import type { z as Z } from 'zod';
import type { AccessInfo, AddonDefinition, AddonHook, AddonHookOptions, KubeObject } from 'hk8s/addon';

const RBAC = 'rbac.authorization.k8s.io';
const API_VERSION = `${RBAC}/v1`;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe('Render kubernetes.rbac roles and kubernetes.oidc.groupMappings bindings'),
    })
    .describe('RBAC roles and OIDC group bindings from the kubernetes section');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

/** Small stable hash, so a role name that is no DNS-1123 subdomain still gets a unique object name. */
function shortHash(text: string): string {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(16).padStart(8, '0').slice(0, 8);
}

/** `oidc-<role>`; a role name with other characters (`system:…`) is cleaned and suffixed with a hash. */
export function bindingName(role: string): string {
  const plain = `oidc-${role}`;
  if (plain.length <= 253 && DNS_SUBDOMAIN.test(plain)) return plain;
  const cleaned = role
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 200);
  return `oidc-${cleaned ? `${cleaned}-` : ''}${shortHash(role)}`;
}

function rules(list: AccessInfo['rbac']['roles'][number]['rules']) {
  return list.map((rule) => ({
    apiGroups: [...rule.apiGroups],
    resources: [...rule.resources],
    verbs: [...rule.verbs],
  }));
}

export function roles(access: AccessInfo): KubeObject[] {
  return [
    ...access.rbac.clusterRoles.map((role) => ({
      apiVersion: API_VERSION,
      kind: 'ClusterRole',
      metadata: { name: role.name },
      rules: rules(role.rules),
    })),
    ...access.rbac.roles.map((role) => ({
      apiVersion: API_VERSION,
      kind: 'Role',
      metadata: { name: role.name, namespace: role.namespace },
      rules: rules(role.rules),
    })),
  ];
}

function groupSubjects(groups: readonly string[], prefix: string) {
  return [...new Set(groups)]
    .sort()
    .map((group) => ({ apiGroup: RBAC, kind: 'Group', name: `${prefix}${group}` }));
}

export function bindings(access: AccessInfo): KubeObject[] {
  const { oidc } = access;
  const clusterRoles = new Map<string, string[]>();
  const roles = new Map<string, { name: string; namespace: string; groups: string[] }>();
  for (const mapping of oidc.groupMappings) {
    for (const role of mapping.clusterRoles)
      clusterRoles.set(role, [...(clusterRoles.get(role) ?? []), mapping.group]);
    for (const role of mapping.roles) {
      const key = `${role.namespace}/${role.name}`;
      const entry = roles.get(key) ?? { ...role, groups: [] };
      entry.groups.push(mapping.group);
      roles.set(key, entry);
    }
  }
  const byName = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => a.localeCompare(b));
  return [
    ...byName(clusterRoles).map(([role, groups]) => ({
      apiVersion: API_VERSION,
      kind: 'ClusterRoleBinding',
      metadata: { name: bindingName(role) },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: groupSubjects(groups, oidc.groupsPrefix),
    })),
    ...byName(roles).map(([, role]) => ({
      apiVersion: API_VERSION,
      kind: 'RoleBinding',
      metadata: { name: bindingName(role.name), namespace: role.namespace },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: role.name },
      subjects: groupSubjects(role.groups, oidc.groupsPrefix),
    })),
  ];
}

export function definition({ z }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'rbac',
    version: '0.1.0',
    description: 'Roles and ClusterRoles from kubernetes.rbac, OIDC group bindings from kubernetes.oidc',
    settings: settingsSchema(z),
    render: (context) => [...roles(context.kubernetes), ...bindings(context.kubernetes)],
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;
