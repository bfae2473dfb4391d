/**
 * The few Confluent-API calls the codec makes with fetch rather than through
 * @kafkajs/confluent-schema-registry: per-subject compatibility, a schema by id with a clear 404, and
 * the subjects a schema id is registered under. Checked against Apicurio Registry 3.3's ccompat API.
 */
import { BacktrackError, UnavailableError } from './errors.ts';

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

/** The registry refused a request (incompatible schema 409, invalid 422, ...). Not retriable. */
export class RegistryRefusedError extends BacktrackError {
  readonly retriable = false;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RegistryHttpOptions {
  /** Base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** ms per request */
  readonly timeoutMs?: number;
}

export class RegistryHttp {
  readonly #options: RegistryHttpOptions;

  constructor(options: RegistryHttpOptions) {
    this.#options = options;
  }

  /** PUT /config/{subject}. Apicurio accepts it before the subject exists (Confluent does too). */
  async setCompatibility(subject: string, level: Compatibility): Promise<void> {
    await this.#call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** GET /config/{subject}; undefined when the subject has no subject-level setting (404). */
  async compatibility(subject: string): Promise<string | undefined> {
    const body = await this.#call('GET', `/config/${encodeURIComponent(subject)}`, undefined, true);
    return (body as { compatibilityLevel?: string } | undefined)?.compatibilityLevel;
  }

  /** GET /schemas/ids/{id}: the schema text, or undefined when the id is unknown (404). */
  async schemaById(id: number): Promise<string | undefined> {
    const body = await this.#call('GET', `/schemas/ids/${id}`, undefined, true);
    return (body as { schema?: string } | undefined)?.schema;
  }

  /** GET /schemas/ids/{id}/versions: every subject (and version) registered with that id. */
  async subjectsOfId(id: number): Promise<string[]> {
    const body = await this.#call('GET', `/schemas/ids/${id}/versions`, undefined, true);
    return ((body as { subject: string }[] | undefined) ?? []).map((v) => v.subject);
  }

  /** POST /compatibility/subjects/{subject}/versions/latest */
  async isCompatible(subject: string, schema: object): Promise<boolean> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`;
    const body = await this.#call('POST', path, { schema: JSON.stringify(schema) });
    return (body as { is_compatible?: boolean }).is_compatible === true;
  }

  /** DELETE /subjects/{subject} (soft, then permanent); for tests and tooling. */
  async deleteSubject(subject: string): Promise<void> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    await this.#call('DELETE', path, undefined, true);
    await this.#call('DELETE', `${path}?permanent=true`, undefined, true);
  }

  async #call(method: string, path: string, body?: unknown, allow404 = false): Promise<unknown> {
    const { url, auth, timeoutMs = 5_000 } = this.#options;
    const headers: Record<string, string> = {
      accept: 'application/vnd.schemaregistry.v1+json, application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
    if (auth !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    }
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
      throw new UnavailableError(`schema registry ${method} ${url}${path} failed: ${reason}`, { cause });
    }
    const text = await res.text();
    if (res.status === 404 && allow404) return undefined;
    if (res.status >= 500 || res.status === 429) {
      throw new UnavailableError(`schema registry ${method} ${path}: ${res.status} ${text}`);
    }
    if (!res.ok)
      throw new RegistryRefusedError(res.status, `schema registry ${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
