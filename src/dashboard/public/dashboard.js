// The payments dashboard: stats, a chart of the last 30 days (or 48 hours), pending payments, the
// money to review (receipts an admin attaches or dismisses) and a referral's timeline, kept current
// by the live event stream. No framework, no chart library: the
// chart is a few SVG rectangles and a path. Every value from the API is written with textContent.
(function () {
  'use strict';

  var KEY_STORAGE = 'referral-payments.dashboard.apiKey';
  var DEFAULT_RETRY_MS = 3000;
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    key: null,
    pending: [],
    pendingCursor: null,
    referralId: null,
    stream: null,
    retryMs: DEFAULT_RETRY_MS,
    statsTimer: null,
    timelineTimer: null,
    // The chart: 'day' (30 points) or 'hour' (48 points), the endpoint's defaults.
    interval: 'day',
    series: null,
    // referralId → patientName (null while asked, false if it could not be read). A referral's
    // patientName is set when it is created and never changes, so one read per referral is enough.
    patients: {},
    // name → how many loads of it have started (see latest).
    loads: {},
  };

  /**
   * Loads overlap: a live event's reload and a form's run side by side, and their answers may come
   * back in either order. Only the load started last may draw, so an answer read before a change
   * (a receipt dismissed, say) cannot bring back on screen what the change removed.
   */
  function latest(name, request, draw) {
    var mine = state.loads[name] = (state.loads[name] || 0) + 1;
    return request().then(function (answer) {
      if (state.loads[name] === mine) return draw(answer);
    });
  }

  // ---- the key: sessionStorage only, checked before it is kept ----

  function readKey() {
    try { return window.sessionStorage.getItem(KEY_STORAGE); } catch (e) { return null; }
  }
  function keepKey(key) {
    try { window.sessionStorage.setItem(KEY_STORAGE, key); } catch (e) { /* private mode: this page only */ }
  }
  function forgetKey() {
    try { window.sessionStorage.removeItem(KEY_STORAGE); } catch (e) { /* nothing kept */ }
    state.key = null;
  }

  function AuthError(status, message) {
    this.status = status;
    this.message = message;
  }

  function refusalText(error) {
    if (error.status === 403) {
      return 'This key is not an admin key (403 Forbidden): the dashboard needs the admin role. Enter an admin key.';
    }
    return 'This key was refused (401 Unauthorized): it is not a known API key. Check it and try again.';
  }

  function askForKey(message) {
    stopStream();
    forgetKey();
    clearData();
    $('dashboard').hidden = true;
    $('change-key').hidden = true;
    $('key-panel').hidden = false;
    setLive('off', 'Not connected');
    var error = $('key-error');
    error.textContent = message || '';
    error.hidden = !message;
    var input = $('key-input');
    input.value = '';
    input.focus();
  }

  // ---- HTTP ----

  /** Any answer's body, or the refusal it carries: AuthError for 401/403, an Error with status and code otherwise. */
  function readAnswer(response) {
    return response.text().then(function (text) {
      var body = null;
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
      if (response.status === 401 || response.status === 403) {
        throw new AuthError(response.status, body && body.message);
      }
      if (!response.ok) {
        var failure = new Error((body && body.message) || 'HTTP ' + response.status);
        failure.status = response.status;
        failure.code = body && body.code;
        throw failure;
      }
      return body;
    });
  }

  function api(path) {
    return fetch(path, { headers: { 'X-API-Key': state.key, Accept: 'application/json' }, cache: 'no-store' }).then(readAnswer);
  }

  /** A change (POST with a JSON body): the error's code and message are what the row shows. */
  function send(path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'X-API-Key': state.key, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    }).then(readAnswer);
  }

  function handleFailure(error) {
    if (error instanceof AuthError) askForKey(refusalText(error));
    else console.error(error);
  }

  // ---- formatting ----

  function kes(amount) {
    return 'KES ' + Number(amount || 0).toLocaleString('en-US', { maximumFractionDigits: 0 });
  }
  function percent(rate) {
    return (Math.round(Number(rate || 0) * 1000) / 10).toFixed(1) + '%';
  }
  function when(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }
  function age(iso) {
    var seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 60) return seconds + ' s ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    return Math.floor(seconds / 86400) + ' d ago';
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function badge(status) {
    return el('span', 'badge ' + status, status);
  }

  // ---- stats ----

  function loadStats() {
    return latest('stats', function () { return api('/api/payments/stats'); }, function (stats) {
      $('stat-total').textContent = stats.total;
      $('stat-pending').textContent = stats.pending;
      $('stat-completed').textContent = stats.completed;
      $('stat-failed').textContent = stats.failed;
      $('stat-amount').textContent = kes(stats.totalAmount);
      $('stat-rate').textContent = percent(stats.successRate);
      $('stat-review').textContent = kes(stats.reviewAmount);
      $('stat-refund-due').textContent = kes(stats.refundDueAmount);
      $('stat-refunded').textContent = kes(stats.refundedAmount);
      $('stats-updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    });
  }

  function scheduleStats() {
    // A burst of changes (a push accepted, then its callback) costs one reload.
    clearTimeout(state.statsTimer);
    state.statsTimer = setTimeout(function () { Promise.all([loadStats(), loadSeries(), loadReceipts()]).catch(handleFailure); }, 250);
  }

  // ---- the chart ----

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  function svg(tag, attributes, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  /** The smallest of 1, 2, 2.5, 5 × 10^k at or above the value: round gridlines. */
  function niceMax(value) {
    if (!(value > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * magnitude >= value) return steps[i] * magnitude;
    return 10 * magnitude;
  }
  function compact(n) {
    var trim = function (x) { return String(Math.round(x * 10) / 10); };
    if (n >= 1e6) return trim(n / 1e6) + 'M';
    if (n >= 1e3) return trim(n / 1e3) + 'k';
    return trim(n);
  }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  /** Points are UTC hours and days, and are labelled in UTC so that a label names its point exactly. */
  function dayLabel(at) { var d = new Date(at); return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate(); }
  function pointLabel(at, interval) {
    var d = new Date(at);
    return interval === 'day' ? dayLabel(at) : dayLabel(at) + ' ' + two(d.getUTCHours()) + ':00';
  }
  function rateOf(completed, failed) {
    return completed + failed === 0 ? null : completed / (completed + failed);
  }

  function loadSeries() {
    var interval = state.interval;
    return api('/api/payments/stats/series?interval=' + interval).then(function (points) {
      if (interval !== state.interval) return; // the other period was asked for meanwhile
      state.series = points;
      renderChart();
    });
  }

  function chooseInterval(interval) {
    state.interval = interval;
    ['chart-days', 'chart-hours'].forEach(function (id) {
      $(id).setAttribute('aria-pressed', String($(id).dataset.interval === interval));
    });
    $('chart-period').textContent = interval === 'day'
      ? 'per day (UTC), by when the payment was started'
      : 'per hour (UTC), by when the payment was started';
    return loadSeries();
  }

  function renderChart() {
    var box = $('chart');
    var points = state.series || [];
    var interval = state.interval;
    box.textContent = '';
    box.dataset.interval = interval;
    var sum = function (key) { return points.reduce(function (n, p) { return n + p[key]; }, 0); };
    var collected = sum('totalAmount');
    var completed = sum('completed');
    var failed = sum('failed');
    var rate = rateOf(completed, failed);
    $('chart-collected').textContent = kes(collected);
    $('chart-completed').textContent = completed;
    $('chart-failed').textContent = failed;
    $('chart-rate').textContent = rate === null ? '–' : percent(rate);
    $('chart-rate').title = rate === null ? 'No payment settled in this period' : '';
    if (points.length === 0) return;

    var width = Math.max(300, box.clientWidth || 600);
    var left = 52;
    var right = 40;
    var top = 10;
    var amountHeight = 150;
    var gap = 28;
    var countHeight = 90;
    var countTop = top + amountHeight + gap;
    var height = countTop + countHeight + 24;
    var plot = width - left - right;
    var slot = plot / points.length;
    var barWidth = Math.max(1, Math.min(28, slot * 0.7));
    var maxAmount = niceMax(Math.max.apply(null, points.map(function (p) { return p.totalAmount; })));
    var maxCount = niceMax(Math.max.apply(null, points.map(function (p) { return p.completed + p.failed; })));
    var period = interval === 'day' ? 'the last ' + points.length + ' days' : 'the last ' + points.length + ' hours';

    var chart = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
    chart.setAttribute('aria-label', kes(collected) + ' collected, ' + completed + ' completed and ' + failed + ' failed over ' + period);

    // Gridlines and their labels: KES on the upper chart, payments (left) and success rate (right) below.
    [0, 0.5, 1].forEach(function (f) {
      var y = top + amountHeight - f * amountHeight;
      chart.appendChild(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y, y2: y }));
      chart.appendChild(svg('text', { class: 'axis', x: left - 6, y: y + 4, 'text-anchor': 'end' }, f === 0 ? 'KES 0' : compact(f * maxAmount)));
    });
    [0, 1].forEach(function (f) {
      var y = countTop + countHeight - f * countHeight;
      chart.appendChild(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y, y2: y }));
      chart.appendChild(svg('text', { class: 'axis', x: left - 6, y: y + 4, 'text-anchor': 'end' }, f * maxCount));
      chart.appendChild(svg('text', { class: 'axis rate', x: width - right + 6, y: y + 4 }, f === 0 ? '0%' : '100%'));
    });

    var labelEvery = Math.max(1, Math.ceil(points.length / Math.max(1, Math.floor(plot / 64))));
    if (interval === 'hour') labelEvery = Math.max(labelEvery, 6);
    var ratePath = '';
    var joined = false;
    points.forEach(function (p, i) {
      var x = left + i * slot + (slot - barWidth) / 2;
      var group = svg('g', { class: 'point', 'data-at': p.at });
      var settledRate = rateOf(p.completed, p.failed);
      group.appendChild(svg('title', {}, pointLabel(p.at, interval) + ' UTC: ' + kes(p.totalAmount) + ' collected · ' + p.completed +
        ' completed · ' + p.failed + ' failed' + (p.pending ? ' · ' + p.pending + ' pending' : '') +
        (settledRate === null ? '' : ' · ' + percent(settledRate) + ' success')));
      // The whole slot takes the pointer, so a zero is as easy to read as a tall bar.
      group.appendChild(svg('rect', { class: 'slot', x: left + i * slot, y: top, width: slot, height: countTop + countHeight - top }));
      var amountBar = p.totalAmount / maxAmount * amountHeight;
      group.appendChild(svg('rect', { class: 'bar amount', 'data-value': p.totalAmount, x: x, y: top + amountHeight - amountBar, width: barWidth, height: amountBar }));
      var completedBar = p.completed / maxCount * countHeight;
      var failedBar = p.failed / maxCount * countHeight;
      group.appendChild(svg('rect', { class: 'bar completed', 'data-value': p.completed, x: x, y: countTop + countHeight - completedBar, width: barWidth, height: completedBar }));
      group.appendChild(svg('rect', { class: 'bar failed', 'data-value': p.failed, x: x, y: countTop + countHeight - completedBar - failedBar, width: barWidth, height: failedBar }));
      chart.appendChild(group);

      var centre = left + i * slot + slot / 2;
      if (settledRate !== null) {
        var y = countTop + countHeight - settledRate * countHeight;
        ratePath += (joined ? ' L' : ' M') + centre.toFixed(1) + ' ' + y.toFixed(1);
        joined = true;
        chart.appendChild(svg('circle', { class: 'rate-dot', cx: centre, cy: y, r: 2.5, 'data-rate': Math.round(settledRate * 10000) / 10000 }));
      } else {
        joined = false; // no settled payment: a gap, not a drop to 0%
      }
      var d = new Date(p.at);
      var labelled = interval === 'day' ? (points.length - 1 - i) % labelEvery === 0 : d.getUTCHours() % labelEvery === 0;
      if (labelled) {
        var text = interval === 'day' ? dayLabel(p.at) : d.getUTCHours() === 0 ? dayLabel(p.at) : two(d.getUTCHours()) + ':00';
        chart.appendChild(svg('text', { class: 'axis', x: centre, y: height - 6, 'text-anchor': 'middle' }, text));
      }
    });
    if (ratePath) chart.appendChild(svg('path', { class: 'rate-line', d: ratePath.trim() }));
    box.appendChild(chart);
  }

  // ---- pending payments ----

  function loadPending(more) {
    var path = '/api/payments/pending?limit=50' + (more && state.pendingCursor ? '&cursor=' + encodeURIComponent(state.pendingCursor) : '');
    return api(path).then(function (page) {
      state.pending = more ? state.pending.concat(page.items) : page.items;
      state.pendingCursor = page.nextCursor;
      renderPending();
      return askPatients();
    });
  }

  /**
   * A payment names its referral, not the patient: the names are read from GET /api/referrals/:id,
   * once per referral (at most one request per pending row, in parallel; none for a row already known).
   */
  function askPatients() {
    var missing = [];
    state.pending.forEach(function (p) {
      if (!(p.referralId in state.patients) && missing.indexOf(p.referralId) < 0) missing.push(p.referralId);
    });
    if (missing.length === 0) return Promise.resolve();
    missing.forEach(function (id) { state.patients[id] = null; });
    var asked = state.patients;
    return Promise.all(missing.map(function (id) {
      return api('/api/referrals/' + encodeURIComponent(id)).then(function (referral) {
        asked[id] = referral.patientName;
      }, function (error) {
        if (error instanceof AuthError) throw error;
        asked[id] = false;
      });
    })).then(function () {
      if (asked === state.patients) renderPending(); // not after a sign-out
    });
  }

  function renderPending() {
    var list = $('pending-list');
    list.textContent = '';
    state.pending.forEach(function (p) {
      var row = el('li', 'row');
      row.dataset.paymentId = p.id;
      var main = el('div', 'row-main');
      var patient = state.patients[p.referralId];
      var name = el('span', 'patient', patient || (patient === false ? 'Patient unknown' : 'Patient …'));
      if (!patient) name.classList.add('unknown');
      main.appendChild(name);
      main.appendChild(el('span', 'amount', kes(p.amount)));
      main.appendChild(el('span', 'phone', p.phoneNumber));
      var meta = el('div', 'row-meta');
      var referral = el('span', 'referral', 'referral ' + p.referralId.slice(0, 8));
      referral.title = p.referralId;
      meta.appendChild(referral);
      meta.appendChild(el('span', null, 'started ' + age(p.createdAt)));
      meta.appendChild(el('span', null, p.stkRequestId ? 'prompt sent' : 'prompt not sent yet'));
      meta.appendChild(el('span', null, p.attempts + (p.attempts === 1 ? ' attempt' : ' attempts')));
      var open = el('button', 'link', 'Timeline');
      open.type = 'button';
      open.setAttribute('aria-label', 'Timeline of referral ' + p.referralId + (patient ? ' (' + patient + ')' : ''));
      open.addEventListener('click', function () { showTimeline(p.referralId); });
      row.appendChild(main);
      row.appendChild(meta);
      row.appendChild(open);
      list.appendChild(row);
    });
    $('pending-empty').hidden = state.pending.length > 0;
    $('pending-more').hidden = !state.pendingCursor;
  }

  function applyToPending(p) {
    var index = state.pending.findIndex(function (x) { return x.id === p.id; });
    if (p.status === 'pending') {
      var view = Object.assign({}, p);
      if (index >= 0) state.pending[index] = view;
      else if (!state.pendingCursor) state.pending.push(view); // the newest: last, if the list is complete
    } else if (index >= 0) {
      state.pending.splice(index, 1);
    }
    renderPending();
    askPatients().catch(handleFailure);
  }

  // ---- money to review: receipts unmatched, in review or refund-due ----

  var REVIEW_STATES = ['unmatched', 'review', 'refund-due', 'refund-failed'];
  var STATE_WORDS = {
    unmatched: 'no payment could be determined',
    review: 'contradicts what the service knows',
    'refund-due': 'the referral was already paid: the patient paid twice',
    'refund-failed': 'M-Pesa refused the refund',
  };
  /** What an admin may do with a receipt in each state (refunds: review and refund-due only). */
  var ACTIONS = {
    unmatched: ['attach', 'dismiss'],
    review: ['attach', 'refund', 'dismiss'],
    'refund-due': ['refund', 'attach', 'dismiss'],
    'refund-failed': ['attach', 'dismiss'],
  };
  var ACTION_WORDS = { attach: 'Attach to payment', refund: 'Refund to the payer', dismiss: 'Dismiss' };

  function loadReceipts() {
    return latest('receipts', function () {
      return Promise.all(REVIEW_STATES.map(function (receiptState) {
        return api('/api/receipts?state=' + receiptState + '&limit=50').then(function (page) { return page.items; });
      }));
    }, function (lists) {
      var receipts = [].concat.apply([], lists).sort(function (a, b) { return a.createdAt < b.createdAt ? 1 : -1; });
      renderReceipts(receipts);
    });
  }

  function renderReceipts(receipts) {
    var list = $('receipt-list');
    // A row whose receipt is unchanged is kept as it is, so a reload (every payment change brings
    // one) never throws away a form an admin is filling in.
    var kept = {};
    Array.prototype.forEach.call(list.children, function (row) { kept[row.dataset.receipt] = row; });
    list.textContent = '';
    receipts.forEach(function (receipt) {
      var row = kept[receipt.receipt];
      var unchanged = row && row.dataset.state === receipt.state && row.dataset.updatedAt === receipt.updatedAt;
      list.appendChild(unchanged ? row : receiptRow(receipt));
    });
    $('receipt-empty').hidden = receipts.length > 0;
  }

  function receiptRow(receipt) {
    var row = el('li', 'row receipt');
    row.dataset.receipt = receipt.receipt;
    row.dataset.state = receipt.state;
    row.dataset.updatedAt = receipt.updatedAt;
    var main = el('div', 'row-main');
    main.appendChild(el('span', 'receipt-number', receipt.receipt));
    main.appendChild(el('span', 'amount', kes(receipt.amount)));
    main.appendChild(el('span', 'badge ' + (/^refund/.test(receipt.state) ? 'failed' : 'pending'), receipt.state));
    if (receipt.phoneNumber) main.appendChild(el('span', 'phone', receipt.phoneNumber));
    var meta = el('div', 'row-meta');
    meta.appendChild(el('span', 'reason', receipt.reason || STATE_WORDS[receipt.state]));
    meta.appendChild(el('span', null, 'from ' + receipt.source + ', ' + age(receipt.createdAt)));
    if (receipt.paymentId) meta.appendChild(el('span', 'receipt-payment', 'payment ' + receipt.paymentId));
    if (receipt.refund) meta.appendChild(el('span', 'receipt-refund', 'refund ' + receipt.refund.status + (receipt.refund.resultCode ? ' (' + receipt.refund.resultCode + ')' : '')));
    if (receipt.verification) meta.appendChild(el('span', 'receipt-verification', 'M-Pesa check: ' + receipt.verification.status));
    row.appendChild(main);
    row.appendChild(meta);
    // A refund already asked for is M-Pesa's to answer: nothing to do but wait.
    if (!(receipt.refund && receipt.refund.status === 'pending')) row.appendChild(resolveForm(receipt));
    return row;
  }

  /** Attach to a payment (completing it as a success callback would) or dismiss, with a reason. */
  function resolveForm(receipt) {
    var form = el('form', 'resolve inline-row');
    form.setAttribute('autocomplete', 'off');
    var action = el('select', 'resolve-action');
    action.setAttribute('aria-label', 'What to do with receipt ' + receipt.receipt);
    (ACTIONS[receipt.state] || ['dismiss']).forEach(function (name) {
      var node = el('option', null, ACTION_WORDS[name]);
      node.value = name;
      action.appendChild(node);
    });
    var paymentId = el('input', 'resolve-payment');
    paymentId.placeholder = 'payment id';
    paymentId.setAttribute('aria-label', 'Payment id');
    paymentId.spellcheck = false;
    var reason = el('input', 'resolve-reason');
    reason.placeholder = 'reason (recorded)';
    reason.setAttribute('aria-label', 'Reason');
    reason.required = true;
    var submit = el('button', null, 'Apply');
    submit.type = 'submit';
    var message = el('p', 'resolve-error error');
    message.setAttribute('role', 'alert');
    message.hidden = true;
    paymentId.hidden = action.value !== 'attach';
    action.addEventListener('change', function () { paymentId.hidden = action.value !== 'attach'; });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var path = '/api/receipts/' + encodeURIComponent(receipt.receipt) + (action.value === 'refund' ? '/refund' : '/resolve');
      var body = action.value === 'attach'
        ? { action: 'attach', paymentId: paymentId.value.trim(), reason: reason.value.trim() }
        : action.value === 'refund' ? { reason: reason.value.trim() } : { action: 'dismiss', reason: reason.value.trim() };
      submit.disabled = true;
      message.hidden = true;
      send(path, body).then(function () {
        document.activeElement.blur();
        return Promise.all([loadReceipts(), loadStats()]);
      }).catch(function (error) {
        if (error instanceof AuthError) throw error;
        message.textContent = (error.code ? error.code + ': ' : '') + error.message;
        message.hidden = false;
      }).catch(handleFailure).then(function () { submit.disabled = false; });
    });
    var box = el('div', 'resolve-box');
    form.appendChild(action);
    form.appendChild(paymentId);
    form.appendChild(reason);
    form.appendChild(submit);
    box.appendChild(form);
    box.appendChild(message);
    return box;
  }

  // ---- the latest reconciliation report ----

  var REPORT_COUNTS = ['matched', 'amountDiffers', 'missingInOurs', 'missingInMpesa', 'duplicates', 'ignored'];
  /** Lines an accountant acts on; matched, duplicate and ignored rows need nothing. */
  var LINES_TO_ACT_ON = ['amountDiffers', 'missingInOurs', 'missingInMpesa'];

  function loadReport() {
    return api('/api/reconciliation/reports?limit=1').then(function (page) {
      var latest = page.items[0];
      if (!latest) return renderReport(null);
      return api('/api/reconciliation/reports/' + latest.id).then(renderReport);
    });
  }

  function renderReport(report) {
    $('report-empty').hidden = !!report;
    $('report-counts').hidden = !report;
    var list = $('report-lines');
    list.textContent = '';
    if (!report) { $('report-meta').textContent = ''; return; }
    $('report-meta').textContent = (report.source === 'statement' ? 'statement ' + (report.fileName || '') : 'ledger sweep') +
      ' · ' + when(report.periodFrom) + ' – ' + when(report.periodTo) + ' · made ' + age(report.createdAt);
    REPORT_COUNTS.forEach(function (kind) { $('report-' + kind).textContent = report.counts[kind]; });
    report.lines.filter(function (line) { return LINES_TO_ACT_ON.indexOf(line.kind) >= 0; }).slice(0, 50).forEach(function (line) {
      var row = el('li', 'row report-line');
      row.dataset.kind = line.kind;
      var main = el('div', 'row-main');
      main.appendChild(el('span', 'badge ' + (line.kind === 'amountDiffers' ? 'failed' : 'pending'), line.kind));
      if (line.receipt) main.appendChild(el('span', 'receipt-number', line.receipt));
      var amount = line.mpesa ? line.mpesa.amount : line.ours ? line.ours.amount : null;
      if (amount !== null && amount !== undefined) main.appendChild(el('span', 'amount', kes(amount)));
      var meta = el('div', 'row-meta');
      meta.appendChild(el('span', null, line.note));
      if (line.paymentId) meta.appendChild(el('span', null, 'payment ' + line.paymentId));
      row.appendChild(main);
      row.appendChild(meta);
      list.appendChild(row);
    });
  }

  // ---- webhooks ----

  function loadWebhooks() {
    return api('/api/webhooks?limit=50').then(function (page) {
      return Promise.all(page.items.map(function (endpoint) {
        return api('/api/webhooks/' + endpoint.id + '/deliveries?status=failed&limit=3').then(function (failed) {
          return { endpoint: endpoint, failed: failed.items };
        });
      }));
    }).then(renderWebhooks);
  }

  function renderWebhooks(entries) {
    var list = $('webhook-list');
    list.textContent = '';
    entries.forEach(function (entry) {
      var endpoint = entry.endpoint;
      var row = el('li', 'row');
      row.dataset.endpointId = endpoint.id;
      var main = el('div', 'row-main');
      main.appendChild(el('span', 'url', endpoint.url));
      // Enabled shows in the colours of a completed payment, disabled in those of a failed one.
      main.appendChild(el('span', 'badge ' + (endpoint.status === 'enabled' ? 'completed' : 'failed'), endpoint.status));
      var meta = el('div', 'row-meta');
      meta.appendChild(el('span', null, endpoint.events.join(', ')));
      if (endpoint.disabledReason) meta.appendChild(el('span', null, endpoint.disabledReason));
      row.appendChild(main);
      row.appendChild(meta);
      entry.failed.forEach(function (delivery) {
        var last = delivery.attempts[delivery.attempts.length - 1];
        var line = el('div', 'row-meta failed-delivery');
        line.dataset.deliveryId = delivery.id;
        line.appendChild(el('span', null, 'failed: ' + delivery.eventType));
        if (last) line.appendChild(el('span', null, (last.error || 'HTTP ' + last.httpStatus) + ', ' + age(last.at)));
        line.appendChild(el('span', null, delivery.attempts.length + (delivery.attempts.length === 1 ? ' attempt' : ' attempts')));
        row.appendChild(line);
      });
      list.appendChild(row);
    });
    $('webhook-empty').hidden = entries.length > 0;
  }

  // ---- a referral's timeline ----

  function showTimeline(referralId) {
    $('referral-input').value = referralId;
    state.referralId = referralId;
    $('timeline-message').textContent = 'Loading…';
    return loadTimeline().then(function () {
      $('timeline-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
  }

  function loadTimeline() {
    var referralId = state.referralId;
    if (!referralId) return Promise.resolve();
    return api('/api/referrals/' + encodeURIComponent(referralId) + '/payments')
      .then(function (payments) {
        return Promise.all(payments.map(function (p) { return api('/api/payments/' + p.id); }));
      })
      .then(function (detailed) {
        if (referralId !== state.referralId) return; // another referral was asked for meanwhile
        renderTimeline(detailed);
      })
      .catch(function (error) {
        if (error instanceof AuthError) throw error;
        $('timeline').textContent = '';
        $('timeline-message').textContent = error.status === 404
          ? 'No referral has this id.'
          : 'Could not load the timeline: ' + error.message;
      });
  }

  function renderTimeline(payments) {
    var box = $('timeline');
    box.textContent = '';
    $('timeline-message').textContent = payments.length === 0
      ? 'This referral has no payment yet.'
      : payments.length + (payments.length === 1 ? ' payment' : ' payments') + ', newest first · updates live';
    payments.forEach(function (p) {
      var card = el('article', 'payment');
      card.dataset.paymentId = p.id;
      card.dataset.status = p.status;
      var head = el('div', 'payment-head');
      head.appendChild(badge(p.status));
      head.appendChild(el('span', 'amount', kes(p.amount)));
      head.appendChild(el('span', 'phone', p.phoneNumber));
      card.appendChild(head);
      var facts = el('dl', 'facts');
      [
        ['Receipt', p.mpesaTransactionId],
        ['Result', p.resultCode !== null ? p.resultCode + (p.resultDesc ? ' · ' + p.resultDesc : '') : null],
        ['Error', p.errorMessage],
        ['Retry of', p.retryOf],
        ['Payment id', p.id],
      ].forEach(function (fact) {
        if (fact[1] === null || fact[1] === undefined) return;
        facts.appendChild(el('dt', null, fact[0]));
        facts.appendChild(el('dd', null, fact[1]));
      });
      card.appendChild(facts);
      var events = el('ol', 'events');
      (p.events || []).forEach(function (e) {
        var item = el('li', 'event');
        item.appendChild(el('time', 'event-at', when(e.at)));
        var what = el('span', 'event-type', e.type);
        item.appendChild(what);
        if (e.fromStatus || e.toStatus) {
          item.appendChild(el('span', 'event-change', (e.fromStatus || '∅') + ' → ' + (e.toStatus || e.fromStatus)));
        }
        item.appendChild(el('span', 'event-source', 'by ' + e.source));
        events.appendChild(item);
      });
      card.appendChild(events);
      box.appendChild(card);
    });
  }

  function scheduleTimeline() {
    clearTimeout(state.timelineTimer);
    state.timelineTimer = setTimeout(function () { loadTimeline().catch(handleFailure); }, 150);
  }

  // ---- live updates: fetch + ReadableStream, since EventSource cannot send a header ----

  function setLive(stateName, text) {
    var live = $('live');
    live.dataset.state = stateName;
    live.textContent = text;
  }

  function stopStream() {
    if (state.stream) state.stream.abort();
    state.stream = null;
  }

  function startStream() {
    stopStream();
    var controller = new AbortController();
    state.stream = controller;
    var reconnecting = false;
    setLive('connecting', 'Connecting…');

    var retry = function () {
      if (state.stream !== controller || reconnecting) return;
      reconnecting = true;
      setLive('reconnecting', 'Reconnecting…');
      setTimeout(function () {
        if (state.stream !== controller) return;
        startStream();
        // Changes made while the stream was down are not replayed: read the figures again.
        reloadAll().catch(handleFailure);
      }, state.retryMs);
    };

    fetch('/api/payments/events', {
      headers: { 'X-API-Key': state.key, Accept: 'text/event-stream' },
      cache: 'no-store',
      signal: controller.signal,
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          throw new AuthError(response.status, body.message);
        });
      }
      if (!response.ok || !response.body) throw new Error('event stream: HTTP ' + response.status);
      setLive('live', 'Live');
      return readFrames(response.body.getReader(), controller);
    }).then(retry, function (error) {
      if (controller.signal.aborted) return;
      if (error instanceof AuthError) { askForKey(refusalText(error)); return; }
      retry();
    });
  }

  function readFrames(reader, controller) {
    var decoder = new TextDecoder();
    var buffer = '';
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done || controller.signal.aborted) return;
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
        var end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          onFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        return pump();
      });
    }
    return pump();
  }

  function onFrame(block) {
    var event = 'message';
    var data = [];
    block.split('\n').forEach(function (line) {
      if (line === '' || line.charAt(0) === ':') return; // heartbeat and other comments
      var colon = line.indexOf(':');
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) state.retryMs = Number(value);
    });
    if (event === 'resync') { reloadAll().catch(handleFailure); return; }
    if (event !== 'payment' || data.length === 0) return;
    var change;
    try { change = JSON.parse(data.join('\n')); } catch (e) { return; }
    onPaymentChange(change);
  }

  function onPaymentChange(change) {
    scheduleStats();
    applyToPending(change);
    if (state.referralId && change.referralId === state.referralId) scheduleTimeline();
  }

  // ---- start-up ----

  function clearData() {
    ['stat-total', 'stat-pending', 'stat-completed', 'stat-failed', 'stat-amount', 'stat-rate', 'stat-review', 'stat-refund-due', 'stat-refunded'].forEach(function (id) {
      $(id).textContent = '–';
    });
    $('stats-updated').textContent = '';
    state.series = null;
    $('chart').textContent = '';
    ['chart-collected', 'chart-completed', 'chart-failed', 'chart-rate'].forEach(function (id) { $(id).textContent = '–'; });
    state.patients = {};
    state.pending = [];
    state.pendingCursor = null;
    $('pending-list').textContent = '';
    $('webhook-list').textContent = '';
    $('receipt-list').textContent = '';
    $('report-lines').textContent = '';
    $('report-meta').textContent = '';
    $('timeline').textContent = '';
    $('timeline-message').textContent = '';
    state.referralId = null;
  }

  function reloadAll() {
    return Promise.all([loadStats(), loadSeries(), loadPending(false), loadReceipts(), loadReport(), loadWebhooks(), loadTimeline()]);
  }

  function open(key) {
    state.key = key;
    // Stats first: they need the admin role, so a key is checked before anything else is shown.
    return loadStats().then(function () {
      keepKey(key);
      $('key-panel').hidden = true;
      $('key-error').hidden = true;
      $('dashboard').hidden = false;
      $('change-key').hidden = false;
      startStream();
      return Promise.all([loadSeries(), loadPending(false), loadReceipts(), loadReport(), loadWebhooks()]);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('key-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var key = $('key-input').value.trim();
      if (!key) return;
      var button = $('key-submit');
      button.disabled = true;
      open(key).catch(function (error) {
        if (error instanceof AuthError) askForKey(refusalText(error));
        else {
          state.key = null;
          $('key-error').textContent = 'The service did not answer: ' + error.message;
          $('key-error').hidden = false;
        }
      }).then(function () { button.disabled = false; });
    });

    $('change-key').addEventListener('click', function () { askForKey(''); });

    ['chart-days', 'chart-hours'].forEach(function (id) {
      $(id).addEventListener('click', function () { chooseInterval($(id).dataset.interval).catch(handleFailure); });
    });
    var resizing = null;
    window.addEventListener('resize', function () {
      cancelAnimationFrame(resizing);
      resizing = requestAnimationFrame(function () { if (state.series) renderChart(); });
    });
    // The current hour and day move on by themselves: read the series again now and then.
    setInterval(function () { if (state.key && state.series) loadSeries().catch(handleFailure); }, 5 * 60 * 1000);

    $('pending-more').addEventListener('click', function () { loadPending(true).catch(handleFailure); });

    $('timeline-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var id = $('referral-input').value.trim();
      if (!UUID.test(id)) {
        $('timeline').textContent = '';
        $('timeline-message').textContent = 'A referral id looks like 3f2b8c1e-…: 36 characters with dashes.';
        return;
      }
      showTimeline(id).catch(handleFailure);
    });

    // Money can land on no payment without any payment changing (a callback nobody's push sent):
    // read the receipts again now and then, as well as on every payment change.
    setInterval(function () { if (state.key) Promise.all([loadReceipts(), loadReport()]).catch(handleFailure); }, 30000);

    // The ages of pending payments move on by themselves.
    setInterval(function () { if (state.pending.length) renderPending(); }, 30000);

    var saved = readKey();
    if (saved) {
      open(saved).catch(function (error) {
        askForKey(error instanceof AuthError ? refusalText(error) : 'The service did not answer: ' + error.message);
      });
    } else {
      askForKey('');
    }
  });
})();
