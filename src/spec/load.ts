/** Finds `hk8s.yaml` (or another config form) with cosmiconfig, parses it and validates it. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig, defaultLoaders, type Loader } from 'cosmiconfig';
import { Hk8sError } from '../errors.js';
import type { Spec } from './schema.js';
import { validateSpec, type SpecSource } from './validate.js';
import type { AddonSettingsSchemas } from './sections/addons.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export const MODULE_NAME = 'hk8s';

/** Searched in this order, in the given directory only. */
export const SEARCH_PLACES = [
  'hk8s.yaml',
  'hk8s.yml',
  '.hk8src',
  '.hk8src.json',
  '.hk8src.yaml',
  '.hk8src.yml',
  '.hk8src.js',
  '.hk8src.mjs',
  'hk8s.config.js',
  'hk8s.config.mjs',
  'hk8s.config.ts',
  'package.json',
] as const;

export interface LoadSpecOptions {
  /** Directory to search. */
  cwd: string;
  /** An explicit file (`-c FILE`), relative to cwd. Skips the search. */
  file?: string;
  /** The installed addons' settings schemas, which validate `addons:`; open when absent. */
  addons?: AddonSettingsSchemas;
}

export interface LoadedSpec {
  spec: Spec;
  /** Absolute path of the file the spec came from. */
  path: string;
  /** The file's text. */
  text: string;
  /** sha256 (hex) of the canonical JSON of `spec`: equal specs hash equal whatever their layout. */
  hash: string;
}

export async function loadSpec(options: LoadSpecOptions): Promise<LoadedSpec> {
  const parsed = new Map<string, YamlSource>();
  const yamlLoader: Loader = (filepath, content) => {
    assertUtf8(filepath, content);
    const source = parseYamlSource(filepath, content);
    parsed.set(filepath, source);
    // A document with only comments is empty, not absent: report it rather than search on.
    return source.value ?? undefined;
  };
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    mergeSearchPlaces: false,
    searchStrategy: 'none',
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: {
      ...defaultLoaders,
      '.yaml': yamlLoader,
      '.yml': yamlLoader,
      '.json': yamlLoader,
      noExt: yamlLoader,
      default: yamlLoader,
    },
  });

  const result =
    options.file === undefined
      ? await search(explorer, options.cwd)
      : await load(explorer, options.cwd, options.file);
  const filepath = result.filepath;
  const text = await readFile(filepath, 'utf8').catch((error: unknown) => {
    throw fileError(filepath, error);
  });
  const yaml = parsed.get(filepath);
  const withPositions = yaml && path.basename(filepath) !== 'package.json';
  const source: SpecSource = withPositions
    ? { path: filepath, text, doc: yaml.doc, lineCounter: yaml.lineCounter }
    : { path: filepath, text };
  const spec = validateSpec(result.isEmpty ? null : (result.config as unknown), source, options.addons, {
    refuseNotYet: true,
  });
  return { spec, path: filepath, text, hash: specHash(spec) };
}

type Explorer = ReturnType<typeof cosmiconfig>;
type Found = { config: unknown; filepath: string; isEmpty?: boolean };

async function search(explorer: Explorer, cwd: string): Promise<Found> {
  const directory = path.resolve(cwd);
  const result = await explorer.search(directory).catch((error: unknown) => {
    throw fileError(errorPath(error) ?? directory, error);
  });
  if (!result) {
    throw new Hk8sError('spec.not-found', `no hk8s spec found in ${directory}`, {
      where: directory,
      hint: 'Run hk8s init to write a starter hk8s.yaml, or pass -c FILE',
      detail: `Searched: ${SEARCH_PLACES.map((place) => (place === 'package.json' ? 'package.json#hk8s' : place)).join(', ')}`,
    });
  }
  return result;
}

async function load(explorer: Explorer, cwd: string, file: string): Promise<Found> {
  const filepath = path.resolve(cwd, file);
  try {
    const result = await explorer.load(filepath);
    if (!result) throw notFound(filepath);
    return result;
  } catch (error) {
    throw fileError(filepath, error);
  }
}

/** What reading the spec file can meet besides a missing file, each said plainly. */
const FILE_PROBLEMS: Record<string, string> = {
  ELOOP: 'is a loop of symbolic links',
  EACCES: 'cannot be read (permission denied)',
  EPERM: 'cannot be read (operation not permitted)',
  ENAMETOOLONG: 'has a name that is too long',
  EMFILE: 'cannot be opened: too many open files',
};

/** File-system failures become spec errors at the file; anything else is passed on. */
function fileError(filepath: string, error: unknown): unknown {
  if (error instanceof Hk8sError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return notFound(filepath, error);
  const problem = code === undefined ? undefined : FILE_PROBLEMS[code];
  if (problem === undefined) return error;
  return new Hk8sError('spec.not-found', `spec file ${filepath} ${problem}`, {
    where: filepath,
    hint: 'Point -c at a readable hk8s.yaml',
    cause: error,
  });
}

function errorPath(error: unknown): string | undefined {
  const found = (error as NodeJS.ErrnoException | null)?.path;
  return typeof found === 'string' ? found : undefined;
}

/**
 * The loader gets the text decoded with replacement characters; a spec is UTF-8, so a byte that
 * is not is an error at its line rather than a silent U+FFFD in a name.
 */
function assertUtf8(filepath: string, content: string): void {
  const replaced = content.indexOf('\uFFFD');
  if (replaced < 0) return;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(filepath));
    return; // a real U+FFFD written in the file
  } catch (error) {
    if (!(error instanceof TypeError)) throw fileError(filepath, error);
  }
  const before = content.slice(0, replaced);
  const line = before.split('\n').length;
  const column = replaced - before.lastIndexOf('\n');
  throw new Hk8sError('spec.parse', 'the file is not valid UTF-8 text', {
    where: `${filepath}:${line}:${column}`,
    hint: 'Save the spec as UTF-8',
  });
}

function notFound(filepath: string, cause?: unknown): Hk8sError {
  return new Hk8sError('spec.not-found', `spec file ${filepath} does not exist or holds no hk8s spec`, {
    where: filepath,
    hint: 'Check the -c path, or run hk8s init to write a starter hk8s.yaml',
    cause,
  });
}

/** JSON with object keys sorted at every level: the same spec always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

export function specHash(spec: Spec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}
