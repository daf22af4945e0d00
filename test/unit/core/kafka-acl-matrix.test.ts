// The ACL matrix: docs/security.md's table says what processors/core/kafka-acl-matrix.ts grants (every topic and
// group of a role appears in its row), agents get no write on what decides or approves, and the printed kafka-acls
// commands carry each grant.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACL_ROLES, aclCommands, aclMatrix } from '../../../processors/core/kafka-acl-matrix.ts';
import { kafkaAclsMain } from '../../../processors/cli/kafka-acls.ts';

const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'security.md'), 'utf8');
const matrix = aclMatrix('arbiter');

describe('ACL matrix', () => {
  it.each(ACL_ROLES)('docs/security.md lists every grant of %s in its row', (role) => {
    const row = DOC.split('\n').find((l) => l.startsWith(`| ${role} | \`arbiter-${role}\``));
    expect(row, `no table row for ${role}`).toBeDefined();
    for (const g of matrix.find((r) => r.role === role)?.grants ?? []) {
      const name = g.resource === 'topic' ? g.name.replace(/^arbiter\./, '') || 'arbiter.*' : g.name;
      expect(row, `${role}: ${g.resource} ${g.name}`).toContain(g.name === 'arbiter.' ? 'arbiter.*' : name);
    }
  });

  it('an agent may not write approvals, decisions, verdicts, session state or policy bundles', () => {
    const agent = matrix.find((r) => r.role === 'agent');
    const writable = (agent?.grants ?? []).filter((g) => g.resource === 'topic' && g.operations.includes('WRITE')).map((g) => g.name);
    expect(writable.sort()).toEqual(['arbiter.proposals', 'arbiter.results']);
    expect(agent?.grants.every((g) => g.pattern === 'literal' || g.resource !== 'topic')).toBe(true);
  });

  it('only the approvals principal writes approvals, only the publisher writes policy bundles', () => {
    const writers = (topic: string) => matrix.filter((r) => r.grants.some((g) => g.resource === 'topic' && g.operations.includes('WRITE')
      && (g.pattern === 'literal' ? g.name === topic : topic.startsWith(g.name)))).map((r) => r.role);
    expect(writers('arbiter.approvals')).toEqual(['approvals']);
    expect(writers('arbiter.policy-bundles')).toEqual(['policy-publisher']);
    expect(writers('arbiter.decisions')).toEqual(['verdict']);
  });

  it('prints one kafka-acls command per grant with its operations, resource and pattern', () => {
    const commands = aclCommands(matrix, { bootstrapServer: 'k:9093', commandConfig: 'admin.properties' });
    expect(commands).toHaveLength(matrix.reduce((n, r) => n + r.grants.length, 0));
    expect(commands).toContain('kafka-acls.sh --bootstrap-server k:9093 --command-config admin.properties --add --allow-principal User:arbiter-agent'
      + ' --operation Write --operation Describe --topic arbiter.proposals --resource-pattern-type literal');
    expect(commands.some((c) => c.includes('--transactional-id arbiter-verdict --resource-pattern-type prefixed'))).toBe(true);
  });

  it('the CLI filters roles, renames principals and refuses unknown roles', () => {
    const out = kafkaAclsMain(['--prefix', 'acme', '--role', 'agent', '--principal', 'agent=User:fleet-a']);
    expect(out).toContain('--allow-principal User:fleet-a');
    expect(out).toContain('--topic acme.proposals');
    expect(out).not.toContain('arbiter-verdict');
    expect(() => kafkaAclsMain(['--role', 'root'])).toThrow(/ARB_CONFIG_INVALID.*--role/);
    expect(() => kafkaAclsMain(['--principal', 'agent=fleet'])).toThrow(/ROLE=User:NAME/);
  });
});
