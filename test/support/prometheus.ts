// A real Prometheus server for the end-to-end tests: built from its Go module by hack/build-prometheus.sh (hack/test.sh
// runs it), started on a loopback port with a configuration the test writes, stopped by its pid. Its HTTP API is
// read with bounded requests and parsed, never cast.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { freePort, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { builtByScript } from './e2e.js';
import type { RunningOperator } from './operator.js';

export function prometheusBinary(): Promise<string> {
  return builtByScript('build-prometheus.sh', 'prometheus');
}

export interface PrometheusOptions {
  /** host:port of each operator's /metrics, all on loopback. */
  targets: readonly string[];
  job: string;
  ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval. */
  interval: string;
  /** Where Prometheus' own log goes. */
  logPath: string;
}

const vectorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.string(),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});
export type Sample = z.infer<typeof vectorSchema>['data']['result'][number];

const alertsSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    alerts: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()),
        state: z.enum(['pending', 'firing']),
        activeAt: z.string(),
      }),
    ),
  }),
});
export type ActiveAlert = z.infer<typeof alertsSchema>['data']['alerts'][number];

const rulesSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    groups: z.array(
      z.object({
        name: z.string(),
        rules: z.array(z.looseObject({ name: z.string(), health: z.string(), lastError: z.string().optional() })),
      }),
    ),
  }),
});

const targetsSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    activeTargets: z.array(z.looseObject({ health: z.string(), lastError: z.string(), scrapeUrl: z.string() })),
  }),
});

export class RunningPrometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(options: PrometheusOptions): Promise<RunningPrometheus> {
    const binary = await prometheusBinary();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'prometheus-e2e-'));
    const port = await freePort();
    const config = [
      'global:',
      `  scrape_interval: ${options.interval}`,
      `  evaluation_interval: ${options.interval}`,
      'rule_files:',
      ...options.ruleFiles.map((file) => `  - ${JSON.stringify(file)}`),
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(options.job)}`,
      '    static_configs:',
      `      - targets: ${JSON.stringify(options.targets)}`,
      '',
    ].join('\n');
    const configPath = path.join(dir, 'prometheus.yml');
    await writeFile(configPath, config);
    const log = createWriteStream(options.logPath, { flags: 'a' });
    const child = spawn(
      binary,
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Both pipes into one file: it is closed once the process is gone and the pipes have drained.
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('exit', () => setTimeout(() => log.end(), 100));
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        reject(new Error(`prometheus exited (${code}); see ${options.logPath}`));
      });
    });
    exited.catch(() => undefined); // observed below while starting; later an exit is the test's stop
    const prometheus = new RunningPrometheus(child, dir, `http://127.0.0.1:${port}`);
    try {
      const ready = waitFor(
        async () => {
          const response = await fetch(`${prometheus.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
          return response.status === 200;
        },
        { description: 'prometheus /-/ready', timeoutMs: 60_000, intervalMs: 250 },
      );
      await Promise.race([ready, exited]);
    } catch (error) {
      await prometheus.stop();
      throw error;
    }
    return prometheus;
  }

  /** An instant query; its error, if Prometheus answers one, is thrown with the query. */
  async query(promql: string): Promise<Sample[]> {
    const body = await this.get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    const parsed = vectorSchema.safeParse(body);
    if (!parsed.success) throw new Error(`query ${promql}: ${JSON.stringify(body).slice(0, 400)}`);
    return parsed.data.data.result;
  }

  async alerts(): Promise<ActiveAlert[]> {
    return alertsSchema.parse(await this.get('/api/v1/alerts')).data.alerts;
  }

  /** Every alerting rule loaded, with its health after its last evaluation. */
  async rules(): Promise<{ name: string; health: string; lastError?: string | undefined }[]> {
    return rulesSchema.parse(await this.get('/api/v1/rules?type=alert')).data.groups.flatMap((group) => group.rules);
  }

  async targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]> {
    return targetsSchema.parse(await this.get('/api/v1/targets?state=active')).data.activeTargets;
  }

  /** Stops the server by its pid (SIGTERM, then SIGKILL) and removes its folder. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => {
        this.child.once('exit', () => {
          resolve();
        });
      });
      process.kill(pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleepMs(10_000).then(() => false)]);
      if (!stopped) {
        process.kill(pid, 'SIGKILL');
        await Promise.race([exited, sleepMs(5_000)]);
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async get(pathAndQuery: string): Promise<unknown> {
    const response = await fetch(`${this.url}${pathAndQuery}`, { signal: AbortSignal.timeout(5_000) });
    return response.json();
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A Prometheus scraping one operator's /metrics every second, with no rules; its log next to the operator's. */
export async function scrapeOperator(operator: RunningOperator): Promise<RunningPrometheus> {
  if (operator.metricsPort === undefined)
    throw new Error('the operator serves no /metrics: start it with metrics: true');
  return RunningPrometheus.start({
    targets: [`127.0.0.1:${operator.metricsPort}`],
    job: 'starrocks-cn-operator',
    ruleFiles: [],
    interval: '1s',
    logPath: `${operator.logPath}.prometheus.log`,
  });
}
