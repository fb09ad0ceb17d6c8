#!/usr/bin/env node
// oclif writes the manifest's commands in the order it happened to load them; sort them so the
// committed file only changes when a command does (CI fails when it is stale).
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../oclif.manifest.json', import.meta.url);
const manifest = JSON.parse(readFileSync(file, 'utf8'));
manifest.commands = Object.fromEntries(
  Object.entries(manifest.commands).sort(([a], [b]) => a.localeCompare(b)),
);
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
