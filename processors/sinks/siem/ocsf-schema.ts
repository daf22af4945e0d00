// The OCSF (Open Cybersecurity Schema Framework) rules Arbiter's events must satisfy, written down from the OCSF
// schema sources (events/base_event.json, events/findings/finding.json + detection_finding.json,
// events/application/api_activity.json, objects/{metadata,product,finding_info,api,actor,network_endpoint}.json).
// Only "requirement": "required" attributes and the "at_least_one" constraints are listed; recommended ones are
// filled by the formatter but not enforced. validateOcsf() is used by the tests and, when configured, at runtime.

export const OCSF_VERSION = '1.5.0';

export interface OcsfClassRule {
  readonly classUid: number;
  readonly categoryUid: number;
  readonly name: string;
  /** Required attributes of the class, including those inherited from base_event and the category parent. */
  readonly required: readonly string[];
  readonly activityIds: readonly number[];
}

/** base_event: required for every class. */
const BASE_REQUIRED = ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid'] as const;

export const DETECTION_FINDING: OcsfClassRule = {
  classUid: 2004, categoryUid: 2, name: 'Detection Finding',
  // finding.json adds finding_info (required); detection_finding.json adds no further required attribute.
  required: [...BASE_REQUIRED, 'finding_info'],
  activityIds: [0, 1, 2, 3, 99],
};

export const API_ACTIVITY: OcsfClassRule = {
  classUid: 6003, categoryUid: 6, name: 'API Activity',
  required: [...BASE_REQUIRED, 'actor', 'api', 'src_endpoint'],
  activityIds: [0, 1, 2, 3, 4, 99],
};

export const OCSF_CLASSES: ReadonlyMap<number, OcsfClassRule> = new Map([
  [DETECTION_FINDING.classUid, DETECTION_FINDING],
  [API_ACTIVITY.classUid, API_ACTIVITY],
]);

/** Object rules: required attributes and at-least-one groups, keyed by the attribute that holds the object. */
interface ObjectRule {
  readonly required: readonly string[];
  readonly atLeastOne?: readonly string[];
}
const OBJECT_RULES: Readonly<Record<string, ObjectRule>> = {
  metadata: { required: ['product', 'version'] },
  'metadata.product': { required: ['name'] },
  finding_info: { required: ['uid'] },
  api: { required: ['operation'] },
  actor: { required: [], atLeastOne: ['process', 'user', 'invoked_by', 'session', 'app_name', 'app_uid'] },
  src_endpoint: { required: [], atLeastOne: ['ip', 'uid', 'name', 'hostname', 'svc_name', 'instance_uid', 'interface_uid', 'interface_name'] },
};

/** OCSF severity_id enum (base_event): 0 Unknown .. 6 Fatal, 99 Other. */
const SEVERITY_IDS = new Set([0, 1, 2, 3, 4, 5, 6, 99]);

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns every problem found (empty list = valid), each naming the attribute path. */
export function validateOcsf(event: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(event)) return ['event: must be a JSON object'];
  const classUid = event['class_uid'];
  const rule = typeof classUid === 'number' ? OCSF_CLASSES.get(classUid) : undefined;
  if (rule === undefined) return [`class_uid: ${JSON.stringify(classUid)} is not a class this validator knows (${[...OCSF_CLASSES.keys()].join(', ')})`];
  for (const a of rule.required) if (!present(event[a])) problems.push(`${a}: required by ${rule.name} (${rule.classUid}) but missing`);
  if (event['category_uid'] !== rule.categoryUid) problems.push(`category_uid: must be ${rule.categoryUid} for class ${rule.classUid}, got ${JSON.stringify(event['category_uid'])}`);
  const activityId = event['activity_id'];
  if (typeof activityId !== 'number' || !rule.activityIds.includes(activityId)) {
    problems.push(`activity_id: must be one of ${rule.activityIds.join(', ')} for ${rule.name}, got ${JSON.stringify(activityId)}`);
  } else if (event['type_uid'] !== rule.classUid * 100 + activityId) {
    problems.push(`type_uid: must be class_uid * 100 + activity_id = ${rule.classUid * 100 + activityId}, got ${JSON.stringify(event['type_uid'])}`);
  }
  const sev = event['severity_id'];
  if (typeof sev !== 'number' || !SEVERITY_IDS.has(sev)) problems.push(`severity_id: must be one of ${[...SEVERITY_IDS].join(', ')}, got ${JSON.stringify(sev)}`);
  const time = event['time'];
  if (present(time) && (typeof time !== 'number' || !Number.isInteger(time) || time < 0)) problems.push('time: must be epoch milliseconds (a non-negative integer)');
  for (const [path, objRule] of Object.entries(OBJECT_RULES)) {
    const parts = path.split('.');
    let v: unknown = event;
    for (const p of parts) v = isObject(v) ? v[p] : undefined;
    if (v === undefined) continue; // absence is reported by the class's required list when it matters
    if (!isObject(v)) {
      problems.push(`${path}: must be an object`);
      continue;
    }
    for (const a of objRule.required) if (!present(v[a])) problems.push(`${path}.${a}: required but missing`);
    if (objRule.atLeastOne !== undefined && !objRule.atLeastOne.some((a) => present(v[a]))) {
      problems.push(`${path}: needs at least one of ${objRule.atLeastOne.join(', ')}`);
    }
  }
  return problems;
}
