import { describe, expect, it } from 'vitest';
import { ArbiterError } from './errors.ts';
import { loadStackConfig, mergeEnv, parseStackEnv, STACK_SETTINGS } from './config.ts';

function errorOf(fn: () => unknown): ArbiterError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ArbiterError) return e;
    throw e;
  }
  throw new Error('expected an ArbiterError');
}

describe('loadStackConfig', () => {
  it('given no settings, uses the local stack defaults with chDB on CHDB_PATH', () => {
    const c = loadStackConfig({});
    expect(c.kafka.brokers).toEqual([STACK_SETTINGS.KAFKA_BROKERS.default]);
    expect(c.kafka.clientId).toBe('arbiter');
    expect(c.registry.url).toBe(STACK_SETTINGS.SCHEMA_REGISTRY_URL.default);
    expect(c.clickhouse).toEqual({ kind: 'chdb', path: STACK_SETTINGS.CHDB_PATH.default });
  });

  it('given CLICKHOUSE_URL, selects the HTTP server with its credentials', () => {
    const c = loadStackConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_DATABASE: 'arb' });
    expect(c.clickhouse).toEqual({ kind: 'http', url: 'http://ch:8123', username: 'u', password: 'p', database: 'arb' });
  });

  it('splits and trims a broker list and drops a trailing slash from the registry URL', () => {
    const c = loadStackConfig({ KAFKA_BROKERS: ' a:1 , b:2', SCHEMA_REGISTRY_URL: 'https://r.example/apis/ccompat/v7/' });
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.registry.url).toBe('https://r.example/apis/ccompat/v7');
  });

  it('treats an empty value as unset', () => {
    expect(loadStackConfig({ CLICKHOUSE_URL: '', KAFKA_BROKERS: '  ' }).clickhouse.kind).toBe('chdb');
  });

  it('reports every invalid setting in one ARB_CONFIG_INVALID error, naming each key', () => {
    const e = errorOf(() => loadStackConfig({ KAFKA_BROKERS: 'nohostport', SCHEMA_REGISTRY_URL: 'ftp://x', CLICKHOUSE_URL: 'not a url', KAFKA_CLIENT_ID: 'a b' }));
    expect(e.code).toBe('ARB_CONFIG_INVALID');
    expect(e.message).toContain('4 invalid setting(s)');
    expect(e.location?.key).toBe('KAFKA_BROKERS,KAFKA_CLIENT_ID,SCHEMA_REGISTRY_URL,CLICKHOUSE_URL');
    expect(e.message).toContain('"nohostport"');
    expect(e.message).toContain('SCHEMA_REGISTRY_URL="ftp://x" is not an http(s) URL');
  });
});

describe('parseStackEnv', () => {
  it('reads KEY=VALUE lines, keeping "=" inside values and skipping blanks and comments', () => {
    expect(parseStackEnv('# stack\nKAFKA_BROKERS=localhost:9092\n\nSCHEMA_REGISTRY_URL=http://h:1/x?a=b\n')).toEqual({
      KAFKA_BROKERS: 'localhost:9092',
      SCHEMA_REGISTRY_URL: 'http://h:1/x?a=b',
    });
  });

  it('rejects a malformed line with its file and line number', () => {
    const e = errorOf(() => parseStackEnv('A=1\nbroken line\n', 'x/stack.env'));
    expect(e.code).toBe('ARB_CONFIG_INVALID');
    expect(e.location).toEqual({ file: 'x/stack.env', line: 2 });
  });
});

describe('mergeEnv', () => {
  it('lets a set process variable win over the stack file, but not an empty one', () => {
    expect(mergeEnv({ KAFKA_BROKERS: 'stack:1', SCHEMA_REGISTRY_URL: 'http://s' }, { KAFKA_BROKERS: 'env:2', SCHEMA_REGISTRY_URL: '' })).toEqual({
      KAFKA_BROKERS: 'env:2',
      SCHEMA_REGISTRY_URL: 'http://s',
    });
  });
});
