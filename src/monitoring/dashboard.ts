// The Grafana dashboard of the operator, built from the same tables the operator exports its series from, so a
// renamed series cannot leave a panel reading nothing (a unit test also checks every query against a live registry).
// Written to deploy/monitoring/grafana-dashboard.json and into the Helm chart by `npm run generate`.
import { GROUP_CONDITION_SERIES, MEMBERSHIP_CHANGES_SERIES } from '../controllers/computenodegroup/metrics.js';

/** Grafana's JSON model, as much of it as this dashboard writes. */
export interface Panel {
  id: number;
  type: 'timeseries' | 'row' | 'stat';
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: 'prometheus'; uid: '${datasource}' };
  targets?: { refId: string; expr: string; legendFormat: string }[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
}

interface Query {
  expr: string;
  legend: string;
}

interface PanelSpec {
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  stack?: boolean;
  step?: boolean;
}

/** The selection of the dashboard's variables, for the per-group series. */
const GROUP = 'namespace=~"$namespace", group=~"$group"';
const BY_GROUP = 'max by (namespace, group)';

const groupPanels: PanelSpec[] = [
  {
    title: 'CNs: desired, pods, ready, registered, alive',
    description:
      'spec.replicas (set by you or the HPA), CN pods, Ready pods, CNs the FE lists and CNs the FE reports alive. ' +
      'They meet when the group is settled.',
    step: true,
    queries: [
      { expr: `${BY_GROUP} (starrocks_cn_group_spec_replicas{${GROUP}})`, legend: '{{group}} desired' },
      { expr: `${BY_GROUP} (starrocks_cn_group_pods{${GROUP}})`, legend: '{{group}} pods' },
      { expr: `${BY_GROUP} (starrocks_cn_group_ready_pods{${GROUP}})`, legend: '{{group}} ready' },
      {
        expr: `${BY_GROUP} (starrocks_cn_group_registered_compute_nodes{${GROUP}})`,
        legend: '{{group}} registered',
      },
      { expr: `${BY_GROUP} (starrocks_cn_group_alive_compute_nodes{${GROUP}})`, legend: '{{group}} alive' },
    ],
  },
  {
    title: 'Scale events: desired CNs and the autoscaling bounds',
    description: 'Each step is a scale event; the dashed bounds are autoScalingPolicy.minReplicas and maxReplicas.',
    step: true,
    queries: [
      { expr: `${BY_GROUP} (starrocks_cn_group_spec_replicas{${GROUP}})`, legend: '{{group}} desired' },
      { expr: `${BY_GROUP} (starrocks_cn_group_max_replicas{${GROUP}})`, legend: '{{group}} max' },
      { expr: `${BY_GROUP} (starrocks_cn_group_min_replicas{${GROUP}})`, legend: '{{group}} min' },
    ],
  },
  {
    title: 'FE reachable',
    description: '1 while the operator reads the FE of the group (condition FEReachable), 0 while it cannot.',
    step: true,
    queries: [
      {
        expr: `${BY_GROUP} (${GROUP_CONDITION_SERIES}{${GROUP}, type="FEReachable", status="True"}) or ${BY_GROUP} (${GROUP_CONDITION_SERIES}{${GROUP}, type="FEReachable", status!="True"}) * 0`,
        legend: '{{group}}',
      },
    ],
  },
  {
    title: 'CNs in trouble: not alive, unregistered, stale FE entries',
    description:
      'Registered but not alive (no heartbeat), pods whose CN the FE does not list yet, and FE entries with no pod ' +
      'that wait to be dropped.',
    queries: [
      { expr: `${BY_GROUP} (starrocks_cn_group_not_alive_compute_nodes{${GROUP}})`, legend: '{{group}} not alive' },
      { expr: `${BY_GROUP} (starrocks_cn_group_unregistered_pods{${GROUP}})`, legend: '{{group}} unregistered' },
      { expr: `${BY_GROUP} (starrocks_cn_group_stale_entries{${GROUP}})`, legend: '{{group}} stale entries' },
    ],
  },
  {
    title: 'Membership changes in the FE',
    description: 'CNs the operator added to and dropped from the FE (ALTER SYSTEM ADD / DROP COMPUTE NODE).',
    stack: true,
    queries: [
      {
        expr: `sum by (namespace, group, action) (increase(${MEMBERSHIP_CHANGES_SERIES}{${GROUP}}[$__rate_interval]))`,
        legend: '{{group}} {{action}}',
      },
    ],
  },
  {
    title: 'Query load (query-aware autoscaling)',
    description:
      "Running queries on the group's alive CNs, its share of the FE's queue, and query_load (their sum, what " +
      'autoScalingPolicy.queries targets per CN). StarRocks 3.1+ (the queue from 3.1.4).',
    queries: [
      { expr: `${BY_GROUP} (starrocks_cn_group_query_load{${GROUP}})`, legend: '{{group}} query_load' },
      { expr: `${BY_GROUP} (starrocks_cn_group_running_queries{${GROUP}})`, legend: '{{group}} running' },
      { expr: `${BY_GROUP} (starrocks_cn_group_pending_queries{${GROUP}})`, legend: '{{group}} pending' },
    ],
  },
  {
    title: 'CN CPU and memory as the FE reports them',
    description: "Mean CpuUsedPct and MemUsedPct of the group's alive CNs (StarRocks 3.1+).",
    unit: 'percent',
    queries: [
      { expr: `${BY_GROUP} (starrocks_cn_group_cpu_used_percent{${GROUP}})`, legend: '{{group}} CPU' },
      { expr: `${BY_GROUP} (starrocks_cn_group_mem_used_percent{${GROUP}})`, legend: '{{group}} memory' },
    ],
  },
  {
    title: 'Conditions that are not True',
    description:
      'One line per condition type and reason while it is False or Unknown (kubectl describe cng says more).',
    step: true,
    queries: [
      {
        expr: `max by (namespace, group, type, reason) (${GROUP_CONDITION_SERIES}{${GROUP}, status!="True"})`,
        legend: '{{group}} {{type}} {{reason}}',
      },
    ],
  },
];

