/**
 * The SECRET rule table: provider keys and tokens, private-key blocks, JWTs, and generic
 * `key = "value"` assignments. Each rule is a regex over the text; `group` names the capture that
 * is the secret (0 = the whole match); `minEntropy` is the Shannon entropy (bits per character)
 * the secret must reach, so placeholders such as `sk_live_xxxxxxxxxxxxxxxxxxxx` are not flagged.
 * The prefixes follow the providers' documented formats (the same ones gitleaks and secretlint's
 * preset match); the table is listed in the README.
 */
export interface SecretRule {
  id: string;
  re: RegExp;
  group: number;
  minEntropy: number;
}

export const SECRET_RULES: readonly SecretRule[] = [
  { id: 'private-key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g, group: 0, minEntropy: 0 },
  { id: 'aws-access-key-id', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, group: 0, minEntropy: 3 },
  {
    id: 'aws-secret-access-key',
    re: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
    minEntropy: 4,
  },
  { id: 'github-token', re: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g, group: 0, minEntropy: 3.5 },
  { id: 'github-fine-grained-pat', re: /\bgithub_pat_[A-Za-z0-9_]{82}\b/g, group: 0, minEntropy: 3.5 },
  { id: 'gitlab-token', re: /\bglpat-[A-Za-z0-9_-]{20}\b/g, group: 0, minEntropy: 3 },
  { id: 'slack-token', re: /\bxox[abposr]-(?:[0-9]+-){1,3}[A-Za-z0-9-]{8,}\b/g, group: 0, minEntropy: 3 },
  { id: 'slack-webhook', re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/g, group: 0, minEntropy: 3 },
  { id: 'stripe-key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{20,99}\b/g, group: 0, minEntropy: 3.5 },
  { id: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, group: 0, minEntropy: 3.5 },
  { id: 'openai-key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/g, group: 0, minEntropy: 3.5 },
  { id: 'openai-key-legacy', re: /\bsk-[A-Za-z0-9]{48}\b/g, group: 0, minEntropy: 4 },
  { id: 'anthropic-key', re: /\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])/g, group: 0, minEntropy: 3.5 },
  { id: 'huggingface-token', re: /\bhf_[A-Za-z]{34}\b/g, group: 0, minEntropy: 3.5 },
  { id: 'npm-token', re: /\bnpm_[A-Za-z0-9]{36}\b/g, group: 0, minEntropy: 3.5 },
  { id: 'sendgrid-key', re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, group: 0, minEntropy: 3.5 },
  { id: 'twilio-api-key', re: /\bSK[0-9a-f]{32}\b/g, group: 0, minEntropy: 3 },
  { id: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g, group: 0, minEntropy: 3.5 },
  {
    id: 'generic-assignment',
    re: /\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?token|password|passwd|bearer)["']?\s*(?:[:=]|=>)\s*["']([A-Za-z0-9_\-+/=.~!@#$%^&*]{16,128})["']/gi,
    group: 1,
    minEntropy: 3.5,
  },
  { id: 'bearer-header', re: /\bAuthorization:\s*Bearer\s+([A-Za-z0-9_\-.=+/]{20,})/g, group: 1, minEntropy: 3.5 },
];

/** Shannon entropy of `s` in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  const n = s.length;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Documentation values and placeholders: never a real secret. */
const PLACEHOLDER = /example|sample|dummy|placeholder|your[_-]?(?:api|secret|token|key)|x{6,}|\*{4,}|<[^>]*>|\$\{|\{\{|redacted|changeme|0{8,}|1234567890/i;

export function isPlaceholderSecret(s: string): boolean {
  return PLACEHOLDER.test(s);
}
