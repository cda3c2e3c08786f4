// Benchmark 5: memory. Peak resident memory (the kernel's VmHWM, checked against 100 ms samples of
// VmRSS) of the API and the worker, each a separate child process started from dist/, during
// benchmarks 1 (callbacks) and 2 (push pipeline). Run alone, it runs those two first.
import { CallbackBenchResult, runCallbackBench } from './callbacks';
import {
  BenchOptions,
  printTable,
  round,
  runAlone,
} from './lib/harness';
import { PushBenchResult, runPushBench } from './push';

export const MEMORY_GOAL_MB = 250;

export interface MemoryBenchResult {
  goalMb: number;
  during: { benchmark: string; apiPeakMb: number; workerPeakMb: number }[];
  apiPeakMb: number;
  workerPeakMb: number;
  ratio: { api: number; worker: number };
}

export function memoryReport(callbacks: CallbackBenchResult, push: PushBenchResult): MemoryBenchResult {
  const during = [
    { benchmark: `1. callbacks (n=${callbacks.n})`, ...callbacks.memory },
    { benchmark: `2. push pipeline (n=${push.n})`, ...push.memory },
  ];
  const apiPeakMb = Math.max(...during.map((d) => d.apiPeakMb));
  const workerPeakMb = Math.max(...during.map((d) => d.workerPeakMb));
  const result = {
    goalMb: MEMORY_GOAL_MB,
    during,
    apiPeakMb,
    workerPeakMb,
    ratio: { api: round(apiPeakMb / MEMORY_GOAL_MB, 3), worker: round(workerPeakMb / MEMORY_GOAL_MB, 3) },
  };
  const verdict = (mb: number) => `goal < ${MEMORY_GOAL_MB} MB${mb < MEMORY_GOAL_MB ? ' (met)' : ' (NOT met)'}`;
  printTable('5. Memory: peak RSS of each process', [
    ...during.map((d): [string, string] => [`during ${d.benchmark}: api / worker`, `${d.apiPeakMb} / ${d.workerPeakMb} MB`]),
    ['api peak', `${apiPeakMb} MB`, `${result.ratio.api} of the goal; ${verdict(apiPeakMb)}`],
    ['worker peak', `${workerPeakMb} MB`, `${result.ratio.worker} of the goal; ${verdict(workerPeakMb)}`],
  ]);
  return result;
}

export async function runMemoryBench(options: BenchOptions): Promise<MemoryBenchResult> {
  return memoryReport(await runCallbackBench(options), await runPushBench(options));
}

if (require.main === module) runAlone('memory', runMemoryBench);