const operatorPanels: PanelSpec[] = [
  {
    title: 'Reconciles by result',
    description: 'success, error (retried with backoff) and requeue_after (a planned later look).',
    unit: 'ops',
    stack: true,
    queries: [
      {
        expr: 'sum by (result) (rate(controller_runtime_reconcile_total{controller="computenodegroup"}[$__rate_interval]))',
        legend: '{{result}}',
      },
    ],
  },
  {
    title: 'Reconcile errors',
    description: 'Failed reconciles per second; the Events of the groups and the log say why.',
    unit: 'ops',
    queries: [
      {
        expr: 'sum(rate(controller_runtime_reconcile_errors_total{controller="computenodegroup"}[$__rate_interval]))',
        legend: 'errors',
      },
    ],
  },
  {
    title: 'Reconcile latency',
    description: 'Time of one reconcile pass (FE statements included), median and 99th percentile.',
    unit: 's',
    queries: [0.5, 0.99].map((quantile) => ({
      expr: `histogram_quantile(${quantile}, sum by (le) (rate(controller_runtime_reconcile_time_seconds_bucket{controller="computenodegroup"}[$__rate_interval])))`,
      legend: `p${quantile * 100}`,
    })),
  },
  {
    title: 'Work queue',
    description: 'Keys waiting, and how long the oldest running reconcile has run (a stuck reconcile grows it).',
    queries: [
      { expr: 'sum(workqueue_depth{name="computenodegroup"})', legend: 'depth' },
      {
        expr: 'max(workqueue_longest_running_processor_seconds{name="computenodegroup"})',
        legend: 'longest running (s)',
      },
      { expr: 'sum(rate(workqueue_retries_total{name="computenodegroup"}[$__rate_interval]))', legend: 'retries/s' },
    ],
  },
  {
    title: 'API server requests by code',
    description: 'Requests of the operator to the API server; code="<error>" when none answered.',
    unit: 'reqps',
    stack: true,
    queries: [
      {
        expr: 'sum by (code, method) (rate(rest_client_requests_total[$__rate_interval]))',
        legend: '{{method}} {{code}}',
      },
    ],
  },
  {
    title: 'Leader',
    description: '1 on the replica holding the Lease; the sum should always be 1.',
    step: true,
    queries: [{ expr: 'sum(leader_election_master_status)', legend: 'leaders' }],
  },
  {
    title: 'Operator memory',
    description: 'Resident memory and V8 heap in use of each operator replica.',
    unit: 'bytes',
    queries: [
      { expr: 'process_resident_memory_bytes{job=~"$job"}', legend: '{{pod}} resident' },
      { expr: 'nodejs_heap_size_used_bytes{job=~"$job"}', legend: '{{pod}} heap used' },
    ],
  },
  {
    title: 'Operator CPU',
    description: 'CPU seconds per second of each operator replica.',
    unit: 'percentunit',
    queries: [{ expr: 'rate(process_cpu_seconds_total{job=~"$job"}[$__rate_interval])', legend: '{{pod}}' }],
  },
];

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const WIDTH = 12;
const HEIGHT = 8;

