/** Building blocks shared by the spec sections. */
import { z } from 'zod';
import { unknownFieldMessage } from '../suggest.js';
import { isIpOrCidr, parseIpv4Cidr } from '../cidr.js';

/**
 * A closed object: unknown keys are errors that name the closest known field. Every spec object
 * uses it, except the places that are deliberately open (values, registries, patches, …).
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        // One message per key, split again into one issue per key by validate.ts.
        return issue.keys.map((key) => unknownFieldMessage(key, known)).join('\n');
      }
      return undefined;
    },
  });
}

export const LOCATIONS = ['fsn1', 'nbg1', 'hel1', 'ash', 'hil', 'sin'] as const;
export const NETWORK_ZONES = ['eu-central', 'us-east', 'us-west', 'ap-southeast'] as const;
export const LOAD_BALANCER_TYPES = ['lb11', 'lb21', 'lb31'] as const;
export const LOAD_BALANCER_ALGORITHMS = ['round_robin', 'least_connections'] as const;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** The network zone each location belongs to. */
export const LOCATION_ZONES: Record<(typeof LOCATIONS)[number], (typeof NETWORK_ZONES)[number]> = {
  fsn1: 'eu-central',
  nbg1: 'eu-central',
  hel1: 'eu-central',
  ash: 'us-east',
  hil: 'us-west',
  sin: 'ap-southeast',
};

export const Location = z.enum(LOCATIONS).describe('Hetzner location: fsn1, nbg1, hel1, ash, hil or sin');

export const Ipv4CidrString = z.string().refine((text) => parseIpv4Cidr(text) !== undefined, {
  message: 'must be an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16',
});

export const IpOrCidrString = z
  .string()
  .refine(isIpOrCidr, { message: 'must be an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.7/32' });

const LABEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A Kubernetes label or annotation key: `[prefix/]name`. */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  return (
    LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)))
  );
}

export const Labels = z
  .record(
    z
      .string()
      .refine(isQualifiedName, { message: 'must be a Kubernetes label key like app or example.com/tier' }),
    z.string().regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/, {
      message:
        'must be a label value: at most 63 letters, digits, -, _ or ., starting and ending alphanumeric',
    }),
  )
  .default({});

export const Annotations = z
  .record(
    z.string().refine(isQualifiedName, { message: 'must be an annotation key like example.com/owner' }),
    z.string(),
  )
  .default({});

/** `key[=value]:Effect`, as kubelet --register-with-taints accepts. */
export const TAINT_PATTERN =
  /^([A-Za-z0-9/._-]+)(?:=([A-Za-z0-9._-]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;

export const Taints = z
  .array(
    z.string().regex(TAINT_PATTERN, {
      message: 'must be a taint key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute',
    }),
  )
  .default([])
  .describe('Node taints, each key[=value]:Effect');

export const Rdns = strictObject({
  ipv4: z.string().min(1).optional().describe('rDNS template for IPv4 addresses'),
  ipv6: z.string().min(1).optional().describe('rDNS template for IPv6 addresses'),
}).describe(
  'Reverse DNS templates. Placeholders: {{ cluster-domain }} {{ cluster-name }} {{ hostname }} {{ id }} {{ ip-labels }} {{ ip-type }} {{ pool }} {{ role }}',
);

/** A Talos machine-config patch: a strategic-merge document, kept as written. */
const JsonPatchOperation = z
  .object({
    op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']),
    path: z.string().startsWith('/'),
    value: z.unknown().optional(),
    from: z.string().startsWith('/').optional(),
  })
  .strict();

export const ConfigPatch = z
  .union([z.record(z.string(), z.unknown()), z.array(JsonPatchOperation).min(1)])
  .describe(
    'A Talos machine-config patch, applied last: a strategic-merge patch (an object) or an RFC 6902 JSON patch (a list of operations)',
  );
export const ConfigPatches = z.array(ConfigPatch).default([]);

/** Free-form Helm values or config maps: passed through untouched. */
export const OpenObject = z.record(z.string(), z.unknown()).default({});

export const HelmChart = (repository: string, name: string, version: string) =>
  strictObject({
    repository: z.string().min(1).default(repository).describe('Helm repository URL (https:// or oci://)'),
    name: z.string().min(1).default(name).describe('Chart name'),
    version: z.string().min(1).default(version).describe('Chart version'),
  })
    .prefault({})
    .describe(`Helm chart (default ${name} ${version} from ${repository})`);

export const VERSION_PATTERN = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * Where a secret comes from: an environment variable or a file. Inline values are rejected so that
 * secrets never sit in a committed spec.
 */
export function secretSource(what: string, noun: string, exampleEnv: string) {
  return z.union(
    [
      strictObject({ env: z.string().min(1).describe(`Read ${what} from this environment variable`) }),
      strictObject({ file: z.string().min(1).describe(`Read ${what} from this file (keep it mode 0600)`) }),
    ],
    {
      error: (issue) =>
        typeof issue.input === 'string'
          ? `an inline ${noun} is not allowed, so that it never lands in a committed file; use { env: ${exampleEnv} } or { file: ./path } instead`
          : 'must be { env: VARIABLE } or { file: PATH }, exactly one of them',
    },
  );
}
