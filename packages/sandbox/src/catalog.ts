/**
 * The static part of the simulated cloud: locations, datacenters, server and load-balancer types,
 * and the system images a new world starts with. Small, but real names and shapes.
 */
import type { ImageRec } from './types.js';

export interface LocationInfo {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
  datacenter: { id: number; name: string; description: string };
}

export const LOCATIONS: LocationInfo[] = [
  loc(
    1,
    'fsn1',
    'Falkenstein DC Park 1',
    'DE',
    'Falkenstein',
    50.47612,
    12.370071,
    'eu-central',
    4,
    'fsn1-dc14',
  ),
  loc(2, 'nbg1', 'Nuremberg DC Park 1', 'DE', 'Nuremberg', 49.452102, 11.076665, 'eu-central', 2, 'nbg1-dc3'),
  loc(3, 'hel1', 'Helsinki DC Park 1', 'FI', 'Helsinki', 60.169855, 24.938379, 'eu-central', 3, 'hel1-dc2'),
  loc(4, 'ash', 'Ashburn, VA', 'US', 'Ashburn, VA', 39.045821, -77.487073, 'us-east', 5, 'ash-dc1'),
  loc(5, 'hil', 'Hillsboro, OR', 'US', 'Hillsboro, OR', 45.54222, -122.95194, 'us-west', 6, 'hil-dc1'),
  loc(6, 'sin', 'Singapore', 'SG', 'Singapore', 1.283333, 103.833333, 'ap-southeast', 7, 'sin-dc1'),
];

function loc(
  id: number,
  name: string,
  description: string,
  country: string,
  city: string,
  latitude: number,
  longitude: number,
  zone: string,
  dcId: number,
  dcName: string,
): LocationInfo {
  return {
    id,
    name,
    description,
    country,
    city,
    latitude,
    longitude,
    network_zone: zone,
    datacenter: { id: dcId, name: dcName, description: `${city} DC ${dcName.split('-dc')[1] ?? ''}`.trim() },
  };
}

export interface ServerTypeInfo {
  id: number;
  name: string;
  description: string;
  category: string;
  cores: number;
  memory: number;
  disk: number;
  cpu_type: 'shared' | 'dedicated';
  architecture: 'x86' | 'arm';
  storage_type: 'local' | 'network';
  locations: string[];
  monthlyEur: number;
}

const EU = ['fsn1', 'nbg1', 'hel1'];
const ALL = LOCATIONS.map((l) => l.name);

export const SERVER_TYPES: ServerTypeInfo[] = [
  st(22, 'cpx11', 'regular_purpose', 2, 2, 40, 'shared', 'x86', ALL, 4.99),
  st(23, 'cpx21', 'regular_purpose', 3, 4, 80, 'shared', 'x86', ALL, 8.99),
  st(24, 'cpx31', 'regular_purpose', 4, 8, 160, 'shared', 'x86', ALL, 16.49),
  st(45, 'cax11', 'cost_optimized', 2, 4, 40, 'shared', 'arm', EU, 3.95),
  st(93, 'cax21', 'cost_optimized', 4, 8, 80, 'shared', 'arm', EU, 7.49),
  st(94, 'cax31', 'cost_optimized', 8, 16, 160, 'shared', 'arm', EU, 14.99),
  st(96, 'ccx13', 'general_purpose', 2, 8, 80, 'dedicated', 'x86', ALL, 14.49),
  st(97, 'ccx23', 'general_purpose', 4, 16, 160, 'dedicated', 'x86', ALL, 28.49),
  st(104, 'cx22', 'cost_optimized', 2, 4, 40, 'shared', 'x86', EU, 4.59),
  st(105, 'cx32', 'cost_optimized', 4, 8, 80, 'shared', 'x86', EU, 7.59),
  st(106, 'cx42', 'cost_optimized', 8, 16, 160, 'shared', 'x86', EU, 18.59),
  // The generation Hetzner introduced in October 2025.
  st(108, 'cx23', 'cost_optimized', 2, 4, 40, 'shared', 'x86', EU, 3.49),
  st(109, 'cx33', 'cost_optimized', 4, 8, 80, 'shared', 'x86', EU, 5.49),
  st(110, 'cx43', 'cost_optimized', 8, 16, 160, 'shared', 'x86', EU, 9.49),
  st(114, 'cpx12', 'regular_purpose', 1, 2, 40, 'shared', 'x86', ALL, 6.49),
  st(115, 'cpx22', 'regular_purpose', 2, 4, 80, 'shared', 'x86', ALL, 7.99),
  st(116, 'cpx32', 'regular_purpose', 4, 8, 160, 'shared', 'x86', ALL, 13.99),
  st(117, 'cpx42', 'regular_purpose', 8, 16, 320, 'shared', 'x86', ALL, 25.49),
];

