// Command-line options shared by the fast fault run and the soak: --payments, --rate, --expiry,
// --cycles, --down, --seed override the profile's values.
import { formatReport, Profile, runFaults } from './fault-run';

export function profileFromArgs(base: Profile, argv: string[]): Profile {
  const profile = { ...base };
  const numeric: Record<string, keyof Profile> = { payments: 'payments', rate: 'ratePerS', expiry: 'expiryS', cycles: 'cycles', down: 'downS', seed: 'seed' };
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    const field = match ? numeric[match[1]] : undefined;
    if (!match || !field) throw new Error(`unknown option ${argv[i]} (known: ${Object.keys(numeric).map((k) => `--${k}`).join(' ')})`);
    const value = Number(match[2] ?? argv[++i]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${match[1]} needs a positive number`);
    (profile[field] as number) = value;
  }
  return profile;
}

/** Runs the profile, prints the report, and exits 0 only when every mismatch count is 0. */
export async function main(base: Profile, command: string): Promise<void> {
  const profile = profileFromArgs(base, process.argv.slice(2));
  try {
    const report = await runFaults(profile, { command: [command, ...process.argv.slice(2)].join(' ') });
    console.log(formatReport(report));
    console.log(report.totalMismatches === 0 ? 'FAULT RUN PASSED: 0 mismatches' : `FAULT RUN FAILED: ${report.totalMismatches} mismatches`);
    process.exit(report.totalMismatches === 0 ? 0 : 1);
  } catch (error) {
    console.error('FAULT RUN FAILED:', error instanceof Error ? error.stack : error);
    process.exit(1);
  }
}