function rowPanel(id: number, title: string, y: number): Panel {
  return { id, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 } };
}

function timeseries(id: number, spec: PanelSpec, x: number, y: number): Panel {
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { x, y, w: WIDTH, h: HEIGHT },
    targets: spec.queries.map((query, index) => ({
      refId: String.fromCharCode(65 + index),
      expr: query.expr,
      legendFormat: query.legend,
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit ?? 'short',
        custom: {
          lineInterpolation: spec.step === true ? 'stepAfter' : 'linear',
          stacking: { mode: spec.stack === true ? 'normal' : 'none' },
          fillOpacity: spec.stack === true ? 30 : 0,
        },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
  };
}

/** Lays the rows out on Grafana's 24-column grid, two panels a line. */
function layout(rows: { title: string; panels: PanelSpec[] }[]): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  let id = 1;
  for (const row of rows) {
    panels.push(rowPanel(id++, row.title, y));
    y += 1;
    row.panels.forEach((spec, index) => {
      panels.push(timeseries(id++, spec, (index % 2) * WIDTH, y + Math.floor(index / 2) * HEIGHT));
    });
    y += Math.ceil(row.panels.length / 2) * HEIGHT;
  }
  return panels;
}

function variable(name: string, label: string, query: string, includeAll: boolean): Record<string, unknown> {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    query: { query, refId: `${name}-variable` },
    refresh: 2,
    includeAll,
    multi: includeAll,
    current: includeAll ? { text: 'All', value: '$__all' } : {},
    sort: 1,
  };
}

export const DASHBOARD_UID = 'starrocks-cn-operator';

/** The dashboard's JSON model (Grafana 10+). */
export function grafanaDashboard(): Record<string, unknown> {
  return {
    uid: DASHBOARD_UID,
    title: 'StarRocks CN operator',
    description: 'ComputeNodeGroups (CNs, FE membership, load, scale events) and the operator that runs them.',
    tags: ['starrocks', 'kubernetes', 'operator'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} },
        variable('job', 'Operator job', 'label_values(leader_election_master_status, job)', true),
        variable('namespace', 'Namespace', 'label_values(starrocks_cn_group_spec_replicas, namespace)', true),
        variable(
          'group',
          'Group',
          'label_values(starrocks_cn_group_spec_replicas{namespace=~"$namespace"}, group)',
          true,
        ),
      ],
    },
    annotations: { list: [] },
    panels: layout([
      { title: 'ComputeNodeGroups', panels: groupPanels },
      { title: 'Operator', panels: operatorPanels },
    ]),
  };
}