function st(
  id: number,
  name: string,
  category: string,
  cores: number,
  memory: number,
  disk: number,
  cpu: 'shared' | 'dedicated',
  arch: 'x86' | 'arm',
  locations: string[],
  monthlyEur: number,
): ServerTypeInfo {
  return {
    id,
    name,
    description: name.toUpperCase(),
    category,
    cores,
    memory,
    disk,
    cpu_type: cpu,
    architecture: arch,
    storage_type: 'local',
    locations,
    monthlyEur,
  };
}

export interface LoadBalancerTypeInfo {
  id: number;
  name: string;
  description: string;
  max_services: number;
  max_targets: number;
  max_connections: number;
  max_assigned_certificates: number;
  monthlyEur: number;
}

export const LOAD_BALANCER_TYPES: LoadBalancerTypeInfo[] = [
  {
    id: 1,
    name: 'lb11',
    description: 'LB11',
    max_services: 5,
    max_targets: 25,
    max_connections: 10000,
    max_assigned_certificates: 10,
    monthlyEur: 5.39,
  },
  {
    id: 2,
    name: 'lb21',
    description: 'LB21',
    max_services: 15,
    max_targets: 75,
    max_connections: 20000,
    max_assigned_certificates: 25,
    monthlyEur: 16.4,
  },
  {
    id: 3,
    name: 'lb31',
    description: 'LB31',
    max_services: 30,
    max_targets: 150,
    max_connections: 40000,
    max_assigned_certificates: 50,
    monthlyEur: 32.9,
  },
];

/** Hetzner's prices carry many decimals as strings; net → gross with 19% VAT. */
export function pricesFor(monthlyEur: number, locations: string[], includedTb = 20) {
  const money = (v: number) => ({ net: v.toFixed(4), gross: (v * 1.19).toFixed(4) });
  return locations.map((location) => ({
    location,
    price_hourly: money(monthlyEur / 720),
    price_monthly: money(monthlyEur),
    included_traffic: includedTb * 1024 ** 4,
    price_per_tb_traffic: money(1),
  }));
}

export function findLocation(idOrName: string | number): LocationInfo | undefined {
  return LOCATIONS.find((l) => String(l.id) === String(idOrName) || l.name === idOrName);
}

export function findDatacenter(idOrName: string | number): LocationInfo | undefined {
  return LOCATIONS.find(
    (l) => String(l.datacenter.id) === String(idOrName) || l.datacenter.name === idOrName,
  );
}

export function findServerType(idOrName: string | number): ServerTypeInfo | undefined {
  return SERVER_TYPES.find((t) => String(t.id) === String(idOrName) || t.name === idOrName);
}

export function findLoadBalancerType(idOrName: string | number): LoadBalancerTypeInfo | undefined {
  return LOAD_BALANCER_TYPES.find((t) => String(t.id) === String(idOrName) || t.name === idOrName);
}

const CATALOG_CREATED = '2024-01-01T00:00:00+00:00';

function systemImage(
  id: number,
  name: string,
  description: string,
  flavor: ImageRec['os_flavor'],
  version: string,
  architecture: 'x86' | 'arm',
): ImageRec {
  return {
    id,
    type: 'system',
    status: 'available',
    name,
    description,
    labels: {},
    created: CATALOG_CREATED,
    architecture,
    os_flavor: flavor,
    os_version: version,
    disk_size: 5,
    image_size: null,
    created_from: null,
    bound_to: null,
    rapid_deploy: true,
    deprecated: null,
    delete_protected: false,
  };
}

