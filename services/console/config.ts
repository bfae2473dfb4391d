/**
 * The console's configuration: the core keys (services/core/config.ts) plus
 *
 *   BACKTRACK_CONSOLE_TOKENS      bearer tokens, `name:role:token,...` or JSON (auth.ts); required
 *   BACKTRACK_CONSOLE_PORT        HTTP port of the API, dashboard, /metrics and /healthz (8080)
 *   BACKTRACK_CONSOLE_HOST        listen address (0.0.0.0)
 *   BACKTRACK_CONSOLE_POINTS      score points kept per (rollout, tenant) and per tier (240)
 *   BACKTRACK_CONSOLE_ROLLOUTS    rollouts kept in memory (100)
 *
 * Every bad key is reported at start in one ConfigError, one line per key; the token setting is
 * reported by entry position, never by value.
 */
import { loadConfig, type CoreConfig } from '../core/config.ts';
import { envInt, envString } from '../core/env-schema.ts';
import { ConfigError } from '../core/errors.ts';
import { parseTokens, type TokenEntry } from './auth.ts';
import { defaultLimits, type ReadModelLimits } from './read-model.ts';

const shape = {
  BACKTRACK_CONSOLE_PORT: envInt(0, 65535, 8080),
  BACKTRACK_CONSOLE_HOST: envString('0.0.0.0'),
  BACKTRACK_CONSOLE_POINTS: envInt(10, 100_000, defaultLimits.pointsPerSeries),
  BACKTRACK_CONSOLE_ROLLOUTS: envInt(1, 100_000, defaultLimits.rollouts),
};

export interface ConsoleConfig {
  readonly core: CoreConfig;
  readonly tokens: readonly TokenEntry[];
  readonly port: number;
  readonly host: string;
  readonly limits: ReadModelLimits;
}

/** Parses the environment; throws one ConfigError naming every bad key. */
export function loadConsoleConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConsoleConfig {
  const tokens = parseTokens(env.BACKTRACK_CONSOLE_TOKENS);
  const issues = tokens.ok ? [] : [`BACKTRACK_CONSOLE_TOKENS: ${tokens.issue}`];
  let config;
  try {
    config = loadConfig({
      service: 'console',
      env: { ...env, BACKTRACK_CONSOLE_TOKENS: undefined },
      extend: shape,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.unshift(error.message);
  }
  if (config === undefined || !tokens.ok) throw new ConfigError(issues.join('\n'));
  const x = config.extra;
  return {
    core: config,
    tokens: tokens.tokens,
    port: x.BACKTRACK_CONSOLE_PORT,
    host: x.BACKTRACK_CONSOLE_HOST,
    limits: {
      ...defaultLimits,
      pointsPerSeries: x.BACKTRACK_CONSOLE_POINTS,
      rollouts: x.BACKTRACK_CONSOLE_ROLLOUTS,
    },
  };
}
