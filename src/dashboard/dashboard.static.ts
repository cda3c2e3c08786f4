// Serves the payments dashboard (one page, one script, one stylesheet) at /dashboard. The page is
// public: it holds no data, and every call it makes carries the key typed into it.
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';

/** Next to this file: in src/ when run from source, in dist/src/ after `npm run build` copied it. */
export const DASHBOARD_ASSETS_DIR = join(__dirname, 'public');

// Small files: always revalidated (ETag), so a deploy is seen at once.
const NO_CACHE = { 'Cache-Control': 'no-cache' };

export function serveDashboard(app: NestExpressApplication): void {
  // Browsers ask for /favicon.ico on every page; "no icon" answered once and cached for a day keeps
  // that from being a 404 in the console and the access log on each visit.
  app.getHttpAdapter().getInstance().get('/favicon.ico', (_request: Request, response: Response) => {
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.status(204).end();
  });
  // A person who opens the service's address lands on the dashboard, not on a 404.
  app.getHttpAdapter().getInstance().get('/', (_request: Request, response: Response) => {
    response.redirect(302, '/dashboard');
  });
  // The page itself at /dashboard, with or without the trailing slash; static serving alone
  // would answer only /dashboard/.
  app.getHttpAdapter().getInstance().get('/dashboard', (_request: Request, response: Response) => {
    response.sendFile('index.html', { root: DASHBOARD_ASSETS_DIR, headers: NO_CACHE });
  });
  app.useStaticAssets(DASHBOARD_ASSETS_DIR, {
    prefix: '/dashboard',
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    setHeaders: (response) => response.setHeader('Cache-Control', NO_CACHE['Cache-Control']),
  });
}
