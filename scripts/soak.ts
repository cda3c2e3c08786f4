// The soak: the fault run at length (`npm run soak`: 2000 payments, three cycles of worker kills and
// Redis and Postgres restarts). Options as for the fast profile, e.g. `npm run soak -- --payments 5000`.
import { main } from '../test/reliability/cli';
import { PROFILES } from '../test/reliability/fault-run';

void main(PROFILES.soak, 'npm run soak --');
