/**
 * The console assembled: read model, Kafka feed, publisher and HTTP app. `main.ts` builds it from the
 * environment; tests build it in-process on renamed topics.
 *
 * Lifecycle: `start()` connects the publisher, starts the feed and the HTTP server (which answers
 * 503 on /healthz until the feed has caught up; `ready()` waits for that). `stop()` closes the server
 * (ending live streams), then the feed and the publisher.
 */
import type { FastifyInstance } from 'fastify';
import type { Codec } from '../core/codec.ts';
import type * as k from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { TokenEntry } from './auth.ts';
import { ConsoleFeed } from './feed.ts';
import { buildConsoleApp } from './http-app.ts';
import { consoleMetrics, type ConsoleMetrics } from './metrics.ts';
import { ConsolePublisher } from './publisher.ts';
import { emptyReadModel, type ReadModel, type ReadModelLimits } from './read-model.ts';

export interface ConsoleServiceDeps {
  readonly kafka: k.Kafka;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface ConsoleServiceOptions {
  readonly tokens: readonly TokenEntry[];
  readonly limits?: ReadModelLimits;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly groupId?: string;
  readonly throttleMs?: number;
}

export class ConsoleService {
  readonly model: ReadModel;
  readonly feed: ConsoleFeed;
  readonly #publisher: ConsolePublisher;
  readonly #deps: ConsoleServiceDeps;
  readonly #o: ConsoleServiceOptions;
  readonly #metrics: ConsoleMetrics;
  #app: FastifyInstance | undefined;
  #caughtUp = false;
  /** Base URL once started, e.g. `http://127.0.0.1:8080`. */
  url = '';

  constructor(deps: ConsoleServiceDeps, options: ConsoleServiceOptions) {
    this.#deps = deps;
    this.#o = options;
    this.model = emptyReadModel(options.limits);
    this.#metrics = consoleMetrics(deps.metrics);
    this.feed = new ConsoleFeed(
      { ...deps, metrics: this.#metrics },
      this.model,
      options.groupId ? { groupId: options.groupId } : {},
    );
    this.#publisher = new ConsolePublisher(deps.kafka, deps.codec);
  }

  async start(): Promise<void> {
    await this.#publisher.start();
    await this.feed.start();
    this.feed.ready().then(
      () => {
        this.#caughtUp = true;
        this.#deps.logger.info({ version: this.model.version }, 'console read model caught up');
      },
      () => undefined,
    );
    const app = await buildConsoleApp({
      model: this.model,
      tokens: this.#o.tokens,
      sink: this.#publisher,
      metrics: this.#metrics,
      registry: this.#deps.metrics,
      logger: this.#deps.logger,
      onChange: (l) => this.feed.onChange(l),
      isReady: () => this.#caughtUp,
      ...(this.#o.throttleMs === undefined ? {} : { throttleMs: this.#o.throttleMs }),
    });
    this.#app = app;
    const address = await app.listen({ port: this.#o.port, host: this.#o.host ?? '0.0.0.0' });
    this.url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  }

  /** Resolves when the read model holds everything that was on the topics at start. */
  ready(timeoutMs?: number): Promise<void> {
    return this.feed.ready(timeoutMs);
  }

  async stop(): Promise<void> {
    await this.#app?.close();
    await this.feed.stop();
    await this.#publisher.stop();
  }
}
