// A typed client for the Pioniers API: the request and response types are
// generated from the contract (openapi.yaml) by openapi-typescript into
// schema.d.ts; requests go through openapi-fetch.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths, operations } from "./schema.js";

/** Every error the API answers, as application/problem+json (RFC 9457). */
export type Problem = components["schemas"]["Problem"];

/** A client of the Pioniers API: openapi-fetch's client for its paths. */
export type PioniersClient = Client<paths>;

export interface PioniersClientOptions {
  /**
   * The access token sent as `Authorization: Bearer …`, or a function that
   * returns the current one (tokens last 15 minutes), called per request.
   */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** The fetch to use; the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/**
 * createPioniersClient returns a client for the service at baseUrl, such as
 * `http://localhost:8080` (the API's `/v1` is added unless baseUrl ends with
 * it). Paths are the contract's: `client.GET("/meetings", …)`.
 */
export function createPioniersClient(baseUrl: string, options: PioniersClientOptions = {}): PioniersClient {
  const trimmed = baseUrl.replace(/\/+$/, "");
  const client = createClient<paths>({
    baseUrl: trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const { token } = options;
  if (token !== undefined) {
    const bearer: Middleware = {
      async onRequest({ request }) {
        const value = typeof token === "function" ? await token() : token;
        if (value && !request.headers.has("Authorization")) {
          request.headers.set("Authorization", `Bearer ${value}`);
        }
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}

/** isProblem tells a problem+json body from anything else. */
export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "status" in value && "title" in value && "type" in value;
}
