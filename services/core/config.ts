/**
 * Environment-driven configuration, validated at start. A bad value stops the process with one line
 * per bad key: `BACKTRACK_METRICS_PORT: expected integer 1..65535, got "abc"`. Services add their own
 * keys through `extend`. BACKTRACK_APP_ID and BACKTRACK_TOPICS let several deployments (staging, prod,
 * a demo) share one Kafka cluster: each its own consumer groups, changelogs and topics.
 */
import { z } from 'zod';
import type { TopicKey } from '../../topology/topics.ts';
import { ConfigError } from './errors.ts';
import {
  envBool,
  envEnum,
  envHostPorts,
  envInt,
  envOptionalEnum,
  envOptionalString,
  envString,
  envUrl,
} from './env-schema.ts';
import { DEFAULT_APP_ID, parseTopicRenames, validAppId } from './topic-bindings.ts';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
export const saslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

const envAppId = () =>
  z
    .string()
    .optional()
    .transform((raw, ctx): string => {
      const value = raw === undefined || raw.trim() === '' ? DEFAULT_APP_ID : raw.trim();
      if (validAppId(value)) return value;
      ctx.addIssue({ code: 'custom', message: 'expected 1..200 characters of a-z A-Z 0-9 . _ -' });
      return z.NEVER;
    });

const envTopicRenames = () =>
  z
    .string()
    .optional()
    .transform((raw, ctx): Partial<Record<TopicKey, string>> => {
      const parsed = parseTopicRenames(raw);
      if ('renames' in parsed) return parsed.renames;
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    });

const coreShape = {
  KAFKA_BROKERS: envHostPorts('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: envOptionalString(),
  KAFKA_SASL_MECHANISM: envOptionalEnum(saslMechanisms),
  KAFKA_SASL_USERNAME: envOptionalString(),
  KAFKA_SASL_PASSWORD: envOptionalString(),
  KAFKA_SSL: envBool(false),
  KAFKA_SSL_CA_PATH: envOptionalString(),
  SCHEMA_REGISTRY_URL: envUrl('http://127.0.0.1:8081/apis/ccompat/v7'),
  SCHEMA_REGISTRY_USERNAME: envOptionalString(),
  SCHEMA_REGISTRY_PASSWORD: envOptionalString(),
  BACKTRACK_LOG_LEVEL: envEnum(logLevels, 'info'),
  BACKTRACK_METRICS_PORT: envInt(1, 65535, 9464),
  BACKTRACK_STATE_DIR: envString('.data/state'),
  BACKTRACK_APP_ID: envAppId(),
  BACKTRACK_TOPICS: envTopicRenames(),
  BACKTRACK_EXIT_ON_STDIN_EOF: envBool(false),
};

/** Environment keys whose values are secrets: never logged (see `redactPaths` in logger.ts). */
export const secretEnvKeys = ['KAFKA_SASL_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD'] as const;

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  /** TLS to the brokers; `caPath` replaces the system CAs with a PEM file. */
  readonly ssl?: { readonly caPath?: string };
}

export interface CoreConfig {
  readonly service: string;
  readonly kafka: KafkaSettings;
  readonly registry: { readonly url: string; readonly auth?: { username: string; password: string } };
  readonly logLevel: LogLevel;
  readonly metricsPort: number;
  /** Root of local state (RocksDB stores), one sub-directory per service. */
  readonly stateDir: string;
  /** Prefix of the service's consumer group and changelog topics (`serviceNames` in topic-bindings.ts). */
  readonly appId: string;
  /** Registry topics renamed for this deployment; the others keep the topology's names. */
  readonly topics: Readonly<Partial<Record<TopicKey, string>>>;
  /** Stop like SIGTERM when stdin closes (a child process whose parent has gone). */
  readonly exitOnStdinEof: boolean;
}

export type Config<S extends z.ZodRawShape> = CoreConfig & { readonly extra: z.output<z.ZodObject<S>> };

type Raw = z.output<z.ZodObject<typeof coreShape>>;

