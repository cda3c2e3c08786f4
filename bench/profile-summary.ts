// Where a process's CPU went, from the V8 profiles `--profile` writes (bench/results/profiles):
// self time grouped by layer (npm package, the service's own directories, node's internals, GC),
// and the hottest functions. Usage:
//   node -r ./test/support/ts-register.js bench/profile-summary.ts [--items N] [--top K] <file.cpuprofile>...
// With --items, each layer is also given in ms per item (the benchmark's n).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The layer a frame belongs to: an npm package, a directory of the service, node, or V8's own. */
export function layerOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return 'V8: (program) native/unattributed';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(?:dist\/)?src\/([^/]+)\//.exec(url);
  if (own) return `service: src/${own[1]}`;
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (internal) return `node: ${internal[1].replace(/\.js$/, '')}`;
  return `other: ${basename(url)}`;
}

const COARSE: [string, RegExp][] = [
  ['socket writes (syscalls: pg, Redis, HTTP)', /^native: (writev|writeBuffer|writeUtf8String|writeLatin1String)$/],
  ['garbage collector', /^V8: garbage collector$/],
  ['start-up (module loading)', /^(node: modules|native: internalModuleStat|native: readFileUtf8|node: bootstrap|node: deps)$/],
  ['HTTP framework (Nest, express, body-parser, pino-http, helmet, class-validator/-transformer)', /^(@nestjs\/.*|express|router|body-parser|raw-body|pino-http|helmet|class-validator|class-transformer|rxjs|path-to-regexp|parseurl|finalhandler|send|on-finished|content-type|type-is|qs|iconv-lite|media-typer|mime-types|negotiator|accepts|cookie|vary|depd|http-errors|statuses|encodeurl|escape-html|fresh|range-parser|proxy-addr|forwarded|ipaddr\.js|etag|merge-descriptors|methods|utils-merge|reflect-metadata|libphonenumber-js|validator)$/],
  ['node HTTP and streams', /^node: (_http_\w+|streams|stream_base_commons|net|http|buffer|url|events|event_target|timers|abort_controller|dns|internal_url)$/],
  ['logging (pino, redaction, scrubbing)', /^(pino|@pinojs\/.*|pino-std-serializers|sonic-boom|fast-redact|service: src\/observability)$/],
  ['TypeORM', /^typeorm$/],
  ['pg client', /^(pg|pg-protocol|pg-pool|pg-types|postgres-\w+|pg-connection-string|packet-reader)$/],
  ['BullMQ and ioredis', /^(bullmq|ioredis|msgpackr|cluster-key-slot|denque|redis-parser|redis-errors|standard-as-callback|cron-parser|lodash.*)$/],
  ['undici (Daraja HTTP client)', /^undici$/],
  ['crypto (UUIDs, hashes)', /^node: crypto$/],
  ['service: src/mpesa (Daraja client and simulator)', /^service: src\/mpesa$/],
  ['service: other', /^service: /],
  ['promises, async hooks, microtasks', /^(node: async_hooks|native: runMicrotasks|node: process|node: task_queues)$/],
];

/** The coarse group of a layer (layerOf), for the one-table breakdown. */
export function coarseOf(layer: string): string {
  return COARSE.find(([, re]) => re.test(layer))?.[0] ?? 'other';
}

export function summarise(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i: attribute it to sample i (as Chrome DevTools does).
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const layers = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const layer = layerOf(url, functionName);
    if (layer === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    layers.set(layer, (layers.get(layer) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist\/)?src\//, 'src/')}:${lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const coarse = new Map<string, number>();
  for (const [layer, us] of layers) coarse.set(coarseOf(layer), (coarse.get(coarseOf(layer)) ?? 0) + us);
  return { wallUs: profile.endTime - profile.startTime, busyUs, idleUs, coarse: sorted(coarse), layers: sorted(layers), functions: sorted(functions) };
}

if (require.main === module) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { items: { type: 'string' }, top: { type: 'string', default: '25' } } });
  const items = values.items ? Number(values.items) : null;
  const top = Number(values.top);
  for (const file of positionals) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
    const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
    const per = (us: number) => (items ? `${(us / 1000 / items).toFixed(3).padStart(7)} ms/item` : '');
    console.log(`\n${basename(file)}: wall ${ms(s.wallUs)} ms, busy ${ms(s.busyUs)} ms (${((100 * s.busyUs) / s.wallUs).toFixed(0)} %) ${per(s.busyUs)}`);
    console.log('  by group (self time):');
    for (const [group, us] of s.coarse) console.log(`    ${((100 * us) / s.busyUs).toFixed(1).padStart(5)} %  ${ms(us)} ms ${per(us)}  ${group}`);
    console.log('  by layer (self time):');
    for (const [layer, us] of s.layers.slice(0, top)) console.log(`    ${((100 * us) / s.busyUs).toFixed(1).padStart(5)} %  ${ms(us)} ms ${per(us)}  ${layer}`);
    console.log('  hottest functions (self time):');
    for (const [fn, us] of s.functions.slice(0, top)) console.log(`    ${((100 * us) / s.busyUs).toFixed(1).padStart(5)} %  ${ms(us)} ms  ${fn}`);
  }
}
