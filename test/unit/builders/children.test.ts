import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildChildren,
  buildPodTemplate,
  childrenList,
  imageVersion,
  labelSelectorString,
  selectorLabels,
} from '../../../src/builders/index.js';
import { GOLDEN_CASES, SETTINGS, UID, buildInput, group } from './fixtures.js';

function caseInput(name: string) {
  const found = GOLDEN_CASES.find((testCase) => testCase.name === name);
  assert.ok(found, name);
  return found.input();
}

function baseDocument(spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns', uid: UID },
    spec: {
      feInfo: { addresses: ['10.0.0.1:9030', '10.0.0.2:9030'], accountSecret: 'acct' },
      cnInfo: { configMap: 'conf' },
      images: { cnImage: 'cn:1' },
      ...spec,
    },
  };
}

function container(input: ReturnType<typeof caseInput>, name: string) {
  const found = buildPodTemplate(input).spec?.containers.find((candidate) => candidate.name === name);
  assert.ok(found, `container ${name}`);
  return found;
}

function env(input: ReturnType<typeof caseInput>): Record<string, string | undefined> {
  return Object.fromEntries((container(input, 'register').env ?? []).map((entry) => [entry.name, entry.value]));
}

describe('buildChildren', () => {
  it('the seed group: StatefulSet with cn and register, headless Service, PDB, HPA on the group', () => {
    const children = buildChildren(caseInput('seed'));
    assert.deepEqual(
      children.statefulSet.spec?.template.spec?.containers.map((c) => c.name),
      ['cn', 'register'],
    );
    assert.equal(children.statefulSet.spec.podManagementPolicy, 'Parallel');
    assert.equal(children.service.spec?.clusterIP, 'None');
    assert.equal(children.service.spec.publishNotReadyAddresses, true);
    assert.equal(children.podDisruptionBudget.spec?.maxUnavailable, 1);
    const hpa = children.horizontalPodAutoscaler;
    assert.deepEqual(hpa?.spec?.scaleTargetRef, {
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      name: 'computenodegroup-sample',
    });
    assert.equal(hpa.spec.minReplicas, 1);
    assert.equal(hpa.spec.maxReplicas, 10);
    // The seed's Resource metrics measure the cn container (resourceMetrics: Container, the default).
    assert.deepEqual(
      hpa.spec.metrics?.map(
        (metric) => `${metric.type}:${metric.containerResource?.container}:${metric.containerResource?.name}`,
      ),
      ['ContainerResource:cn:memory', 'ContainerResource:cn:cpu'],
    );
    assert.equal(hpa.spec.behavior?.scaleDown?.selectPolicy, 'Disabled');
  });

  it('uses the replicas it is given, not spec.replicas', () => {
    const cng = group(baseDocument({ replicas: 3 }));
    assert.equal(buildChildren(buildInput(cng, 'x = 1', 5)).statefulSet.spec?.replicas, 5);
  });

  it('makes no HPA without an autoscaling policy and copies no metrics that are not given', () => {
    assert.equal(buildChildren(caseInput('no-autoscaling')).horizontalPodAutoscaler, undefined);
    const hpa = buildChildren(caseInput('autoscaling-without-hpa-policy')).horizontalPodAutoscaler;
    assert.equal(hpa?.spec?.maxReplicas, 6);
    assert.equal(hpa.spec.minReplicas, undefined);
    // The HPA's own default (80% CPU), measured on the cn container.
    assert.deepEqual(hpa.spec.metrics, [
      {
        type: 'ContainerResource',
        containerResource: { name: 'cpu', container: 'cn', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    assert.equal(hpa.spec.behavior, undefined);
  });

  it('copies the metrics verbatim with resourceMetrics: Pod, and leaves other metric types alone', () => {
    const pods = {
      type: 'Pods',
      pods: { metric: { name: 'queries' }, target: { type: 'AverageValue', averageValue: '2' } },
    };
    const cpu = {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
    };
    const metrics = (resourceMetrics: string | undefined) =>
      buildChildren(
        buildInput(
          group(
            baseDocument({
              autoScalingPolicy: {
                maxReplicas: 4,
                ...(resourceMetrics === undefined ? {} : { resourceMetrics }),
                hpaPolicy: { metrics: [cpu, pods] },
              },
            }),
          ),
          'x = 1',
        ),
      ).horizontalPodAutoscaler?.spec?.metrics;
    assert.deepEqual(metrics('Pod'), [cpu, pods]);
    assert.deepEqual(metrics(undefined), [
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'cn', target: cpu.resource.target } },
      pods,
    ]);
  });

  it('makes the offline CronJob and its RBAC only with a schedule, least privilege', () => {
    assert.equal(buildChildren(caseInput('no-autoscaling')).offline, undefined);
    const offline = buildChildren(caseInput('seed')).offline;
    assert.ok(offline);
    const rules = offline.role.rules ?? [];
    const secretRule = rules.find((rule) => rule.resources?.includes('secrets'));
    assert.deepEqual(secretRule?.resourceNames, ['test-secret']);
    assert.deepEqual(secretRule.verbs, ['get']);
    for (const rule of rules) {
      assert.ok(
        rule.verbs.every((verb) => ['get', 'list'].includes(verb)),
        JSON.stringify(rule),
      );
      assert.ok(!rule.resources?.includes('*'));
    }
    assert.equal(offline.roleBinding.roleRef.kind, 'Role');
    const job = offline.cronJob.spec?.jobTemplate.spec?.template.spec;
    assert.ok(job);
    assert.equal(job.serviceAccountName, offline.serviceAccount.metadata.name);
    assert.deepEqual(job.containers[0]?.command, [
      'node',
      '/app/dist/cli/main.js',
      'offline',
      '--namespace',
      'starrocks',
      '--name',
      'computenodegroup-sample',
    ]);
  });

  it("keeps the job's pods out of the CN selector (the HPA and the PDB must not count them)", () => {
    const offline = buildChildren(caseInput('seed')).offline;
    const labels = offline?.cronJob.spec?.jobTemplate.spec?.template.metadata?.labels ?? {};
    const selector = selectorLabels(caseInput('seed').cng);
    assert.ok(Object.entries(selector).some(([key, value]) => labels[key] !== value));
  });

  it('gives every child a controller owner reference to the group and the app.kubernetes.io labels', () => {
    for (const child of childrenList(buildChildren(caseInput('maximal')))) {
      const owners = child.metadata.ownerReferences ?? [];
      assert.equal(owners.length, 1, child.kind);
      assert.deepEqual(owners[0], {
        apiVersion: 'starrocks.com/v1alpha1',
        kind: 'ComputeNodeGroup',
        name: 'lake-cn',
        uid: UID,
        controller: true,
        blockOwnerDeletion: true,
      });
      assert.equal(child.metadata.namespace, 'starrocks');
      assert.equal(child.metadata.labels?.['app.kubernetes.io/instance'], 'lake-cn');
      assert.equal(child.metadata.labels['app.kubernetes.io/managed-by'], 'starrocks-cn-operator');
    }
  });

  it('leaves owner references out when the group has no uid (render without a cluster)', () => {
    const document = baseDocument();
    const cng = group({ ...document, metadata: { name: 'g', namespace: 'ns' } });
    assert.equal(buildChildren(buildInput(cng, undefined)).statefulSet.metadata.ownerReferences, undefined);
  });

  it('selects the pods the template labels, and labelSelectorString says the same', () => {
    const input = caseInput('maximal');
    const set = buildChildren(input).statefulSet;
    const podLabels = set.spec?.template.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(set.spec?.selector.matchLabels ?? {}))
      assert.equal(podLabels[key], value);
    assert.equal(podLabels['team'], 'analytics');
    const parsed: Record<string, string> = {};
    for (const pair of labelSelectorString(input.cng).split(',')) {
      const [key = '', value = ''] = pair.split('=');
      parsed[key] = value;
    }
    assert.deepEqual(parsed, set.spec?.selector.matchLabels);
  });
});

describe('the pod template', () => {
  it('changes with the cn.conf hash and with nothing the user did not put in the pod', () => {
    const base = baseDocument({ replicas: 2 });
    const template = (document: ReturnType<typeof baseDocument>, conf = 'a = 1', replicas = 2) =>
      JSON.stringify(buildPodTemplate(buildInput(group(document), conf, replicas)));
    const reference = template(base);
    assert.equal(template(base, 'a = 1', 7), reference);
    assert.equal(template(baseDocument({ replicas: 9 })), reference);
    assert.equal(template(baseDocument({ replicas: 2, autoScalingPolicy: { maxReplicas: 9 } })), reference);
    assert.equal(template(baseDocument({ replicas: 2, cronJobPolicy: { schedule: '@hourly' } })), reference);
    assert.equal(template(baseDocument({ replicas: 2, podDisruptionBudget: { maxUnavailable: '50%' } })), reference);
    assert.notEqual(template(base, 'a = 2'), reference);
  });

  it('probes /api/health and registers on the ports of cn.conf', () => {
    const cng = group(baseDocument());
    const input = buildInput(cng, 'be_http_port = 8140\nheartbeat_service_port = 9150\n');
    const cn = container(input, 'cn');
    assert.deepEqual(cn.startupProbe?.httpGet, { path: '/api/health', port: 8140 });
    assert.deepEqual(cn.livenessProbe?.httpGet, { path: '/api/health', port: 8140 });
    const vars = env(input);
    assert.equal(vars['CN_PORT'], '9150');
    assert.equal(vars['CN_HTTP_PORT'], '8140');
    assert.equal(vars['FE_ADDRS'], '10.0.0.1:9030,10.0.0.2:9030');
    assert.equal(vars['CN_HOST'], '$(POD_IP)');
    assert.equal(vars['REGISTER_PROBE_PORT'], '8099');
  });

  it('registers by DNS name in FQDN mode, after the variables it refers to', () => {
    const input = caseInput('more-than-10-replicas');
    const names = (container(input, 'register').env ?? []).map((entry) => entry.name);
    assert.equal(env(input)['CN_HOST'], '$(POD_NAME).minimal-cn.analytics.svc.cluster.local');
    assert.ok(names.indexOf('POD_NAME') < names.indexOf('CN_HOST'));
  });

  it('reads the FE account from the Secret and mounts no service account token', () => {
    const input = caseInput('seed');
    const register = container(input, 'register');
    const password = register.env?.find((entry) => entry.name === 'FE_PWD');
    assert.deepEqual(password?.valueFrom?.secretKeyRef, { name: 'test-secret', key: 'FE_PWD' });
    assert.equal(buildPodTemplate(input).spec?.automountServiceAccountToken, false);
    assert.deepEqual(register.command, [
      'node',
      '--jitless',
      '--max-semi-space-size=1',
      '--optimize-for-size',
      '/app/dist/cli/main.js',
      'register',
    ]);
  });

  it("runs register in componentsImage, else in the operator's image", () => {
    assert.equal(container(caseInput('maximal'), 'register').image, 'registry.example.com/cn-components:1.0.0');
    assert.equal(container(caseInput('minimal'), 'register').image, SETTINGS.operatorImage);
  });

  it('bounds the graceful stop by the grace period, next to a custom start script (drain order DropFirst)', () => {
    const stop = (document: ReturnType<typeof baseDocument>) =>
      container(buildInput(group(document), undefined), 'cn').lifecycle?.preStop?.exec?.command?.join(' ');
    const dropFirst = { drain: { order: 'DropFirst' } };
    assert.equal(
      stop(baseDocument({ ...dropFirst })),
      '/bin/sh -c timeout 115 /opt/starrocks/cn/bin/stop_cn.sh -g || true',
    );
    assert.equal(
      stop(
        baseDocument({
          ...dropFirst,
          podPolicy: { terminationGracePeriodSeconds: 30, command: ['be/bin/start_cn.sh'] },
        }),
      ),
      '/bin/sh -c timeout 25 be/bin/stop_cn.sh -g || true',
    );
    assert.equal(
      stop(baseDocument({ ...dropFirst, podPolicy: { terminationGracePeriodSeconds: 0 } })),
      '/bin/sh -c timeout 1 /opt/starrocks/cn/bin/stop_cn.sh -g || true',
    );
  });

  it('with the drain order, gates the graceful stop on the running queries and fits the grace period to the window', () => {
    const pod = (drain: Record<string, unknown>, podPolicy: Record<string, unknown> = {}) =>
      buildPodTemplate(buildInput(group(baseDocument({ drain, podPolicy })), undefined)).spec;
    const script = (spec: ReturnType<typeof pod>) =>
      spec?.containers.find((c) => c.name === 'cn')?.lifecycle?.preStop?.exec?.command?.[2] ?? '';
    const byDefault = pod({});
    assert.equal(byDefault?.terminationGracePeriodSeconds, 335, 'the 5 s lead, the 300 s window, 30 s to stop');
    assert.match(script(byDefault), /starrocks_be_pip_query_ctx_cnt/);
    assert.match(script(byDefault), /deadline=\$\(\(started \+ 305\)\)/, 'the 5 s lead, then the 300 s window');
    assert.match(script(byDefault), /http:\/\/127\.0\.0\.1:8040\/metrics/, "the CN's own HTTP port, on loopback");
    assert.match(script(byDefault), /timeout "\$left" \/opt\/starrocks\/cn\/bin\/stop_cn\.sh -g \|\| true;/);
    assert.equal(
      pod({ windowSeconds: 60 }, { terminationGracePeriodSeconds: 600 })?.terminationGracePeriodSeconds,
      600,
    );
    assert.equal(pod({ windowSeconds: 60 })?.terminationGracePeriodSeconds, 120, 'the default grace already fits');
    assert.equal(pod({ order: 'StopFirst' })?.terminationGracePeriodSeconds, 120, 'no window outside Drain');
    assert.doesNotMatch(script(pod({ order: 'StopFirst' })), /pip_query_ctx_cnt/);
    assert.doesNotMatch(script(pod({ windowSeconds: 0 })), /pip_query_ctx_cnt/, 'a window of 0 is no gate');
    const oldImage = buildPodTemplate(
      buildInput(group(baseDocument({ images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' } })), undefined),
    ).spec;
    assert.match(script(oldImage), /pip_query_ctx_cnt/, 'an image without -g still gets the gate');
    assert.doesNotMatch(script(oldImage), /stop_cn\.sh/);
  });

  it('runs stop_cn.sh -g only where the image has it (podPolicy.gracefulStop: Auto reads the tag)', () => {
    const hasHook = (cnImage: string, gracefulStop?: string) =>
      container(
        buildInput(
          group(
            baseDocument({
              images: { cnImage },
              drain: { order: 'DropFirst' },
              podPolicy: gracefulStop === undefined ? {} : { gracefulStop },
            }),
          ),
          undefined,
        ),
        'cn',
      ).lifecycle !== undefined;
    assert.equal(hasHook('starrocks/cn-ubuntu:3.3.5'), false, '3.3.5 predates the graceful stop');
    assert.equal(hasHook('starrocks/cn-ubuntu:3.3.17'), true);
    assert.equal(hasHook('starrocks/cn-ubuntu:3.4.5'), false);
    assert.equal(hasHook('starrocks/cn-ubuntu:3.4.6-ubuntu'), true);
    assert.equal(hasHook('starrocks/cn-ubuntu:3.5.2'), true);
    assert.equal(hasHook('starrocks/cn-ubuntu:3.6.0'), true);
    assert.equal(hasHook('starrocks/cn-ubuntu:2.5.22'), false);
    assert.equal(hasHook('registry.example.com:5000/cn:latest'), true, 'a tag that is not a version counts as recent');
    assert.equal(hasHook('starrocks/cn-ubuntu:3.3.5', 'Always'), true);
    assert.equal(hasHook('starrocks/cn-ubuntu:3.5.2', 'Never'), false);
    assert.deepEqual(imageVersion('registry:5000/a/cn:v3.4.6@sha256:abc'), [3, 4, 6]);
    assert.equal(imageVersion('registry:5000/cn'), undefined);
  });

  it('mounts cn.conf from the ConfigMap only when the group names one', () => {
    const withConf = buildPodTemplate(caseInput('seed'));
    assert.deepEqual(container(caseInput('seed'), 'cn').volumeMounts, [
      { name: 'cn-conf', mountPath: '/opt/starrocks/cn/conf/cn.conf', subPath: 'cn.conf', readOnly: true },
    ]);
    assert.equal(withConf.spec?.volumes?.[0]?.configMap?.name, 'cn-test');
    assert.equal(buildPodTemplate(caseInput('minimal')).spec?.volumes, undefined);
    assert.equal(buildPodTemplate(caseInput('minimal')).metadata?.annotations, undefined);
  });

  it('carries every podPolicy knob', () => {
    const input = caseInput('maximal');
    const spec = buildPodTemplate(input).spec;
    const policy = input.cng.spec.podPolicy;
    assert.equal(spec?.terminationGracePeriodSeconds, 300);
    assert.equal(spec.priorityClassName, 'starrocks-compute');
    assert.equal(spec.serviceAccountName, 'starrocks-cn');
    assert.deepEqual(spec.tolerations, policy.tolerations);
    assert.deepEqual(spec.topologySpreadConstraints, policy.topologySpreadConstraints);
    assert.deepEqual(spec.affinity, policy.affinity);
    assert.deepEqual(spec.nodeSelector, policy.nodeSelector);
    assert.deepEqual(spec.imagePullSecrets, [{ name: 'registry-credentials' }]);
    assert.deepEqual(spec.securityContext, policy.securityContext);
    const cn = container(input, 'cn');
    assert.deepEqual(cn.args, ['--logconsole']);
    assert.equal(cn.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(cn.env, policy.env);
    assert.deepEqual(cn.resources, policy.resources);
    assert.equal(buildPodTemplate(input).metadata?.annotations?.['prometheus.io/scrape'], 'true');
  });
});
