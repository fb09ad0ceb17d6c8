/**
 * What differs between the Talos minors hk8s can configure. Supporting a new minor is one entry here
 * plus its official schema in `vendor/talos/`; the builder and the validator read everything
 * version-specific from this table. Facts: reference/talos.md §5, reference/talos-1.13.md §1, §3, §5.
 */
import { Hk8sError } from '../../errors.js';
import {
  describeKubernetesRange,
  kubernetesInRange,
  talosMinorFacts,
  type KubernetesRange,
} from '../versions.js';

/** Typed (multi-document) config kinds hk8s writes, besides the v1alpha1 document. */
export const EMITTED_KINDS = [
  'HostnameConfig',
  'LinkConfig',
  'DHCPv4Config',
  'ResolverConfig',
  'TimeSyncConfig',
  'StaticHostConfig',
  'HCloudVIPConfig',
  'RegistryMirrorConfig',
  'RegistryAuthConfig',
  'RegistryTLSConfig',
  'TrustedRootsConfig',
  'VolumeConfig',
] as const;
export type EmittedKind = (typeof EMITTED_KINDS)[number];

export interface TalosVersionSupport {
  /** `v<major>.<minor>`, matched against the minor of `talos.version`. */
  minor: string;
  /** File name of the official machine-config JSON Schema under `vendor/talos/`. */
  schemaFile: string;
  /** Typed document kinds this minor accepts that hk8s writes (all must exist in the schema). */
  kinds: readonly EmittedKind[];
  /** `machine.install.grubUseUKICmdline`: written as `true` like `talosctl gen config` does (contract >= 1.12). */
  grubUseUKICmdline: boolean;
  /** Kubernetes versions this Talos minor supports (from the facts in `src/talos/versions.ts`). */
  kubernetes: KubernetesRange;
  /**
   * Where the official schema disagrees with what Talos parses. The builder writes what Talos parses;
   * the validator rewrites a copy into the schema's shape before checking it.
   */
  schemaQuirks: {
    /** The schema names `RegistryTLSConfig.clientIdentity.cert` `crt` (fixed in 1.14). */
    registryTlsClientCertKey: 'crt' | 'cert';
    /** The schema types `machine.logging.destinations[].endpoint` as an empty object, Talos wants a URL. */
    loggingEndpointIsObject: boolean;
    /** 1.12 puts the allowed values of `encryption.options` on the list, not its items, so no list passes. */
    encryptionOptionsEnumOnList: boolean;
  };
}

function rangeOf(minor: string): KubernetesRange {
  const facts = talosMinorFacts(minor);
  if (!facts) throw new Error(`no version facts for Talos ${minor}`);
  return facts.kubernetes;
}

const HETZNER_KINDS: readonly EmittedKind[] = EMITTED_KINDS;

export const TALOS_VERSIONS: Readonly<Record<string, TalosVersionSupport>> = {
  'v1.12': {
    minor: 'v1.12',
    schemaFile: 'talos-config.schema.v1.12.json',
    kinds: HETZNER_KINDS,
    grubUseUKICmdline: true,
    kubernetes: rangeOf('v1.12'),
    schemaQuirks: {
      registryTlsClientCertKey: 'crt',
      loggingEndpointIsObject: true,
      encryptionOptionsEnumOnList: true,
    },
  },
  'v1.13': {
    minor: 'v1.13',
    schemaFile: 'talos-config.schema.v1.13.json',
    kinds: HETZNER_KINDS,
    grubUseUKICmdline: true,
    kubernetes: rangeOf('v1.13'),
    schemaQuirks: {
      registryTlsClientCertKey: 'crt',
      loggingEndpointIsObject: true,
      encryptionOptionsEnumOnList: false,
    },
  },
};

export const DEFAULT_TALOS_MINOR = 'v1.13';
export const SUPPORTED_TALOS_MINORS = Object.keys(TALOS_VERSIONS);

const VERSION = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?$/;

/** `v1.13.9` → `v1.13`; undefined when the text is no version. */
export function minorOf(version: string): string | undefined {
  const match = VERSION.exec(version);
  return match ? `v${match[1]}.${match[2]}` : undefined;
}

/** The table entry for a Talos version such as `v1.13.9`, or a spec error naming the supported minors. */
export function talosVersionSupport(version: string): TalosVersionSupport {
  const minor = minorOf(version);
  const entry = minor === undefined ? undefined : TALOS_VERSIONS[minor];
  if (!entry) {
    throw new Hk8sError('spec.invalid', `Talos ${version} is not supported`, {
      where: 'talos.version',
      hint: `Use a version of a supported minor: ${SUPPORTED_TALOS_MINORS.join(', ')} (default ${DEFAULT_TALOS_MINOR}).`,
    });
  }
  return entry;
}

/** A spec error when the Kubernetes version is outside what the Talos minor supports. */
export function checkKubernetesVersion(support: TalosVersionSupport, kubernetesVersion: string): void {
  if (kubernetesInRange(kubernetesVersion, support.kubernetes)) return;
  throw new Hk8sError(
    'spec.invalid',
    `Kubernetes ${kubernetesVersion} is not supported by Talos ${support.minor}`,
    {
      where: 'kubernetes.version',
      hint: `Talos ${support.minor} runs Kubernetes ${describeKubernetesRange(support.kubernetes)}; pick a version in that range or another Talos version.`,
    },
  );
}
