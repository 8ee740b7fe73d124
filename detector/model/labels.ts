import { readFile } from 'node:fs/promises';
import { ModelError } from './errors.ts';
import { readOnnxMetadata } from './onnx-metadata.ts';

/**
 * Parses Ultralytics' `names` metadata, a Python dict literal such as `{0: 'person', 1: 'car'}`
 * (JSON-style `{"0": "person"}` is accepted too). Missing indices become `class<N>`.
 */
export function parseNamesMetadata(text: string): string[] {
  const names: string[] = [];
  const entry = /['"]?(\d+)['"]?\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  let found = false;
  for (const match of text.matchAll(entry)) {
    found = true;
    const index = Number(match[1]);
    const raw = match[2] ?? match[3] ?? '';
    names[index] = raw.replace(/\\(.)/g, '$1');
  }
  if (!found) throw new ModelError(`model metadata "names" is not a {index: 'name'} mapping: ${text.slice(0, 80)}`);
  return Array.from(names, (name, i) => name ?? `class${i}`);
}

/** Reads a labels file: one label per line, line N = class N; trailing blank lines ignored. */
export async function readLabelsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelError(`labels file ${path}: ${(error as Error).message}`);
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new ModelError(`labels file ${path} is empty`);
  return lines;
}

/** Names for `count` classes when neither metadata nor a file gives any. */
export function numberedLabels(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `class${i}`);
}

/**
 * The labels to use for a model: the labels file when given, else the model's `names` metadata,
 * else undefined (the worker numbers classes from the output shape).
 */
export async function modelLabels(modelPath: string, labelsFile?: string): Promise<string[] | undefined> {
  if (labelsFile) return readLabelsFile(labelsFile);
  const meta = await readOnnxMetadata(modelPath);
  return meta.names ? parseNamesMetadata(meta.names) : undefined;
}
