/** Talos OS: image, machine configuration and upgrade behaviour. Validated now, used by the Talos features. */
import { z } from 'zod';
import { HttpUrl, Ipv4CidrString, OpenObject, VERSION_PATTERN, strictObject } from './common.js';
import { isIpAddress } from '../cidr.js';

export const DEFAULT_NAMESERVERS = [
  '185.12.64.1',
  '185.12.64.2',
  '2a01:4ff:ff00::add:1',
  '2a01:4ff:ff00::add:2',
];
export const DEFAULT_NTP_SERVERS = ['ntp1.hetzner.de', 'ntp2.hetzner.com', 'ntp3.hetzner.net'];

const IpAddress = z.string().refine(isIpAddress, { message: 'must be an IPv4 or IPv6 address' });

const KubeletMount = strictObject({
  source: z.string().min(1),
  destination: z.string().min(1).optional().describe('Default: the source path'),
  type: z.string().default('bind'),
  options: z.array(z.string()).default(['bind', 'rshared', 'rw']),
});

const CERTIFICATE_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const Pem = z
  .string()
  .regex(PEM_CERTIFICATE, { message: 'must contain a PEM certificate (-----BEGIN CERTIFICATE-----)' });

const UpgradeSchema = strictObject({
  debug: z.boolean().default(false),
  force: z.boolean().default(false),
  insecure: z.boolean().default(false),
  stage: z.boolean().default(false).describe('Stage the upgrade and apply it at the next reboot'),
  rebootMode: z.enum(['default', 'powercycle']).optional(),
}).prefault({});

export const TalosSchema = strictObject({
  version: z
    .string()
    .regex(VERSION_PATTERN, { message: 'must be a Talos version such as v1.13.9' })
    .default('v1.13.9')
    .describe('Talos Linux version'),
  schematicId: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { message: 'must be a 64-character Image Factory schematic id' })
    .optional()
    .describe('Use this Image Factory schematic instead of generating one'),
  extensions: z
    .array(z.string().min(1))
    .default([])
    .describe('Official system extensions, e.g. siderolabs/iscsi-tools'),
  extraKernelArgs: z.array(z.string().min(1)).default([]),
  kernelModules: z
    .array(strictObject({ name: z.string().min(1), parameters: z.array(z.string()).optional() }))
    .optional(),
  sysctls: z.record(z.string(), z.string()).default({}).describe('Merged over the default sysctls'),
  kubeletExtraMounts: z.array(KubeletMount).default([]),
  encryption: strictObject({
    state: z.boolean().default(true).describe('LUKS2-encrypt the STATE partition'),
    ephemeral: z.boolean().default(true).describe('LUKS2-encrypt the EPHEMERAL partition'),
  }).prefault({}),
  ipv6: z.boolean().default(true).describe('IPv6 inside the nodes'),
  publicIpv4: z.boolean().default(true).describe('Servers get a public IPv4 (pools can override)'),
  publicIpv6: z.boolean().default(true).describe('Servers get a public IPv6 (pools can override)'),
  extraRoutes: z
    .array(Ipv4CidrString)
    .default([])
    .describe('Routes via the private network gateway; 0.0.0.0/0 allowed'),
  nameservers: z.array(IpAddress).default(DEFAULT_NAMESERVERS),
  staticHosts: z
    .array(strictObject({ ip: IpAddress, hostnames: z.array(z.string().min(1)).min(1) }))
    .default([]),
  ntpServers: z.array(z.string().min(1)).default(DEFAULT_NTP_SERVERS),
  registries: z.record(z.string(), z.unknown()).optional().describe('machine.registries, passed as written'),
  certificates: z
    .record(
      z.string().regex(CERTIFICATE_NAME, { message: 'must be lowercase letters, digits and -' }),
      z.union([Pem, z.array(Pem).min(1)]),
    )
    .default({})
    .describe('Extra trusted root certificates: name → PEM (or list of PEMs)'),
  loggingDestinations: z
    .array(
      strictObject({
        endpoint: z.string().min(1).describe('e.g. udp://10.0.0.9:5514'),
        format: z.enum(['json_lines']).default('json_lines'),
        extraTags: z.record(z.string(), z.string()).default({}),
      }),
    )
    .default([]),
  inlineManifests: z.array(strictObject({ name: z.string().min(1), contents: z.string() })).default([]),
  remoteManifests: z.array(HttpUrl).default([]),
  coreDns: z.boolean().default(true),
  discovery: strictObject({
    kubernetes: z
      .boolean()
      .default(false)
      .describe('Kubernetes discovery registry (deprecated for K8s >= 1.32)'),
    service: z.boolean().default(true).describe('Sidero discovery service registry'),
  }).prefault({}),
  criDiscardUnpackedLayers: z.boolean().default(true),
  applyMode: z
    .enum(['auto', 'reboot', 'no-reboot', 'staged', 'staged-if-needing-reboot'])
    .default('auto')
    .describe('How machine-config changes are applied'),
  stagedAutoReboot: z
    .boolean()
    .default(true)
    .describe('With staged modes, reboot affected nodes one at a time'),
  upgrade: UpgradeSchema,
  rebootMode: z.enum(['default', 'powercycle', 'force']).optional(),
}).prefault({});

const RbacRule = strictObject({
  apiGroups: z.array(z.string()).default(['']),
  resources: z.array(z.string().min(1)).min(1),
  verbs: z.array(z.string().min(1)).min(1),
});

const K8sName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/, { message: 'must be a Kubernetes object name' });

export const KubernetesSchema = strictObject({
  version: z
    .string()
    .regex(VERSION_PATTERN, { message: 'must be a Kubernetes version such as v1.34.10' })
    .default('v1.34.10'),
  kubelet: strictObject({
    extraArgs: z.record(z.string(), z.string()).default({}),
    extraConfig: OpenObject.describe('Merged into the kubelet configuration, as written'),
  }).prefault({}),
  apiServer: strictObject({
    extraArgs: z.record(z.string(), z.string()).default({}),
    admissionControl: z.array(z.record(z.string(), z.unknown())).default([]),
  }).prefault({}),
  images: strictObject({
    apiServer: z
      .string()
      .min(1)
      .optional()
      .describe('Repository without tag; the tag is the Kubernetes version'),
    controllerManager: z.string().min(1).optional(),
    scheduler: z.string().min(1).optional(),
    proxy: z.string().min(1).optional(),
    kubelet: z.string().min(1).optional(),
    etcd: z.string().min(1).optional().describe('Full reference with tag or digest'),
  }).prefault({}),
  oidc: strictObject({
    enabled: z.boolean().default(false),
    issuerUrl: HttpUrl.optional().describe('Required when enabled'),
    clientId: z.string().min(1).optional().describe('Required when enabled'),
    usernameClaim: z.string().default('sub'),
    groupsClaim: z.string().default('groups'),
    groupsPrefix: z.string().default('oidc:'),
    groupMappings: z
      .array(
        strictObject({
          group: z.string().min(1),
          clusterRoles: z.array(z.string().min(1)).default([]),
          roles: z.array(strictObject({ name: z.string().min(1), namespace: z.string().min(1) })).default([]),
        }),
      )
      .default([]),
  }).prefault({}),
  rbac: strictObject({
    roles: z
      .array(strictObject({ name: K8sName, namespace: K8sName, rules: z.array(RbacRule).min(1) }))
      .default([]),
    clusterRoles: z.array(strictObject({ name: K8sName, rules: z.array(RbacRule).min(1) })).default([]),
  }).prefault({}),
}).prefault({});
