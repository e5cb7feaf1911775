// The Markdown table of a benchmark run (bench/results/<date>.md, also printed at the end of the run).

const f = (v, unit = '') => (v === null || v === undefined ? '–' : `${v}${unit}`);
/** p50, p95, p99 and max of a latency summary, as table cells. */
const latencyCells = (ms) => [f(ms.p50), f(ms.p95), f(ms.p99), f(ms.max)];
const foundCell = (labOrders) => `${labOrders.found}${labOrders.missing ? ` (${labOrders.missing} missing)` : ''}`;
const statuses = (s) => Object.entries(s ?? {}).map(([k, n]) => `${k}×${n}`).join(', ') || '–';

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function cpuLine(cpu) {
  if (!cpu) return '–';
  return Object.entries(cpu.byProcess).filter(([, v]) => v >= 0.02).map(([k, v]) => `${k} ${v}`).join(', ') + `; other processes ${cpu.otherProcessesCores}; machine busy ${cpu.machineBusyCores}/${cpu.coresAvailable}`;
}

export function renderMarkdown(r) {
  const m = r.machine;
  const out = [];
  out.push(`# labsync benchmark ${r.startedAt.slice(0, 10)}${r.label ? ` — ${r.label}` : ''}`);
  out.push('');
  if (r.mode === 'quick') out.push('> **BENCH_QUICK smoke run**: a few seconds per phase, to prove the benchmark works. Not a measurement.');
  if (r.contention?.contended) {
    out.push(`> **Measured under contention**: other processes used up to ${r.contention.maxOtherProcessesCores} cores during the phases (load average ${r.contention.loadAverageAtStart} at start). These figures are lower bounds, not this machine's capacity.`);
  }
  if (r.profiled) out.push('> **Profiled run** (V8 CPU profiler in every app): the profiler costs CPU, figures are lower than an unprofiled run.');
  if (r.standing) out.push(`> Standing: ${r.standing}.`);
  if (r.interrupted) out.push('> **Interrupted** (Ctrl-C): the phases after the one running then were skipped.');
  if (r.error) out.push(`> **The run failed**: ${r.error.split('\n')[0]}`);
  out.push('');
  out.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}. Node ${m.node}, Kafka ${f(m.kafka)}, PostgreSQL ${m.postgres} (synchronous_commit=${m.postgresSettings.synchronous_commit}, fsync=${m.postgresSettings.fsync}, ${f(m.postgresConnectionsInUseAtStart)} of ${m.postgresSettings.max_connections} connections in use at start), kafkajs ${m.libraries.kafkajs}, pg ${m.libraries.pg}. Commit ${f(m.git.commit)}${m.git.uncommittedFiles ? ` (+${m.git.uncommittedFiles} uncommitted files)` : ''}. App pool ${r.config.appDbPoolSize} connections, logs at ${r.config.appLogLevel}. Run ${r.runId}, ${f(r.durationSeconds, ' s')}. Everything (apps, broker, database, load generator) on this one machine.`);
  out.push('');

  if (r.async?.length || r.saturation) {
    out.push('## Asynchronous path: submit -> lab order created');
    out.push('');
    out.push('Latency from when each request was due (open loop) to lab-sim creating its order; warm-up discarded.');
    out.push('');
    const rows = (r.async ?? []).map((a) => [
      `${a.offeredPerSecond} req/s, open loop, ${a.seconds} s`,
      a.requests,
      statuses(a.http.statuses),
      f(a.labOrders.perSecond),
      `${a.keptUp ? 'yes' : 'no'} (${f(a.labOrders.drainSeconds, ' s')})`,
      f(a.submitToLabOrderMs.p50),
      f(a.submitToLabOrderMs.p95),
      f(a.submitToLabOrderMs.p99),
      f(a.submitToLabOrderMs.max),
      `${a.labOrders.found}${a.labOrders.missing ? ` (${a.labOrders.missing} missing)` : ''}`,
      f(a.http.answerLatencyMs.p99),
      f(a.generator.sendLagMs.p99),
    ]);
    if (r.saturation) {
      const s = r.saturation;
      rows.push([
        `saturation: closed loop, ${s.concurrency} concurrent, ${s.seconds} s`,
        s.requests,
        statuses(s.http.statuses),
        `${f(s.labOrders.perSecond)} (median ${f(s.labOrders.medianPerSecond)}/s; HTTP accepted ${f(s.http.acceptedPerSecond)}/s)`,
        `– (${f(s.labOrders.drainSeconds, ' s')})`,
        f(s.submitToLabOrderMs.p50),
        f(s.submitToLabOrderMs.p95),
        f(s.submitToLabOrderMs.p99),
        f(s.submitToLabOrderMs.max),
        `${s.labOrders.found}${s.labOrders.missing ? ` (${s.labOrders.missing} missing)` : ''}`,
        f(s.http.answerLatencyMs.p99),
        '–',
      ]);
    }
    out.push(table(['load', 'requests', 'HTTP answers', 'lab orders/s', 'kept up (drain)', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'samples', 'HTTP answer p99 ms', 'generator lag p99 ms'], rows));
    out.push('');
    out.push('"kept up": every request became a lab order and the last one within 1 s of the last request being due. Saturation latency is queueing behind the backlog (closed loop), not a service-level figure.');
    out.push('');
    const ratios = r.ratios ?? {};
    const at500 = r.async?.find((a) => a.offeredPerSecond === 500);
    out.push(`Aim (issue 3): sustained ≥ 1,000 req/s — highest offered rate kept up: ${f(ratios.highestOfferedRateKeptUp, ' req/s')}, saturation ${f(r.saturation?.labOrders.perSecond, ' lab orders/s')}; p99 submit -> lab order < 250 ms at 500 req/s — measured ${f(at500?.submitToLabOrderMs.p99, ' ms')}.`);
    out.push('');
  }

  if (r.preferWait) {
    const w = r.preferWait;
    out.push(`## \`Prefer: wait=${w.waitSeconds}\` at ${w.offeredPerSecond} req/s`);
    out.push('');
    if (!w.synchronousModeObserved) {
      const immediate = (w.answerLatencyMs.p50 ?? 0) < w.waitSeconds * 500;
      out.push(
        immediate
          ? '> No 201/422 answers, and the 202s came at once: the synchronous mode was not in this build, so these are latencies of immediate 202 answers, not of waiting for the lab.'
          : `> No 201/422 answers: every request waited and got 202 (the lab had not accepted within ${w.waitSeconds} s), so this is the timeout path, not the synchronous answer.`,
      );
    }
    out.push('');
    const rows = [['all', w.requests, statuses(w.statuses), f(w.answerLatencyMs.p50), f(w.answerLatencyMs.p95), f(w.answerLatencyMs.p99), f(w.answerLatencyMs.max)]];
    for (const [status, s] of Object.entries(w.answerLatencyByStatusMs)) rows.push([`HTTP ${status}`, s.count, '', f(s.p50), f(s.p95), f(s.p99), f(s.max)]);
    out.push(table(['answers', 'count', 'statuses', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows));
    out.push('');
  }

  if (r.resultToCallback) {
    const c = r.resultToCallback;
    out.push('## Lab result -> portal callback');
    out.push('');
    out.push(`POST /sim/orders/<id>/results on lab-sim (due time, open loop at ${c.postedPerSecond}/s) to portal-sim first receiving the signed result.reported callback.`);
    out.push('');
    out.push(table(['results', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'missing', 'delivered twice'], [[c.latencyMs.count, f(c.latencyMs.p50), f(c.latencyMs.p95), f(c.latencyMs.p99), f(c.latencyMs.max), c.missing, c.duplicateDeliveries]]));
    out.push('');
  }

  if (r.floors) {
    const k = r.floors.kafka;
    const p = r.floors.postgres;
    out.push('## Floors (same run, same broker, same database)');
    out.push('');
    out.push(
      table(
        ['floor', 'samples', 'p50 ms', 'p99 ms', 'rate'],
        [
          ['kafkajs produce -> consume, one at a time (idle)', k.roundTripIdleMs.count, f(k.roundTripIdleMs.p50), f(k.roundTripIdleMs.p99), '–'],
          [`kafkajs produce -> consume at ${k.roundTripAtRate.offeredPerSecond} msg/s (open loop)`, k.roundTripAtRate.latencyMs.count, f(k.roundTripAtRate.latencyMs.p50), f(k.roundTripAtRate.latencyMs.p99), '–'],
          [`kafkajs throughput (${k.throughput.messages} msgs of ${k.payloadBytes} B, batches ≤ 500)`, k.throughput.messages, '–', '–', `${f(k.throughput.messagesPerSecond)} msgs/s`],
          [`pg single-row INSERT, pool ${p.poolSize}, ${p.seconds} s`, p.rows, f(p.insertLatencyMs.p50), f(p.insertLatencyMs.p99), `${f(p.rowsPerSecond)} rows/s`],
          ...(p.withNotify
            ? [[`pg single-row INSERT + pg_notify in the same transaction, pool ${p.poolSize}, ${p.seconds} s`, p.withNotify.rows, f(p.withNotify.insertLatencyMs.p50), f(p.withNotify.insertLatencyMs.p99), `${f(p.withNotify.rowsPerSecond)} rows/s`]]
            : []),
        ],
      ),
    );
    out.push('');
  }

  if (r.ratios || r.databasePerRequest) {
    const x = r.ratios ?? {};
    const d = r.databasePerRequest;
    out.push('## Pipeline vs floors');
    out.push('');
    const rows = [
      ['saturation lab orders/s ÷ pg inserts/s', f(x.saturationLabOrdersPerSecond_vs_pgInsertsPerSecond)],
      ['saturation lab orders/s ÷ pg inserts/s with NOTIFY', f(x.saturationLabOrdersPerSecond_vs_pgNotifyingInsertsPerSecond)],
      ['saturation lab orders/s ÷ kafka msgs/s', f(x.saturationLabOrdersPerSecond_vs_kafkaMessagesPerSecond)],
    ];
    if (x.submitToLabOrder_vs_kafkaRoundTrip_atSameRate) {
      const l = x.submitToLabOrder_vs_kafkaRoundTrip_atSameRate;
      rows.push([`submit -> lab order ÷ kafka round trip, at ${l.rate}/s`, `p50 ×${f(l.p50)}, p99 ×${f(l.p99)}`]);
    }
    if (x.resultToCallback_vs_kafkaRoundTripIdle) rows.push(['result -> callback ÷ idle kafka round trip', `p50 ×${f(x.resultToCallback_vs_kafkaRoundTripIdle.p50)}, p99 ×${f(x.resultToCallback_vs_kafkaRoundTripIdle.p99)}`]);
    if (d) {
      rows.push(['database work per asynchronous request', `${f(d.commits)} commits, ${f(d.rowsInserted)} rows inserted, ${f(d.rowsUpdated)} updated, ${f(d.rowsDeleted)} deleted (${d.requests} requests)`]);
      rows.push(['pg insert floor ÷ commits per request (a ceiling if commits were the only cost)', f(x.pgInsertsPerSecond_per_commitsPerRequest, ' req/s')]);
    }
    out.push(table(['ratio', 'value'], rows));
    out.push('');
  }

  if (r.databasePerRequest?.tables?.length) {
    out.push('## Rows written per asynchronous request, by table');
    out.push('');
    out.push(table(['table', 'inserted', 'updated', 'deleted'], r.databasePerRequest.tables.map((t) => [t.table, t.inserted, t.updated, t.deleted])));
    out.push('');
  }

  const cpuPhases = [...(r.async ?? []).map((a) => [`${a.offeredPerSecond} req/s`, a.cpu]), ['saturation', r.saturation?.cpu], ['Prefer: wait', r.preferWait?.cpu], ['result -> callback', r.resultToCallback?.cpu]].filter(([, c]) => c);
  if (cpuPhases.length) {
    out.push('## Where the CPU went (cores, averaged over load + drain)');
    out.push('');
    out.push(table(['phase', 'seconds', 'cores by process'], cpuPhases.map(([name, c]) => [name, c.seconds, cpuLine(c)])));
    out.push('');
    const perRequest = cpuPhases.filter(([, c]) => c.msPerRequest);
    if (perRequest.length) {
      out.push('CPU per request, whole life of the request until the pipeline is quiet again (apps and this run\'s Postgres backends, less what they use when idle; not the shared broker nor the load generator):');
      out.push('');
      out.push(
        table(
          ['phase', 'CPU ms per request', 'by process'],
          perRequest.map(([name, c]) => [name, c.msPerRequest.total, Object.entries(c.msPerRequest.byProcess).map(([k, v]) => `${k} ${v}`).join(', ')]),
        ),
      );
      out.push('');
    }
  }

  const waits = r.saturation?.pgWaits;
  if (waits?.averageActiveBackends?.length) {
    out.push(`## Postgres during saturation: active backends by app and wait (${waits.samples} samples every ${waits.intervalMs} ms)`);
    out.push('');
    out.push(table(['app: state or wait', 'average backends'], waits.averageActiveBackends.map((w) => [w.where, w.backends])));
    out.push('');
  }

  if (r.profiles && Object.keys(r.profiles).length) {
    out.push('## CPU profiles (whole run, `BENCH_PROFILE=1`)');
    out.push('');
    const rows = Object.entries(r.profiles).map(([app, p]) => [
      app,
      f(p.busySeconds, ' s'),
      Object.entries(p.onStackByModulePct ?? {}).slice(0, 8).map(([k, v]) => `${k} ${v}%`).join(', '),
      (p.hottestFunctionsPct ?? []).slice(0, 4).map((h) => `${h.function} ${h.selfPct}%`).join('; '),
    ]);
    out.push(table(['app', 'busy CPU', 'on the stack (share of busy samples)', 'hottest functions (self)'], rows));
    out.push('');
  }

  if (r.contention) out.push(`Contention check: ${r.contention.note}`);
  out.push('');
  return out.join('\n');
}