function crossChecks(raw: Raw, issues: string[]): void {
  const sasl = [raw.KAFKA_SASL_USERNAME, raw.KAFKA_SASL_PASSWORD];
  if (raw.KAFKA_SASL_MECHANISM !== null && sasl.some((v) => v === undefined)) {
    issues.push('KAFKA_SASL_MECHANISM: set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
  }
  if (raw.KAFKA_SASL_MECHANISM === null && sasl.some((v) => v !== undefined)) {
    issues.push('KAFKA_SASL_MECHANISM: required when KAFKA_SASL_USERNAME/PASSWORD are set');
  }
  if (raw.KAFKA_SSL_CA_PATH !== undefined && !raw.KAFKA_SSL) {
    issues.push('KAFKA_SSL_CA_PATH: set, but KAFKA_SSL is false');
  }
  if (raw.KAFKA_SASL_MECHANISM === 'plain' && !raw.KAFKA_SSL) {
    issues.push('KAFKA_SASL_MECHANISM: plain sends the password in clear; it requires KAFKA_SSL=true');
  }
  if ((raw.SCHEMA_REGISTRY_USERNAME === undefined) !== (raw.SCHEMA_REGISTRY_PASSWORD === undefined)) {
    issues.push('SCHEMA_REGISTRY_USERNAME: and SCHEMA_REGISTRY_PASSWORD must be set together');
  }
}

function toCore(service: string, raw: Raw): CoreConfig {
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = raw;
  const { SCHEMA_REGISTRY_USERNAME: regUser, SCHEMA_REGISTRY_PASSWORD: regPass } = raw;
  return {
    service,
    kafka: {
      brokers: raw.KAFKA_BROKERS,
      clientId: raw.KAFKA_CLIENT_ID ?? `${raw.BACKTRACK_APP_ID}-${service}`,
      ...(mechanism !== null && username !== undefined && password !== undefined
        ? { sasl: { mechanism, username, password } }
        : {}),
      ...(raw.KAFKA_SSL
        ? { ssl: raw.KAFKA_SSL_CA_PATH === undefined ? {} : { caPath: raw.KAFKA_SSL_CA_PATH } }
        : {}),
    },
    registry: {
      url: raw.SCHEMA_REGISTRY_URL,
      ...(regUser !== undefined && regPass !== undefined
        ? { auth: { username: regUser, password: regPass } }
        : {}),
    },
    logLevel: raw.BACKTRACK_LOG_LEVEL,
    metricsPort: raw.BACKTRACK_METRICS_PORT,
    stateDir: raw.BACKTRACK_STATE_DIR,
    appId: raw.BACKTRACK_APP_ID,
    topics: raw.BACKTRACK_TOPICS,
    exitOnStdinEof: raw.BACKTRACK_EXIT_ON_STDIN_EOF,
  };
}

export interface LoadConfigOptions<S extends z.ZodRawShape> {
  /** Service name: default client id, logger `service` field, metrics label. */
  readonly service: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The service's own keys, built with the `env*` helpers of env-schema.ts. */
  readonly extend?: S;
}

/** Parses the environment; throws a `ConfigError` naming every bad key and the value it got. */
export function loadConfig<S extends z.ZodRawShape = Record<never, never>>(
  options: LoadConfigOptions<S>,
): Config<S> {
  const env = options.env ?? process.env;
  const extend = (options.extend ?? {}) as S;
  const result = z.object({ ...coreShape, ...extend }).safeParse(env);
  const issues: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '?');
      const shown = (secretEnvKeys as readonly string[]).includes(key)
        ? '[redacted]'
        : JSON.stringify(env[key]);
      issues.push(`${key}: ${issue.message}, got ${shown ?? 'nothing'}`);
    }
  } else {
    crossChecks(result.data as Raw, issues);
  }
  if (!result.success || issues.length > 0) throw new ConfigError(issues.join('\n'));
  const data = result.data as Raw & Record<string, unknown>;
  const extra = Object.fromEntries(Object.keys(extend).map((k) => [k, data[k]])) as z.output<z.ZodObject<S>>;
  return { ...toCore(options.service, data), extra };
}
