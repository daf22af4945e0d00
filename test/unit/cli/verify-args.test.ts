// `arbiter verify` argument and target checks that need no ClickHouse: bad values are coded, passwords never printed.
import { describe, expect, it } from 'vitest';
import { main, redactUrl, targetFrom } from '../../../processors/cli/verify.ts';

describe('arbiter verify arguments', () => {
  it('a URL keeps everything but its password', () => {
    expect(redactUrl('http://reader:s3cret@ch.example:8123/')).toBe('http://reader:***@ch.example:8123/');
    expect(redactUrl('https://ch.example/')).toBe('https://ch.example/');
    expect(redactUrl('not a url')).toBe('<unparseable URL>');
  });

  it('refuses a non-http ClickHouse URL without printing its password, and no target at all', () => {
    expect(() => targetFrom({}, { CLICKHOUSE_URL: 'ftp://u:hunter2@x' })).toThrow('ARB_CONFIG_INVALID: ftp://u:***@x/ is not an http(s) URL of a ClickHouse server (at CLICKHOUSE_URL)');
    expect(() => targetFrom({}, {})).toThrow(/^ARB_CONFIG_INVALID: no ClickHouse given/);
    expect(targetFrom({ chdb: '/data/chdb' }, { CLICKHOUSE_URL: '' })).toEqual({ kind: 'chdb', path: '/data/chdb' });
  });

  it('bad options and a chDB path that does not exist are refused before anything is opened', async () => {
    await expect(main(['--partition', 'x'])).rejects.toThrow(/^ARB_CLI_USAGE: arbiter verify: --partition takes a non-negative integer, got x/);
    await expect(main(['--bogus'])).rejects.toThrow(/^ARB_CLI_USAGE: arbiter verify: Unknown option '--bogus'/);
    await expect(main(['--chdb', '/no/such/arbiter-chdb'])).rejects.toThrow('ARB_CLI_INPUT_UNREADABLE: no chDB data at /no/such/arbiter-chdb (the demo\'s is .run/demo/chdb) (at --chdb)');
  });
});
