// Detectors for egress checks: PII and credential patterns, and a screen for text that carries instructions
// aimed at the agent (prompt injection in tool descriptions and outputs). All patterns run on RE2 (re2js), so
// matching is linear in the input whatever the input is. Candidates with a checksum (cards: Luhn, IBAN: mod 97)
// are only reported when the checksum holds. Pure functions, no I/O.

import { RE2JS } from 're2js';

export const DETECTOR_KINDS = ['email', 'phone', 'card_number', 'ssn', 'iban', 'api_key', 'private_key', 'jwt'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

export interface Finding {
  readonly kind: DetectorKind;
  /** UTF-16 offsets into the scanned text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

interface Detector {
  readonly re: RE2JS;
  /** Extra check on a candidate match (checksums); absent means every match counts. */
  readonly valid?: (match: string) => boolean;
}

const CI = RE2JS.CASE_INSENSITIVE;

const DETECTORS: Readonly<Record<DetectorKind, Detector>> = {
  email: { re: RE2JS.compile(String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`) },
  phone: { re: RE2JS.compile(String.raw`(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{3,4}[ .-]\d{3,4}(?:[ .-]\d{2,4})?\b`) },
  card_number: { re: RE2JS.compile(String.raw`\b(?:\d[ -]?){12,18}\d\b`), valid: luhn },
  ssn: { re: RE2JS.compile(String.raw`\b(?:00[1-9]|0[1-9]\d|[1-578]\d\d|6[0-57-9]\d|66[0-57-9])-(?:0[1-9]|[1-9]\d)-(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})\b`) },
  iban: { re: RE2JS.compile(String.raw`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`), valid: ibanChecksum },
  api_key: {
    re: RE2JS.compile(
      String.raw`\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})`,
    ),
  },
  private_key: { re: RE2JS.compile(String.raw`-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----`) },
  jwt: { re: RE2JS.compile(String.raw`\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}`) },
};

/** Luhn check over the digits of a card-number candidate (separators ignored). */
export function luhn(candidate: string): boolean {
  let sum = 0;
  let digits = 0;
  let double = false;
  for (let i = candidate.length - 1; i >= 0; i--) {
    const c = candidate.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    digits++;
    double = !double;
  }
  return digits >= 13 && digits <= 19 && sum % 10 === 0;
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, the result mod 97 is 1. */
export function ibanChecksum(candidate: string): boolean {
  const s = candidate.replace(/ /g, '');
  if (s.length < 15 || s.length > 34) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 && code <= 90 ? code - 55 : code - 48;
    if (v < 0 || v > 35) return false;
    rem = v > 9 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** True as soon as one of the kinds is found. The cheap path for conditions. */
export function containsAny(text: string, kinds: readonly DetectorKind[]): DetectorKind | undefined {
  for (const kind of kinds) {
    const d = DETECTORS[kind];
    if (d.valid === undefined) {
      if (d.re.test(text)) return kind;
    } else if (!d.re.test(text)) {
      continue;
    } else if (findAll(text, kind, d, 1).length > 0) {
      return kind;
    }
  }
  return undefined;
}

function findAll(text: string, kind: DetectorKind, d: Detector, limit: number): Finding[] {
  const out: Finding[] = [];
  const m = d.re.matcher(text);
  let from = 0;
  while (from <= text.length && m.find(from)) {
    const start = m.start();
    const end = m.end();
    if (d.valid === undefined || d.valid(text.slice(start, end))) {
      out.push({ kind, start, end });
      if (out.length >= limit) break;
    }
    from = end > start ? end : start + 1;
  }
  return out;
}

/** Every finding of the given kinds, sorted by position. Overlaps are kept; redact() merges them. */
export function detect(text: string, kinds: readonly DetectorKind[] = DETECTOR_KINDS): Finding[] {
  const out: Finding[] = [];
  for (const kind of kinds) {
    const d = DETECTORS[kind];
    if (!d.re.test(text)) continue;
    out.push(...findAll(text, kind, d, Number.MAX_SAFE_INTEGER));
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Replaces every finding with "[REDACTED:kind]". Returns the same string when nothing was found. */
export function redactFindings(text: string, findings: readonly Finding[]): string {
  if (findings.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of findings) {
    if (f.end <= at) continue;
    out += text.slice(at, Math.max(at, f.start)) + `[REDACTED:${f.kind}]`;
    at = f.end;
  }
  return out + text.slice(at);
}

export interface InstructionFinding {
  /** True when the text looks like it addresses the agent with instructions. */
  readonly flagged: boolean;
  /** Sum of the weights of the signals found; flagged at >= 2. */
  readonly score: number;
  /** Names of the signals found, in a fixed order. */
  readonly signals: readonly string[];
}

interface Signal {
  readonly name: string;
  readonly weight: number;
  readonly re: RE2JS;
}

// Signals of injected instructions. Strong ones flag alone (weight 2); weak ones need a second signal.
const SIGNALS: readonly Signal[] = [
  { name: 'override-previous', weight: 2, re: RE2JS.compile(String.raw`\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|your|the)\b[^.\n]{0,20}\b(?:instructions?|prompts?|rules|directions|guidelines|context)\b`, CI) },
  { name: 'new-instructions', weight: 2, re: RE2JS.compile(String.raw`\b(?:new|updated|real|actual|important)\s+(?:instructions?|task|directive|orders?)\s*[:\-]`, CI) },
  { name: 'role-reassignment', weight: 2, re: RE2JS.compile(String.raw`\b(?:you are now|from now on,? you|act as (?:an?|the) (?:admin|administrator|developer|system)|pretend (?:to be|you are))\b`, CI) },
  { name: 'system-prompt', weight: 2, re: RE2JS.compile(String.raw`(?:<\|?(?:system|im_start)\|?>|\[(?:system|INST)\]|###\s*(?:system|instruction)|\bsystem prompt\b)`, CI) },
  { name: 'addresses-agent', weight: 1, re: RE2JS.compile(String.raw`\b(?:dear |attention,? |note to (?:the )?)?(?:ai|assistant|agent|chatbot|llm|language model)\b\s*[,:!]`, CI) },
  { name: 'conceal-from-user', weight: 2, re: RE2JS.compile(String.raw`\b(?:do not|don't|never)\s+(?:tell|inform|mention|reveal|show)\b[^.\n]{0,30}\b(?:user|human|anyone)\b`, CI) },
  { name: 'exfiltrate', weight: 1, re: RE2JS.compile(String.raw`\b(?:send|forward|email|e-mail|post|upload|transfer|wire)\b[^.\n]{0,60}\b(?:to|at)\b\s+\S+@\S+|\b(?:send|forward|upload|post)\b[^.\n]{0,60}\bhttps?://`, CI) },
  { name: 'imperative-tool-use', weight: 1, re: RE2JS.compile(String.raw`\b(?:call|invoke|use|run|execute)\s+(?:the\s+)?(?:tool|function|command)\b`, CI) },
];

const FLAG_AT = 2;

/**
 * Screens a tool description or tool output for instructions aimed at the agent. Deterministic and linear-time.
 * The finding is a fact: the trajectory module records it; rules read it (args: has_instructions, session.tainted).
 */
export function screenForInstructions(text: string): InstructionFinding {
  let score = 0;
  const signals: string[] = [];
  for (const s of SIGNALS) {
    if (s.re.test(text)) {
      score += s.weight;
      signals.push(s.name);
    }
  }
  return { flagged: score >= FLAG_AT, score, signals };
}
