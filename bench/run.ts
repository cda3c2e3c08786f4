// npm run bench: every benchmark in one run, one after another (never side by side: they would
// measure each other), then one summary table and bench/results/summary.json.
// `npm run bench:smoke` is the same with tiny sizes, for CI. The push and callback benchmarks also
// run their peer (BENCH_PEERS_DIR, default ../shared/peers) when it is there; BENCH_PEERS=off skips them.
import { runCallbackBench } from './callbacks';
import { main, machineInfo, parseOptions, printTable, round, writeResult } from './lib/harness';
import { memoryReport } from './memory';
import { runPushBench } from './push';
import { runReconcileBench } from './reconcile';
import { runStatsBench } from './stats';
import { runWebhookBench } from './webhooks';

const ALL = ['callbacks', 'push', 'memory', 'stats', 'reconcile', 'webhooks'] as const;

main(async (options) => {
  const { names } = parseOptions();
  const unknown = names.filter((n) => !(ALL as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  const selected = new Set(names.length ? names : ALL);
  if (selected.has('memory')) selected.add('callbacks').add('push');
  const started = performance.now();
  const machine = await machineInfo();
  printTable(`Machine${options.smoke ? ' (smoke mode: tiny sizes, figures mean nothing)' : ''}`, Object.entries(machine).map(([k, v]) => [k, String(v)]));

  const results: Record<string, unknown> = {};
  const summary: [string, string | number, string?][] = [];
  const callbacks = selected.has('callbacks') ? await runCallbackBench(options) : null;
  if (callbacks) {
    results.callbacks = callbacks;
    writeResult(options, 'callbacks', { machine, result: callbacks });
    summary.push(['1. callbacks applied/s ÷ pgbench -N tps', callbacks.ratio, `${callbacks.applied.perSecond}/s vs ${callbacks.pgbench.tps} tps; goal >= 0.5`]);
    summary.push(
      callbacks.peer.ran
        ? ['1b. callbacks applied/s ÷ the callback peer', callbacks.vsPeer!, `${callbacks.applied.perSecond}/s vs ${callbacks.peer.result.callbacksPerSec}/s; goal >= 1`]
        : ['1b. callbacks applied/s ÷ the callback peer', 'no peer', callbacks.peer.reason],
    );
  }
  const push = selected.has('push') ? await runPushBench(options) : null;
  if (push) {
    results.push = push;
    writeResult(options, 'push', { machine, result: push });
    summary.push(['2. pushes/s ÷ bare BullMQ jobs/s', push.ratio, `${push.pushes.perSecond}/s vs ${push.bareBullmq.perSecond}/s; goal >= 0.5`]);
    if (push.peer.ran) {
      summary.push(['2b. pushes/s ÷ the push peer', push.vsPeer.pushesPerSecond!, `${push.pushes.perSecond}/s vs ${push.peer.result.pushesPerSec}/s; goal >= 1`]);
      summary.push(['2c. CPU ms per push, ours / the peer', `${push.cpu.totalMs} / ${push.peer.result.cpuMsPerPush.total}`, `${push.vsPeer.cpuPerPush}×; goal <= 5 ms`]);
    } else {
      summary.push(['2b. pushes/s ÷ the push peer', 'no peer', push.peer.reason]);
      summary.push(['2c. CPU ms per push', push.cpu.totalMs, 'goal <= 5 ms']);
    }
  }
  if (callbacks && push && selected.has('memory')) {
    const memory = memoryReport(callbacks, push);
    results.memory = memory;
    writeResult(options, 'memory', { machine, result: memory });
    summary.push(['5. peak RSS api / worker ÷ 250 MB', `${memory.ratio.api} / ${memory.ratio.worker}`, `${memory.apiPeakMb} / ${memory.workerPeakMb} MB; goal < 1`]);
  }
  if (selected.has('stats')) {
    const stats = await runStatsBench(options);
    results.stats = stats;
    writeResult(options, 'stats', { machine, result: stats });
    summary.push([
      '3. stats p95 ms, without / with range',
      `${round(stats.endpoint.all.p95)} / ${round(stats.endpoint.range.p95)}`,
      `${stats.speedupP95.all}x / ${stats.speedupP95.range}x faster than the scan; goal < 10 ms and >= 20x`,
    ]);
  }
  if (selected.has('reconcile')) {
    const reconcile = await runReconcileBench(options);
    results.reconcile = reconcile;
    writeResult(options, 'reconcile', { machine, result: reconcile });
    summary.push(['4. status queries/s ÷ ceiling', reconcile.ratio, `${reconcile.queriesPerSecond}/s vs ${reconcile.ceiling.queriesPerSecond}/s; ${reconcile.n} resolved in ${reconcile.seconds} s`]);
  }
  if (selected.has('webhooks')) {
    const webhooks = await runWebhookBench(options);
    results.webhooks = webhooks;
    writeResult(options, 'webhooks', { machine, result: webhooks });
    summary.push([
      '6. callbacks applied/s with two webhook endpoints ÷ without',
      webhooks.ratio,
      `${webhooks.with.applied.perSecond}/s vs ${webhooks.without.applied.perSecond}/s; ${webhooks.delivered.perSecond} events delivered/s, lag p50 ${webhooks.delivered.lagP50Ms} ms, p99 ${webhooks.delivered.lagP99Ms} ms; goal >= 0.9`,
    ]);
  }
  const seconds = round((performance.now() - started) / 1000, 1);
  printTable(`Summary (${seconds} s)`, summary);
  console.log(`\nwrote ${writeResult(options, 'summary', { machine, seconds, results })}`);
});
