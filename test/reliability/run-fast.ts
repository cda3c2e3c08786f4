// The fast profile of the fault run, for CI: `npm run test:faults` (500 payments, about 3 minutes).
import { main } from './cli';
import { PROFILES } from './fault-run';

void main(PROFILES.fast, 'npm run test:faults --');
