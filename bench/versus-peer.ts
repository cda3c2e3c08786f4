// The push or callback benchmark against its peer, several rounds in a row (service, peer, service,
// peer…), with the median of the rounds' ratios. One round's ratio moves by a third or more on a
// shared 2-core machine, as other work comes and goes between the service's run and the peer's; the
// median of a few adjacent pairs is the figure worth comparing with the goal.
//   node -r ./test/support/ts-register.js bench/versus-peer.ts callbacks --rounds 5 --n 10000
//   node -r ./test/support/ts-register.js bench/versus-peer.ts push --rounds 3 --n 5000
import { runCallbackBench } from './callbacks';
import { BenchOptions, machineInfo, main, parseOptions, printTable, Row, round, writeResult } from './lib/harness';
import { peersWanted } from './lib/peers';
import { runPushBench } from './push';

interface Round {
  ours: number;
  peer: number;
  ratio: number;
  /** CPU ms per item: ours, the peer's (the push peer reports it; the callback peer does not) */
  cpu: { ours: number; peer: number | null };
  load1m: string;
}

async function oneRound(which: 'callbacks' | 'push', options: BenchOptions): Promise<Round> {
  if (which === 'callbacks') {
    const r = await runCallbackBench(options);
    if (!r.peer.ran) throw new Error(`the callback peer did not run: ${r.peer.reason}`);
    return { ours: r.applied.perSecond, peer: r.peer.result.callbacksPerSec, ratio: r.vsPeer!, cpu: { ours: r.cpu.totalMs, peer: null }, load1m: `${r.load1m.start} → ${r.peer.load1m.end}` };
  }
  const r = await runPushBench(options);
  if (!r.peer.ran) throw new Error(`the push peer did not run: ${r.peer.reason}`);
  return {
    ours: r.pushes.perSecond,
    peer: r.peer.result.pushesPerSec,
    ratio: r.vsPeer.pushesPerSecond!,
    cpu: { ours: r.cpu.totalMs, peer: r.peer.result.cpuMsPerPush.total },
    load1m: `${r.load1m.start} → ${r.peer.load1m.end}`,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

main(async (options) => {
  const [which, ...rest] = parseOptions().names;
  if ((which !== 'callbacks' && which !== 'push') || rest.length) throw new Error('usage: bench/versus-peer.ts callbacks|push [--rounds N] [--n N]');
  if (!peersWanted()) throw new Error('BENCH_PEERS=off: this benchmark is the comparison with the peer');
  const rounds: Round[] = [];
  for (let i = 0; i < options.rounds; i++) rounds.push(await oneRound(which, options));

  const unit = which === 'callbacks' ? 'applied/s' : 'pushes/s';
  const rows: Row[] = rounds.map((r, i) => [
    `round ${i + 1}: ours / the peer's ${unit}`,
    r.ratio,
    `${r.ours} vs ${r.peer}; CPU ms per item ${r.cpu.ours}${r.cpu.peer === null ? '' : ` vs ${r.cpu.peer}`}; load ${r.load1m}`,
  ]);
  const ratios = rounds.map((r) => r.ratio);
  const summary = { median: round(median(ratios), 3), min: Math.min(...ratios), max: Math.max(...ratios) };
  rows.push([`median of ${rounds.length} rounds`, summary.median, `range ${summary.min}-${summary.max}; goal >= 1 ${summary.median >= 1 ? '(met)' : '(NOT met)'}`]);
  if (which === 'push') {
    const cpuRatios = rounds.map((r) => round(r.cpu.ours / r.cpu.peer!, 2));
    const cpu = rounds.map((r) => r.cpu.ours);
    rows.push(['median CPU ms per push, ours', round(median(cpu), 2), `range ${Math.min(...cpu)}-${Math.max(...cpu)}; ${round(median(cpuRatios), 2)}× the peer's; goal <= 5 ms`]);
  }
  printTable(`${which} versus its peer: ${rounds.length} rounds, each the service then the peer`, rows);
  console.log(`\nwrote ${writeResult(options, `versus-peer-${which}`, { machine: await machineInfo(), rounds, summary })}`);
});
