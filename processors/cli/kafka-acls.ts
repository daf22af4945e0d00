// Prints the kafka-acls commands that grant each Arbiter principal what docs/security.md says it needs, for one
// topic prefix. Run through deploy/kafka-acls.sh. Prints only: an operator reviews and runs them with a super user.
//   kafka-acls.ts --prefix arbiter [--bootstrap-server host:9093] [--command-config admin.properties]
//                 [--principal agent=User:agent-1 ...] [--role agent ...]
import { parseArgs } from 'node:util';
import { ArbiterError } from '../core/errors.ts';
import { ACL_ROLES, aclCommands, aclMatrix, type AclRole } from '../core/kafka-acl-matrix.ts';

export function kafkaAclsMain(argv: readonly string[]): string {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      prefix: { type: 'string', default: 'arbiter' },
      'bootstrap-server': { type: 'string', default: 'localhost:9093' },
      'command-config': { type: 'string', default: 'admin.properties' },
      principal: { type: 'string', multiple: true, default: [] },
      role: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const isRole = (r: string): r is AclRole => (ACL_ROLES as readonly string[]).includes(r);
  const principals = new Map<AclRole, string>();
  for (const p of values.principal) {
    const [role, principal] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    if (!isRole(role) || !/^User:\S+$/.test(principal)) {
      throw new ArbiterError('ARB_CONFIG_INVALID', `--principal "${p}" must be ROLE=User:NAME with ROLE one of ${ACL_ROLES.join(', ')}`, { key: '--principal' });
    }
    principals.set(role, principal);
  }
  const bad = values.role.find((r) => !isRole(r));
  if (bad !== undefined) throw new ArbiterError('ARB_CONFIG_INVALID', `--role "${bad}" is not one of ${ACL_ROLES.join(', ')}`, { key: '--role' });
  if (!/^[A-Za-z0-9._-]+$/.test(values.prefix)) throw new ArbiterError('ARB_CONFIG_INVALID', `--prefix "${values.prefix}" is not a topic name prefix`, { key: '--prefix' });
  const matrix = aclMatrix(values.prefix).filter((r) => values.role.length === 0 || values.role.includes(r.role));
  const lines = [`# Arbiter ACLs for topic prefix "${values.prefix}" (docs/security.md). Review, then run with a super user.`];
  for (const r of matrix) {
    lines.push(`# ${r.role}: ${r.who}`);
    lines.push(...aclCommands([r], {
      bootstrapServer: values['bootstrap-server'], commandConfig: values['command-config'],
      principal: (role) => principals.get(role) ?? `User:arbiter-${role}`,
    }));
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  try {
    process.stdout.write(kafkaAclsMain(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}