/**
 * The Talos versions a seeded world (HK8S_SANDBOX_SEED_IMAGES=1) has snapshots of: the last 1.12
 * patch and the 1.13 patches hk8s supports. A node boots the Talos its image's disk holds (disk.ts).
 */
export const TALOS_IMAGE_VERSIONS = ['v1.12.11', 'v1.13.9', 'v1.13.10'] as const;

/**
 * The versions the simulated Image Factory serves disk images of (the rescue system's `wget`):
 * every 1.12 and 1.13 patch up to the seeded ones. Any other version is a 404.
 */
export const FACTORY_TALOS_VERSIONS: readonly string[] = [
  ...Array.from({ length: 12 }, (_, patch) => `v1.12.${patch}`),
  ...Array.from({ length: 11 }, (_, patch) => `v1.13.${patch}`),
];

/**
 * v1.13.9 keeps the ids it has always had (320000001 amd64, 320000002 arm64); the other versions
 * follow in pairs, so every id stays below the world's image id counter.
 */
const TALOS_IMAGE_IDS: Record<(typeof TALOS_IMAGE_VERSIONS)[number], [number, number]> = {
  'v1.13.9': [320000001, 320000002],
  'v1.12.11': [320000003, 320000004],
  'v1.13.10': [320000005, 320000006],
};

/** The schematic of the pre-seeded snapshots: qemu-guest-agent (Hetzner's public Talos ISO). */
export const SEEDED_SCHEMATIC = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';

function talosSnapshot(id: number, arch: 'x86' | 'arm', version: string): ImageRec {
  const talosArch = arch === 'x86' ? 'amd64' : 'arm64';
  const hk8s = {
    'hk8s.io/talos-version': version,
    'hk8s.io/schematic': SEEDED_SCHEMATIC.slice(0, 32),
    'hk8s.io/arch': arch,
  };
  return {
    id,
    type: 'snapshot',
    status: 'available',
    name: null,
    description: `Talos Linux ${talosArch.toUpperCase()} ${version} (sandbox)`,
    labels: { os: 'talos', talos_version: version, arch: talosArch, ...hk8s },
    created: CATALOG_CREATED,
    architecture: arch,
    os_flavor: 'unknown',
    os_version: null,
    disk_size: 20,
    image_size: 0.32,
    created_from: { id: 1, name: 'talos-image-builder' },
    bound_to: null,
    rapid_deploy: false,
    deprecated: null,
    delete_protected: false,
    disk: { talos: { version, schematic: SEEDED_SCHEMATIC, arch } },
  };
}

/** The seeded Talos snapshots' ids: only these may fall back to their labels (disk.ts). */
export const SEEDED_TALOS_IMAGE_IDS: ReadonlySet<number> = new Set(Object.values(TALOS_IMAGE_IDS).flat());

/**
 * Images every new world starts with: the system images, and with `seedTalos` the Talos snapshots
 * of TALOS_IMAGE_VERSIONS (a new Hetzner project has none). Ids stay below the image id counter.
 */
export function initialImages(seedTalos = false): ImageRec[] {
  return [
    systemImage(67794396, 'ubuntu-22.04', 'Ubuntu 22.04', 'ubuntu', '22.04', 'x86'),
    systemImage(114690387, 'debian-12', 'Debian 12', 'debian', '12', 'x86'),
    systemImage(114690389, 'debian-12', 'Debian 12', 'debian', '12', 'arm'),
    systemImage(161547269, 'ubuntu-24.04', 'Ubuntu 24.04', 'ubuntu', '24.04', 'x86'),
    systemImage(161547270, 'ubuntu-24.04', 'Ubuntu 24.04', 'ubuntu', '24.04', 'arm'),
    systemImage(310557660, 'debian-13', 'Debian 13', 'debian', '13', 'x86'),
    systemImage(310557661, 'debian-13', 'Debian 13', 'debian', '13', 'arm'),
    ...(seedTalos ? seededTalosImages() : []),
  ];
}

function seededTalosImages(): ImageRec[] {
  return TALOS_IMAGE_VERSIONS.flatMap((version) => {
    const [x86, arm] = TALOS_IMAGE_IDS[version];
    return [talosSnapshot(x86, 'x86', version), talosSnapshot(arm, 'arm', version)];
  });
}
