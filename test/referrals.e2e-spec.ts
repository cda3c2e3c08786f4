import { randomUUID } from 'node:crypto';
import { api } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe('Referrals API (real Postgres, migrations applied)', () => {
  let t: TestApp;
  let http: ReturnType<typeof api>;

  beforeAll(async () => {
    // Automatic STK pushes belong to the payment work; here only the workflow is under test.
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', REFERRAL_FEE_KES: '1500' } });
    http = api(t);
  });
  afterAll(() => t.close());

  async function createReferral(body: object = { patientName: 'Amina Wanjiru' }) {
    const res = await http.post('/api/referrals', body);
    expect(res.status).toBe(201);
    return res.body as { id: string; status: string };
  }

  async function moveTo(id: string, status: string, role: 'admin' | 'staff' = 'staff', extra: object = {}) {
    return http.patch(`/api/referrals/${id}/status`, { status, ...extra }, role);
  }

  describe('POST /api/referrals', () => {
    it('creates a pending-admin referral with the default fee and a normalised phone', async () => {
      const res = await http.post('/api/referrals', {
        patientName: '  Amina Wanjiru ',
        patientPhone: '+254 712-345-678',
        referringFacility: 'Kisumu County Hospital',
        receivingFacility: 'Kenyatta National Hospital',
        reason: 'Cardiology review',
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        patientName: 'Amina Wanjiru',
        patientPhone: '254712345678',
        referringFacility: 'Kisumu County Hospital',
        receivingFacility: 'Kenyatta National Hospital',
        reason: 'Cardiology review',
        amount: 1500,
        status: 'pending-admin',
        stkPhoneNumber: null,
        stkSentCount: 0,
        paidAt: null,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
      const stored = await t.dataSource.query('SELECT patient_phone, amount, status FROM referrals WHERE id = $1', [res.body.id]);
      expect(stored).toEqual([{ patient_phone: '254712345678', amount: 1500, status: 'pending-admin' }]);
      const history = await t.dataSource.query('SELECT from_status, to_status, source, actor_role FROM referral_status_changes WHERE referral_id = $1', [res.body.id]);
      expect(history).toEqual([{ from_status: null, to_status: 'pending-admin', source: 'api', actor_role: 'staff' }]);
    });

    it.each([
      ['0712345678', '254712345678'],
      ['712345678', '254712345678'],
      ['0112345678', '254112345678'],
      ['254112345678', '254112345678'],
      ['+254712345678', '254712345678'],
    ])('normalises phone %s to %s', async (input, expected) => {
      const res = await http.post('/api/referrals', { patientName: 'P', patientPhone: input });
      expect(res.status).toBe(201);
      expect(res.body.patientPhone).toBe(expected);
    });

    it.each([
      [{}, 'patientName'],
      [{ patientName: '' }, 'patientName'],
      [{ patientName: 42 }, 'patientName'],
      [{ patientName: 'P', patientPhone: '0812345678' }, 'patientPhone'],
      [{ patientName: 'P', patientPhone: '+1 555 0100' }, 'patientPhone'],
      [{ patientName: 'P', amount: 10.5 }, 'amount'],
      [{ patientName: 'P', amount: 0 }, 'amount'],
      [{ patientName: 'P', amount: 250001 }, 'amount'],
      [{ patientName: 'P', amount: '1000' }, 'amount'],
      [{ patientName: 'P', status: 'paid' }, 'status'],
      [{ patientName: 'P', isAdmin: true }, 'isAdmin'],
    ])('refuses %j with 400 naming %s, and stores nothing', async (body, field) => {
      const before = await t.dataSource.query('SELECT count(*)::int AS n FROM referrals');
      const res = await http.post('/api/referrals', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.statusCode).toBe(400);
      expect(res.body.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(res.body.message).toContain(field);
      const after = await t.dataSource.query('SELECT count(*)::int AS n FROM referrals');
      expect(after).toEqual(before);
    });

    it('refuses a body that is not JSON with 400', async () => {
      const res = await http.raw.post('/api/referrals').set('X-API-Key', 'test-staff-key').set('Content-Type', 'application/json').send('{"patientName": ');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('authentication and roles', () => {
    it('answers 401 without a key and with an unknown key, in the contract shape', async () => {
      const none = await http.raw.get('/api/referrals');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', message: expect.any(String) });
      const wrong = await http.raw.get('/api/referrals').set('X-API-Key', 'not-a-key');
      expect(wrong.status).toBe(401);
      const wrongBearer = await http.raw.get('/api/referrals').set('Authorization', 'Bearer not-a-key');
      expect(wrongBearer.status).toBe(401);
    });

    it('accepts Authorization: Bearer as well as X-API-Key', async () => {
      const res = await http.raw.get('/api/referrals').set('Authorization', 'Bearer test-staff-key');
      expect(res.status).toBe(200);
    });

    it('answers 403 when staff makes an admin-only move, and changes nothing', async () => {
      const referral = await createReferral();
      const res = await moveTo(referral.id, 'awaiting-biodata', 'staff');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      const rejected = await moveTo(referral.id, 'rejected', 'staff');
      expect(rejected.status).toBe(403);
      expect((await http.get(`/api/referrals/${referral.id}`)).body.status).toBe('pending-admin');
    });

    it('lets admin do everything staff can', async () => {
      const res = await http.post('/api/referrals', { patientName: 'By admin' }, 'admin');
      expect(res.status).toBe(201);
      expect((await http.get(`/api/referrals/${res.body.id}`, 'admin')).status).toBe(200);
    });
  });

  describe('GET /api/referrals/:id', () => {
    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const missing = await http.get(`/api/referrals/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('NOT_FOUND');
      const malformed = await http.get('/api/referrals/not-a-uuid');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('PATCH /api/referrals/:id/status', () => {
    it('walks the workflow to pending-payment and records every change', async () => {
      const referral = await createReferral();
      expect((await moveTo(referral.id, 'awaiting-biodata', 'admin', { reason: 'approved by Dr. Otieno' })).status).toBe(200);
      const res = await moveTo(referral.id, 'pending-payment', 'staff', { stkPhoneNumber: '0708374149' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'pending-payment', stkPhoneNumber: '254708374149' });
      const history = await t.dataSource.query(
        'SELECT from_status, to_status, actor_role, reason FROM referral_status_changes WHERE referral_id = $1 ORDER BY at, to_status',
        [referral.id],
      );
      expect(history).toEqual([
        { from_status: null, to_status: 'pending-admin', actor_role: 'staff', reason: null },
        { from_status: 'pending-admin', to_status: 'awaiting-biodata', actor_role: 'admin', reason: 'approved by Dr. Otieno' },
        { from_status: 'awaiting-biodata', to_status: 'pending-payment', actor_role: 'staff', reason: null },
      ]);
    });

    it('needs an stkPhoneNumber to enter pending-payment, unless the referral has one', async () => {
      const referral = await createReferral();
      await moveTo(referral.id, 'awaiting-biodata', 'admin');
      const res = await moveTo(referral.id, 'pending-payment');
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual([{ field: 'stkPhoneNumber', messages: [expect.any(String)] }]);
      expect((await http.get(`/api/referrals/${referral.id}`)).body.status).toBe('awaiting-biodata');
      const bad = await moveTo(referral.id, 'pending-payment', 'staff', { stkPhoneNumber: '12345' });
      expect(bad.status).toBe(400);
      expect(bad.body.fields[0].field).toBe('stkPhoneNumber');
    });

    it('refuses an stkPhoneNumber on any other move', async () => {
      const referral = await createReferral();
      const res = await moveTo(referral.id, 'cancelled', 'staff', { stkPhoneNumber: '0712345678' });
      expect(res.status).toBe(400);
      expect((await http.get(`/api/referrals/${referral.id}`)).body.status).toBe('pending-admin');
    });

    it.each([
      ['pending-admin', 'pending-payment'],
      ['pending-admin', 'paid'],
      ['pending-admin', 'confirmed'],
      ['pending-admin', 'pending-admin'],
    ])('answers 409 INVALID_TRANSITION for %s -> %s', async (_from, to) => {
      const referral = await createReferral();
      const res = await moveTo(referral.id, to, 'admin', to === 'pending-payment' ? { stkPhoneNumber: '0712345678' } : {});
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, code: 'INVALID_TRANSITION' });
      expect((await http.get(`/api/referrals/${referral.id}`)).body.status).toBe('pending-admin');
    });

    it('never lets anyone set paid by hand', async () => {
      const referral = await createReferral();
      await moveTo(referral.id, 'awaiting-biodata', 'admin');
      await moveTo(referral.id, 'pending-payment', 'staff', { stkPhoneNumber: '0712345678' });
      const res = await moveTo(referral.id, 'paid', 'admin');
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('INVALID_TRANSITION');
    });

    it('treats final states as final', async () => {
      const referral = await createReferral();
      expect((await moveTo(referral.id, 'cancelled')).status).toBe(200);
      expect((await moveTo(referral.id, 'pending-admin', 'admin')).status).toBe(409);
      expect((await moveTo(referral.id, 'awaiting-biodata', 'admin')).status).toBe(409);
    });

    it('answers 404 for an unknown referral and 400 for an unknown status or field', async () => {
      expect((await moveTo(randomUUID(), 'cancelled')).status).toBe(404);
      const referral = await createReferral();
      const unknownStatus = await moveTo(referral.id, 'archived');
      expect(unknownStatus.status).toBe(400);
      expect(unknownStatus.body.fields[0].field).toBe('status');
      const unknownField = await http.patch(`/api/referrals/${referral.id}/status`, { status: 'cancelled', paidAt: 'now' });
      expect(unknownField.status).toBe(400);
      expect((await http.get(`/api/referrals/${referral.id}`)).body.status).toBe('pending-admin');
    });
  });

  describe('GET /api/referrals (cursor pagination)', () => {
    it('pages newest first across several pages without gaps or repeats', async () => {
      const created: string[] = [];
      for (let i = 0; i < 7; i++) created.push((await createReferral({ patientName: `Paging ${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await http.get(`/api/referrals?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.items.map((r: { id: string }) => r.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBeGreaterThan(2);
      expect(new Set(seen).size).toBe(seen.length);
      const ours = seen.filter((id) => created.includes(id));
      expect(ours).toEqual([...created].reverse());
    });

    it('filters by status', async () => {
      const referral = await createReferral();
      await moveTo(referral.id, 'rejected', 'admin');
      const res = await http.get('/api/referrals?status=rejected&limit=200');
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(res.body.items.every((r: { status: string }) => r.status === 'rejected')).toBe(true);
      expect(res.body.items.map((r: { id: string }) => r.id)).toContain(referral.id);
    });

    it.each(['limit=0', 'limit=201', 'limit=abc', 'cursor=%%%', 'cursor=bm9wZQ', 'status=archived', 'extra=1'])(
      'answers 400 for ?%s',
      async (query) => {
        const res = await http.get(`/api/referrals?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      },
    );

    it('answers a list with the default limit of 50', async () => {
      for (let i = 0; i < 3; i++) await createReferral({ patientName: `Default limit ${i}` });
      const res = await http.get('/api/referrals');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      expect(res.body.items.length).toBeGreaterThanOrEqual(3);
      expect(res.body.items.length).toBeLessThanOrEqual(50);
      const total = (await t.dataSource.query('SELECT count(*)::int AS n FROM referrals'))[0].n;
      expect(res.body.nextCursor === null).toBe(total <= 50);
    });
  });

  describe('unexpected errors and unknown routes', () => {
    it('answers 404 in the contract shape for an unknown route', async () => {
      const res = await http.get('/api/nowhere');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it('answers a generic 500 with a request id when something unexpected breaks', async () => {
      await t.dataSource.query('ALTER TABLE referrals RENAME TO referrals_away');
      try {
        const res = await http.get('/api/referrals');
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error', requestId: expect.any(String) });
        expect(res.headers['x-request-id']).toBe(res.body.requestId);
        expect(JSON.stringify(res.body)).not.toContain('referrals');
      } finally {
        await t.dataSource.query('ALTER TABLE referrals_away RENAME TO referrals');
      }
    });

    it('refuses bodies over the size limit with 413', async () => {
      const res = await http.post('/api/referrals', { patientName: 'x', reason: 'y'.repeat(200_000) });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });
});
