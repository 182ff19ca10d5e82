// Resolves what the group refers to by name: the FE account Secret (keys FE_USR, FE_PWD) and the optional cn.conf
// ConfigMap. Pure: the caller passes the objects it found (or undefined). A problem becomes the ConfigResolved
// condition with a message that says what to create or fix; the password itself never appears in one.
import { z } from 'zod';
import { CN_CONF_KEY, FE_PASSWORD_KEY, FE_USER_KEY, type ComputeNodeGroup } from '../api/v1alpha1/index.js';
import { DEFAULT_CN_PORTS, parseCnConf, type CnPorts } from '../cnconf/index.js';

export interface FeCredentials {
  user: string;
  password: string;
}

export interface ResolvedConfig {
  credentials: FeCredentials;
  /** cn.conf text ('' without a ConfigMap) and the ports read from it. */
  cnConf: { text: string; ports: CnPorts };
}

export interface ConfigProblem {
  reason: 'SecretNotFound' | 'SecretInvalid' | 'ConfigMapNotFound' | 'ConfigMapInvalid';
  message: string;
}

export type ConfigResolution = { ok: true; value: ResolvedConfig } | { ok: false; problem: ConfigProblem };

const secretSchema = z.looseObject({
  data: z.record(z.string(), z.string()).optional(),
  stringData: z.record(z.string(), z.string()).optional(),
});
const configMapSchema = z.looseObject({ data: z.record(z.string(), z.string()).optional() });

export function resolveConfig(group: ComputeNodeGroup, secret: unknown, configMap: unknown): ConfigResolution {
  const credentials = readCredentials(group, secret);
  if (!credentials.ok) return credentials;
  const cnConf = readCnConf(group, configMap);
  if (!cnConf.ok) return cnConf;
  return { ok: true, value: { credentials: credentials.value, cnConf: cnConf.value } };
}

function readCredentials(
  group: ComputeNodeGroup,
  secret: unknown,
): { ok: true; value: FeCredentials } | { ok: false; problem: ConfigProblem } {
  const name = group.spec.feInfo.accountSecret;
  if (secret === undefined) {
    return problem(
      'SecretNotFound',
      `Secret ${name} (spec.feInfo.accountSecret) was not found in namespace ${group.metadata.namespace ?? ''}: ` +
        `create it with keys ${FE_USER_KEY} and ${FE_PASSWORD_KEY}`,
    );
  }
  const parsed = secretSchema.safeParse(secret);
  const data = parsed.success ? (parsed.data.data ?? {}) : {};
  const user = decodeBase64(data[FE_USER_KEY]);
  const password = data[FE_PASSWORD_KEY] === undefined ? undefined : decodeBase64(data[FE_PASSWORD_KEY]);
  if (user === undefined || user.trim() === '') {
    return problem('SecretInvalid', `Secret ${name} has no non-empty key ${FE_USER_KEY}: set it to the FE user name`);
  }
  if (password === undefined) {
    return problem(
      'SecretInvalid',
      `Secret ${name} has no key ${FE_PASSWORD_KEY}: set it to the FE user's password (an empty value is allowed)`,
    );
  }
  return { ok: true, value: { user: user.trim(), password } };
}

function readCnConf(
  group: ComputeNodeGroup,
  configMap: unknown,
): { ok: true; value: ResolvedConfig['cnConf'] } | { ok: false; problem: ConfigProblem } {
  const name = group.spec.cnInfo.configMap;
  if (name === undefined) return { ok: true, value: { text: '', ports: { ...DEFAULT_CN_PORTS } } };
  if (configMap === undefined) {
    return problem(
      'ConfigMapNotFound',
      `ConfigMap ${name} (spec.cnInfo.configMap) was not found in namespace ${group.metadata.namespace ?? ''}: ` +
        `create it with the key ${CN_CONF_KEY}, or remove spec.cnInfo.configMap to use the CN's defaults`,
    );
  }
  const parsed = configMapSchema.safeParse(configMap);
  const text = parsed.success ? parsed.data.data?.[CN_CONF_KEY] : undefined;
  if (text === undefined) {
    return problem('ConfigMapInvalid', `ConfigMap ${name} has no key ${CN_CONF_KEY}: put the CN's cn.conf under it`);
  }
  const ports = parseCnConf(text);
  if (!ports.ok) {
    const detail = ports.errors.map((error) => `line ${error.line}: ${error.message}`).join('; ');
    return problem('ConfigMapInvalid', `ConfigMap ${name} key ${CN_CONF_KEY} cannot be read: ${detail}`);
  }
  return { ok: true, value: { text, ports: ports.value } };
}

function problem(reason: ConfigProblem['reason'], message: string): { ok: false; problem: ConfigProblem } {
  return { ok: false, problem: { reason, message } };
}

function decodeBase64(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}
