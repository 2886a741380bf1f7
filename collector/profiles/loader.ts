// Reads a user's mapping file (EVENTSCOPE_MAPPINGS: YAML or JSON, the language of
// collector/profiles/language.ts) and compiles it after the shipped profiles. Any problem is a
// ConfigError naming the file and the line, so a broken file stops the start in one sentence.
import fs from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../lib/config/index.js';
import { compileProfiles, profileSchema, regexProblem, type Profile, type ProfileSet } from './language.js';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_SET } from './index.js';

const fileSchema = z.object({ profiles: z.array(z.unknown()).min(1) }).strict();

/** The shipped profiles, plus the file's (which win for a scope both name) when a file is given. */
export function loadProfileSet(file: string | undefined): ProfileSet {
  if (!file) return BUILTIN_PROFILE_SET;
  return compileProfiles([...BUILTIN_PROFILES, ...readMappingFile(file)]);
}

/** Parses and validates a mapping file; throws ConfigError "EVENTSCOPE_MAPPINGS <file>:<line>: …". */
export function readMappingFile(file: string): Profile[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`EVENTSCOPE_MAPPINGS: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseMappings(text, file);
}

export function parseMappings(text: string, file: string): Profile[] {
  const lineCounter = new LineCounter();
  // JSON is YAML too: one parser, one kind of position for both
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`EVENTSCOPE_MAPPINGS ${where(e.pos[0])}: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() as unknown;
  const top = fileSchema.safeParse(data);
  if (!top.success) throw new ConfigError(`EVENTSCOPE_MAPPINGS ${where(nodeAt(doc.contents, top.error.issues[0]!.path)?.range?.[0] ?? 0)}: ${describe(top.error.issues[0]!)} (a mapping file is \`profiles: [ … ]\`)`);
  const out: Profile[] = [];
  top.data.profiles.forEach((raw, i) => {
    const parsed = profileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      // an unknown key is pointed at itself, not at the object holding it
      const path = ['profiles', i, ...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : [])];
      const node = nodeAt(doc.contents, path) ?? nodeAt(doc.contents, path.slice(0, -1));
      throw new ConfigError(`EVENTSCOPE_MAPPINGS ${where(node?.range?.[0])}: profiles[${i}]${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${describe(issue)}`);
    }
    const bad = regexProblem(parsed.data);
    if (bad) throw new ConfigError(`EVENTSCOPE_MAPPINGS ${where(nodeAt(doc.contents, ['profiles', i])?.range?.[0])}: profiles[${i}] (${parsed.data.name}): ${bad}`);
    out.push(raw as Profile);
  });
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return issue.message;
}

/** The YAML node at a path of keys and indexes, if there is one. */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = root as Node | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
      node = pair?.value as Node | undefined;
      if (node === undefined) return (pair?.key as Node | undefined) ?? undefined;
    } else if (isSeq(node) && typeof key === 'number') node = node.items[key] as Node | undefined;
    else return node;
  }
  return node;
}
