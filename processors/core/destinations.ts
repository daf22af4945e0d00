// extractDestinations(text): the places a piece of content could send data to — e-mail addresses, URLs and bare
// web hosts, IBAN-shaped account numbers. The SDK runs it over tool outputs to fill ToolCallResult.destinationsSeen,
// and the evaluator runs it over injected text. Linear-time RE2 patterns; pure; no checksum on IBANs on purpose:
// an attacker's account need not be valid to be a destination worth remembering.

import { RE2JS } from 're2js';

const EMAIL = RE2JS.compile(String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`);
// A URL with a scheme may have any host (link shorteners use short country TLDs); a bare host needs a common TLD,
// so file names such as report.docx are not taken for hosts.
const URL = RE2JS.compile(String.raw`(?:https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}|(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|io|dev|app|info|biz|co|uk|de|fr|ch|eu|ai|xyz|me))(?:/[A-Za-z0-9._~%/?#=&+-]*)?`);
const IBAN = RE2JS.compile(String.raw`\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b`);

function all(re: RE2JS, text: string, out: string[]): void {
  const m = re.matcher(text);
  while (m.find()) out.push(m.group(0) as string);
}

/** Distinct destinations in order of first appearance. URL matches inside an e-mail address are dropped. */
export function extractDestinations(text: string): string[] {
  const emails: string[] = [];
  all(EMAIL, text, emails);
  const withoutEmails = emails.reduce((t, e) => t.split(e).join(' '), text);
  const found = [...emails];
  all(URL, withoutEmails, found);
  all(IBAN, text, found);
  return [...new Set(found.map((d) => d.replace(/[.,;:]+$/, '')))];
}
