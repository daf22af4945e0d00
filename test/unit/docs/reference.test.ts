// The user-facing docs checked against the code, for what can be checked mechanically: the error reference is the
// catalogue's current rendering; every environment variable the code reads, every topic it defines and every metric
// it registers is documented (and nothing documented is gone); README's links, make targets and arbiter commands
// resolve. Reads the repository's files; no servers.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderErrorReference } from '../../../processors/cli/error-reference.ts';
import { ERROR_CATALOGUE } from '../../../processors/core/errors.ts';
import { aggregatorTopics } from '../../../processors/aggregator/topics.ts';
import { defineTopics } from '../../../processors/runtime/topics.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...filesUnder(path, keep));
    else if (keep(name)) out.push(path);
  }
  return out;
}

const sources = filesUnder('processors', (n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).map((f) => ({ file: f, text: read(f) }));
const scripts = filesUnder('deploy', (n) => n.endsWith('.sh')).map((f) => read(f)).join('\n');

/** Upper-case identifiers in the code that are constants, not environment variables. */
const NOT_ENV = new Set(['ARBITER_PRODUCT', 'REGISTRY_FETCH_RETRY_ENV', 'KAFKA_CLIENTS', 'KAFKA_CLIENT_ENV', 'KAFKA_SASL_MECHANISMS', 'KAFKA_SECURITY_PROTOCOLS', 'KAFKA_SECURITY_SETTINGS']);
const ENV_NAME = /\b(?:ARBITER|KAFKA|CLICKHOUSE|CHDB|SCHEMA_REGISTRY|REGISTRY)_[A-Z0-9_]*[A-Z0-9]\b/g;

describe('docs match the code', () => {
  it('docs/errors.md is the current rendering of the error catalogue (regenerate: arbiter errors --markdown > docs/errors.md)', () => {
    expect(read('docs/errors.md')).toBe(renderErrorReference());
  });

  it('every environment variable the processors read is in docs/configuration.md or docs/security.md', () => {
    const documented = read('docs/configuration.md') + read('docs/security.md');
    const missing = new Map<string, string>();
    for (const { file, text } of sources) {
      for (const name of text.match(ENV_NAME) ?? []) {
        if (!NOT_ENV.has(name) && !documented.includes(`\`${name}\``) && !missing.has(name)) missing.set(name, file);
      }
    }
    expect(Object.fromEntries(missing), 'variable → first file reading it').toEqual({});
  });

  it('every variable docs/configuration.md lists is still read by the processors or deploy/ scripts', () => {
    const code = sources.map((s) => s.text).join('\n') + scripts;
    const listed = [...read('docs/configuration.md').matchAll(/^\| `([A-Z0-9_]+)`(?: \/ `([A-Z0-9_]+)`)*/gm)]
      .flatMap((m) => m[0].match(/[A-Z][A-Z0-9_]+/g) ?? []);
    expect(listed.length).toBeGreaterThan(50);
    expect(listed.filter((name) => !new RegExp(`\\b${name}\\b`).test(code))).toEqual([]);
  });

  it('every setting the deployment files give Arbiter (docker-compose.yml, deploy/k8s) is one the code reads', () => {
    const read_ = new Set(sources.flatMap(({ text }) => text.match(ENV_NAME) ?? []));
    const k8s = filesUnder('deploy/k8s', (n) => n.endsWith('.yaml')).map(read).join('\n');
    const given = [
      ...[...k8s.matchAll(/- name: ([A-Z][A-Z0-9_]+)$/gm)].map((m) => m[1] as string),
      ...[...k8s.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string), // ConfigMap keys
      ...(read('docker-compose.yml').match(/\bARBITER_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []),
    ];
    expect(given.length).toBeGreaterThan(10);
    expect([...new Set(given)].filter((name) => !read_.has(name))).toEqual([]);
  });

  it('every topic the processors define is in docs/operations.md', () => {
    const ops = read('docs/operations.md');
    const topics = [...Object.values(defineTopics({ prefix: 'arbiter', partitions: 6, replicationFactor: 1 })).map((t) => t.topic),
      ...Object.values(aggregatorTopics('arbiter', 1)).map((t) => t.topic)];
    expect(topics.length).toBeGreaterThan(10);
    expect(topics.filter((t) => !ops.includes(`\`${t}\``))).toEqual([]);
  });

  it('every metric a processor registers is in docs/operations.md, and every metric there is registered', () => {
    const registered = new Set(sources.flatMap(({ text }) => [...text.matchAll(/\.(?:counter|gauge|histogram)\(\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)].map((m) => m[1] as string)));
    expect(registered.size).toBeGreaterThan(20);
    const documented = new Set([...read('docs/operations.md').matchAll(/^\| `([a-z_:]+)` \| (?:counter|gauge|histogram) \|/gm)].map((m) => m[1] as string));
    expect([...registered].filter((m) => !documented.has(m))).toEqual([]);
    expect([...documented].filter((m) => !registered.has(m))).toEqual([]);
  });
});

/** GitHub-style anchor of a Markdown heading. */
const anchor = (heading: string): string => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

describe('README and docs links resolve', () => {
  const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];

  it('every ARB_ code the README and docs mention is in the catalogue (none misspelt or retired)', () => {
    const unknown = docs.flatMap((doc) => [...read(doc).matchAll(/\bARB_[A-Z0-9_]*[A-Z0-9]\b/g)]
      .map((m) => m[0]).filter((code) => !Object.hasOwn(ERROR_CATALOGUE, code)).map((code) => `${doc}: ${code}`));
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('every relative link points at a file that exists, and every #anchor at a heading there', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      const text = read(doc).replace(/^```[\s\S]*?^```/gm, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue;
        const [path, hash] = target.split('#') as [string, string | undefined];
        const file = path === '' ? doc : relative(root, join(root, dirname(doc), path));
        // ../shared/... is beside the repository, not in it (README says so).
        if (file.startsWith('..')) continue;
        if (!existsSync(join(root, file))) {
          broken.push(`${doc}: ${target} (no ${file})`);
          continue;
        }
        if (hash !== undefined && file.endsWith('.md')) {
          const headings = [...read(file).matchAll(/^#+ (.+)$/gm)].map((h) => anchor(h[1] as string));
          if (!headings.includes(hash)) broken.push(`${doc}: ${target} (no heading #${hash} in ${file})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every repository path README names in backticks exists (runtime paths under .run/ aside)', () => {
    const paths = [...read('README.md').matchAll(/`([\w.\-/]+\/[\w.\-/]*)`/g)].map((m) => m[1] as string)
      .filter((p) => !p.startsWith('.run/') && !p.startsWith('arbiter/') && !/^(localhost|https?)/.test(p));
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('every `make X` in README is a Makefile target and every `arbiter X` an arbiter command', () => {
    const readme = read('README.md');
    const targets = new Set([...read('Makefile').matchAll(/^([a-z][a-z-]*):/gm)].map((m) => m[1]));
    const made = [...readme.matchAll(/\bmake ([a-z][a-z-]*)/g)].map((m) => m[1] as string);
    expect(made.length).toBeGreaterThan(2);
    expect(made.filter((t) => !targets.has(t))).toEqual([]);
    const commands = new Set([...read('processors/bin/arbiter.ts').matchAll(/^ {2}([a-z]+): \{ summary/gm)].map((m) => m[1]));
    const used = [...readme.matchAll(/(?:^|`|\$ )arbiter ([a-z]+)/gm)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(3);
    expect(used.filter((c) => !commands.has(c))).toEqual([]);
  });
});
