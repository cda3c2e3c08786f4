// How a bad variable is reported at start-up: one line naming it, echoing what was given (secrets
// masked) and saying what it accepts.
import type { ValidationError } from 'class-validator';
import { printableUrl } from '../common/printable-url';
import { SECRET_VARIABLES } from './environment-variables';

/** The value as a message may show it: secrets by length only, API keys and URL passwords hidden. */
export function shownValue(name: string, raw: string): string {
  if ((SECRET_VARIABLES as readonly string[]).includes(name)) return `<hidden, ${raw.length} characters>`;
  if (name === 'API_KEYS') return JSON.stringify(maskApiKeys(raw));
  return JSON.stringify(printableUrl(raw));
}

/** `admin:k1,staf:k2` → `admin:***,***:***`: a known role is shown, anything that might be a key is not. */
function maskApiKeys(raw: string): string {
  return raw
    .split(',')
    .map((part) => {
      const sep = part.indexOf(':');
      const role = sep < 0 ? '' : part.slice(0, sep).trim();
      return role === 'admin' || role === 'staff' ? `${role}:***` : '***';
    })
    .join(',');
}


export function problemLine(name: string, raw: string | undefined, accepted: string): string {
  return raw === undefined ? `${name} is not set: ${accepted}` : `${name}=${shownValue(name, raw)}: ${accepted}`;
}

/**
 * One line per variable, however many of its rules failed: "not set" problems say what requires
 * it, the others what the variable accepts.
 */
export function describeValidationErrors(errors: ValidationError[], given: Record<string, string>): string[] {
  return errors.map((error) => {
    const raw = given[error.property];
    const constraints = error.constraints ?? {};
    const message =
      raw === undefined && constraints.isDefined !== undefined
        ? constraints.isDefined
        : (Object.entries(constraints).find(([rule]) => rule !== 'isDefined')?.[1] ?? 'not accepted');
    return problemLine(error.property, raw, message);
  });
}
