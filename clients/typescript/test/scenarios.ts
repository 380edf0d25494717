// The front-end scenarios of issue 11, written against openapi-fetch's
// default createClient<paths>() with no casts: if the contract stops
// typing any of them, `tsc --strict` fails before a test runs.
import createClient from "openapi-fetch";
import type { components, paths } from "../src/schema.js";

type Meeting = components["schemas"]["Meeting"];
type Milestone = components["schemas"]["Milestone"];

export function defaultClient(baseUrl: string, token?: string) {
  return createClient<paths>({ baseUrl, headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

/** signIn exchanges an email and password for an access token. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const { data, error } = await defaultClient(baseUrl).POST("/auth/token", { body: { email, password } });
  if (error) throw new Error(`sign in: ${error.detail}`);
  return data.access_token;
}

/** listAllMeetings reads every page of meetings, pageSize at a time. */
export async function listAllMeetings(baseUrl: string, pageSize: number): Promise<{ meetings: Meeting[]; pages: number }> {
  const client = defaultClient(baseUrl);
  const meetings: Meeting[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const { data, error } = await client.GET("/meetings", { params: { query: { pageSize, ...(cursor ? { cursor } : {}) } } });
    if (error) throw new Error(`list meetings: ${error.detail}`);
    pages++;
    meetings.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return { meetings, pages };
}

/** milestonesOf reads the first page of a commitment's milestones, such as NL0037's. */
export async function milestonesOf(baseUrl: string, commitment: string): Promise<Milestone[]> {
  const { data, error } = await defaultClient(baseUrl).GET("/commitments/{commitment}/milestones", {
    params: { path: { commitment } },
  });
  if (error) throw new Error(`milestones: ${error.detail}`);
  return data.items;
}

/** planMeeting creates a meeting with a bearer token and returns it with its ETag. */
export async function planMeeting(baseUrl: string, token: string, title: string): Promise<{ meeting: Meeting; etag: string }> {
  const { data, error, response } = await defaultClient(baseUrl, token).POST("/meetings", {
    body: {
      title,
      topic: "Typed front ends",
      format: "knowledge-session",
      startsAt: "2030-05-01T13:00:00Z",
      endsAt: "2030-05-01T16:00:00Z",
      description: "To be cleared by a merge patch.",
    },
  });
  if (error) throw new Error(`plan meeting: ${error.detail}`);
  return { meeting: data, etag: response.headers.get("ETag") ?? "*" };
}

/** moveAndClear patches a meeting's venue and clears its description (null). */
export async function moveAndClear(baseUrl: string, token: string, id: string, etag: string, venue: string): Promise<Meeting> {
  const { data, error } = await defaultClient(baseUrl, token).PATCH("/meetings/{meeting}", {
    params: { path: { meeting: id }, header: { "If-Match": etag } },
    body: { venue: { name: venue, city: "Schiedam" }, description: null },
  });
  if (error) throw new Error(`patch meeting: ${error.detail}`);
  return data;
}

/** problemOf reads a meeting that does not exist and returns the problem's detail and status. */
export async function problemOf(baseUrl: string, id: string): Promise<{ status: number; detail: string; type: string }> {
  const { data, error } = await defaultClient(baseUrl).GET("/meetings/{meeting}", { params: { path: { meeting: id } } });
  if (data) throw new Error(`meeting ${id} exists`);
  return { status: error.status, detail: error.detail, type: error.type };
}

/** exportMeetings reads every meeting as CSV from the export operation. */
export async function exportMeetings(baseUrl: string): Promise<string> {
  const { data, error } = await defaultClient(baseUrl).GET("/meetings/export", {
    params: { query: { format: "csv" } },
    parseAs: "text",
  });
  if (error) throw new Error(`export: ${error.detail}`);
  return data;
}
