// Types of the ghl-bridge npm module. Written by hand from the Rust types they
// mirror (named in each comment); tests/npm checks them with `tsc` against a
// consumer and, at run time, that real results have these fields.

/** Browsers: fetch and instantiate the wasm once. Node: already done (no-op). */
export default function init(input?: { module_or_path?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module }): Promise<unknown>;
/** Instantiate from bytes you already have. */
export function initSync(input: { module: BufferSource | WebAssembly.Module }): unknown;

/** The version of the Rust core this module was built from. */
export function coreVersion(): string;

// ---- GHL endpoint catalogue (ghl::catalogue::Endpoint) ----

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export interface Endpoint {
  /** `contacts.upsert`, `tasks.create`, ... */
  id: string;
  operationId: string;
  family: "contacts" | "tasks" | "notes" | "appointments" | "tags" | "locations" | "conversations";
  method: HttpMethod;
  /** `/contacts/{contactId}/tasks` */
  path: string;
  /** OAuth scope it needs, e.g. `contacts.write`. */
  scope: string;
  /** The `Version` header value. */
  version: string;
  successStatus: number;
  query: string | null;
  body: string | null;
  response: string;
  summary: string;
  /** What GHL's docs leave open about this endpoint, or null. */
  uncertain: string | null;
}
export function catalogue(): Endpoint[];

// ---- Mappings ----

export type PayloadFormat = "json" | "form" | "query" | "csv";

/** A built-in mapping with a realistic sample payload (mapping::BuiltinTemplate). */
export interface Template {
  id: string;
  name: string;
  format: "json" | "form" | "csv";
  /** The mapping document (JSON text). */
  mapping: string;
  /** A sample payload in `format`. */
  sample: string;
}
export function templates(): Template[];

/** The mapping document's JSON Schema (for editors). */
export function mappingSchema(): Record<string, unknown>;

/** One problem in a mapping, where it is (mapping::MappingError). */
export interface MappingError {
  /** JSON pointer into the mapping (`/fields/2/transforms/0`). */
  pointer: string;
  line: number;
  column: number;
  message: string;
}
export interface Validation {
  ok: boolean;
  errors: MappingError[];
}
export function validateMapping(text: string): Validation;

/** `+33612345678`; throws an Error saying why a number is refused. */
export function normalisePhone(input: string, region?: string | null): string;
/** A ready set-up: a mapping for one source plus the sync rules it needs. */
export interface Recipe {
  id: string;
  name: string;
  description: string;
  /** The source whose mapping it sets. */
  sourceId: string;
  format: PayloadFormat;
  mapping: string;
  syncRules: string | null;
  sample: string;
  /** What is left to a person. */
  byHand: string[];
}
export function recipes(): Recipe[];
/** A location's sync rules with a recipe's added (the recipe's wins on the same tag). */
export function mergeSyncRules(existing: string | null | undefined, added: string): string;
/** "Suggest a mapping" for a sample payload, from the names real forms use (French and English). */
export function suggestMapping(payload: string, format: PayloadFormat): { mapping: string; unmatched: string[] };
/** A payload's top-level names (`[]` when it does not parse). */
export function payloadFields(payload: string, format: PayloadFormat): string[];
/** The standard targets a field rule can write (contact fields, DND and its channels). */
export function mappingTargets(): { value: string; label: string }[];
/** `jean@example.fr`; throws an Error saying why an address is refused. */
export function normaliseEmail(input: string): string;

/** The contact the mapping built (mapping::ContactDraft); GHL's field names. */
export interface ContactDraft {
  firstName?: string;
  lastName?: string;
  name?: string;
  email?: string;
  phone?: string;
  address1?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
  website?: string;
  timezone?: string;
  dateOfBirth?: string;
  source?: string;
  companyName?: string;
  gender?: string;
  dnd?: boolean;
  dndSettings?: Record<string, { status: "active" | "inactive" | "permanent"; message?: string; code?: string }>;
  customFields?: Array<{ id?: string; key?: string; field_value: unknown }>;
  [field: string]: unknown;
}
export interface NoteDraft { body: string; title?: string }
export interface TaskDraft { title: string; body?: string; /** UTC ISO 8601 */ dueDate: string; assignedTo?: string }
export interface AppointmentDraft { calendarId: string; startTime: string; endTime: string; title?: string }
/** A GHL workflow or campaign the contact enters or leaves (`leaveAll`: every campaign). */
export type MembershipDraft =
  | { list: "workflow" | "campaign"; change: "enrol" | "leave"; id: string }
  | { list: "campaign"; change: "leaveAll" };
/** Where one value came from (mapping::Provenance). */
export interface Provenance {
  /** `email`, `tags`, `customField.utm_source`, ... */
  target: string;
  /** The rule, as a JSON pointer into the mapping. */
  rule: string;
  /** The source path read, `constant` or `template`. */
  source: string;
  raw: unknown;
  steps: string[];
  value: unknown;
  /** False for a fallback an earlier rule already filled. */
  used: boolean;
}
export interface Warning { rule: string; target?: string; message: string }
/** What a mapping made of one payload (mapping::MappingOutcome). */
export interface MappingOutcome {
  contact: ContactDraft;
  tags: string[];
  notes: NoteDraft[];
  tasks: TaskDraft[];
  appointments: AppointmentDraft[];
  /** Tags taken off the contact (absent when none). */
  removedTags?: string[];
  memberships?: MembershipDraft[];
  /** GHL user ids added as followers (absent when none). */
  followers?: string[];
  identity: { email: string | null; phone: string | null };
  provenance: Provenance[];
  /** Values the mapping refused, and why (the event still syncs). */
  warnings: Warning[];
  /** Problems that stop the event from syncing (no identity). */
  errors: Warning[];
  /** Top-level payload fields no rule reads. */
  unmapped: string[];
}

/** A mapping checked once, applied to many payloads. `free()` releases it. */
export class CompiledMapping {
  /** Throws an Error listing every problem with its line. */
  constructor(text: string);
  apply(payload: string, format: PayloadFormat, sourceId: string, eventId: string | null | undefined, nowUnix: number): MappingOutcome & { idempotencyKey: string };
  /** The Worker's work per event, no provenance: the webhook route's idempotency key, then the consumer's mapping (`mapCount`). Returns only the number of warnings and errors. */
  applyCount(payload: string, format: PayloadFormat, nowUnix: number): number;
  /** The mapping alone (parse and apply, no idempotency key, no provenance): the count as `applyCount`. */
  mapCount(payload: string, format: PayloadFormat, nowUnix: number): number;
  free(): void;
}

// ---- Previews (preview::Preview, preview::BatchPreview) ----

export type RequestKind = "upsert" | "tags" | "note" | "task" | "appointment" | "removeTags" | "workflow" | "campaign" | "followers";
/** One GHL call, exactly as the Worker would send it, credentials masked. */
export interface PreviewRequest {
  kind: RequestKind;
  method: HttpMethod;
  /** `{contactId}` stands for the id the upsert returns. */
  url: string;
  /** `[name, value]` pairs; `Authorization: Bearer ****`. */
  headers: Array<[string, string]>;
  body: unknown | null;
}
/** What the identity policy decides, given existing contacts. */
export type IdentityDecision =
  | { action: "create" }
  | { action: "update"; contactId: string; matchedBy: "email" | "phone" }
  | { action: "conflict"; emailContactId: string; phoneContactId: string }
  | { action: "noIdentity" };
export interface Preview {
  ok: boolean;
  /** Non-empty: the mapping is invalid and nothing else was computed. */
  mappingErrors: MappingError[];
  /** The payload (or the existing contacts) could not be read. */
  payloadError: string | null;
  /** A custom field the location does not have (the Worker would park the event), given its `customFields`. */
  customFieldError: string | null;
  outcome: MappingOutcome | null;
  idempotencyKey: string | null;
  identityKeys: string[];
  /** The GHL calls in order. */
  requests: PreviewRequest[];
  /** Only when existing contacts were given. */
  decision: IdentityDecision | null;
}
/**
 * Everything the Worker would do with one payload, without doing it.
 * `existing`: the location's contacts as JSON, a list of `{id, email, phone}`
 * or GHL's `{contacts: [...]}`; with it, `decision` says create or update.
 */
/** `customFields`: the location's (JSON, GHL's `{customFields}` answer or the list): custom fields are then written by id, and one it lacks is `customFieldError`. */
export function previewEvent(mapping: string, payload: string, format: PayloadFormat, locationId: string, nowUnix: number, existing?: string | null, customFields?: string | null): Preview;

export type RowAction = "create" | "update" | "duplicateInFile" | "conflict" | "invalid";
export interface RowPreview {
  /** The row's line in the file (the header is line 1). */
  line: number;
  action: RowAction;
  identityKeys: string[];
  /** The existing contact this row updates. */
  contactId?: string;
  /** For a duplicate: the first line with the same person. */
  firstLine?: number;
  /** Why the row is invalid or in conflict. */
  reasons: string[];
  /** Values refused in this row (it still syncs). */
  warnings: string[];
  /** GHL calls for this row. */
  calls: number;
}
export interface BatchSummary {
  rows: number;
  create: number;
  update: number;
  duplicateInFile: number;
  conflict: number;
  invalid: number;
  withWarnings: number;
  calls: number;
}
export type BatchPreview =
  | { ok: true; mappingErrors: []; payloadError: null; summary: BatchSummary; rows: RowPreview[] }
  | { ok: false; mappingErrors: MappingError[]; payloadError: string | null };
/** Every row of a CSV (header row first; `,` `;` or tab) through the mapping, in order. */
export function previewBatch(mapping: string, csv: string, existing: string | null | undefined, nowUnix: number): BatchPreview;
/** The data rows of a CSV as payloads; throws an Error naming the bad line. */
export function csvRows(csv: string): Array<{ line: number; payload: Record<string, string> }>;

// ---- The Worker's admin API (admin_api, shared with the Worker) ----

export type EventStatus = "queued" | "processing" | "done" | "parked" | "ignored";
export interface EventRecord {
  /** The idempotency key, the event's id in the admin API. */
  key: string;
  sourceId: string;
  eventId: string | null;
  receivedAtMs: number;
  format: "json" | "form";
  payload: string;
  status: EventStatus;
  attempts: number;
  stepsDone: number;
  /** The GHL contact it touched. */
  contactId: string | null;
  /** `matched`: a contact the bridge knew, with nothing to write but its follow-ups (a delivery receipt). */
  action: "created" | "updated" | "matched" | null;
  error: string | null;
  /** Why it is parked, as a code: dead letters group by it (absent on older records). */
  reasonCode?: ParkCode;
  ghlCalls: number;
  warnings: string[];
  updatedAtMs: number;
  /** The mapping the last attempt ran the payload through. */
  mapping?: { kind: "saved" } | { kind: "builtin"; template: string };
  /** The GHL requests sent (the last 20), oldest first, with GHL's answer. */
  ghlRequests?: GhlRequestLog[];
}
export interface GhlRequestLog {
  step: RequestKind;
  method: HttpMethod;
  /** Path and query, without the host. */
  path: string;
  /** None when no answer came. */
  status: number | null;
  /** What went wrong, in GHL's words where it gave some. */
  message: string | null;
  atMs: number;
}
export interface GhlEventEntry {
  webhookId: string;
  type: string;
  contactId: string | null;
  receivedAtMs: number;
  /** `recorded` (a change made in GHL) or `echo` (of the bridge's own write). */
  outcome: "recorded" | "echo";
  /** Its sync to Spot-Hit and Specter, when rules apply. */
  sync?: OutboundState;
}
export interface OutboundState {
  status: EventStatus;
  attempts: number;
  /** What the rules made of the event: `{because, kind, ...}` per action. */
  plan: Array<{ because: string; kind: "spotHitJoinGroup" | "spotHitLeaveGroupManually" | "spotHitSms" | "specterAddToList" | "skipped"; [field: string]: unknown }> | null;
  stepsDone: number;
  /** One line per action done. */
  results: string[];
  error: string | null;
  reasonCode?: ParkCode;
  updatedAtMs: number;
}
/** Why an event was parked (core `ParkCode`). */
export type ParkCode = "badPayload" | "invalidConfiguration" | "identityConflict" | "unknownCustomField" | "ghlRefused" | "appRefused" | "gaveUp" | "other";
export interface SpecterSourceReport {
  source: string;
  fetched: number;
  queued: number;
  unchanged: number;
  withoutEmail: number;
  requests: number;
  creditsSpent: number;
  stopped: string | null;
}
export interface SpecterPollReport {
  sources: SpecterSourceReport[];
  /** The team's credits left, as Specter's last answer said. */
  creditsRemaining: number | null;
  /** The location's spending against its dailyCredits and monthlyCredits. */
  creditsSpentToday: number | null;
  creditsSpentThisMonth: number | null;
  note: string | null;
}
/** What `erase` removed; the number keeps its opt-out when it had one. */
export interface Erasure {
  contactIds: string[];
  events: number;
  ghlEvents: number;
  identityKeys: number;
  contacts: number;
  other: number;
  keptOptOut: string | null;
}
/** A GHL workflow's use of one of the app's triggers at the location. */
export interface TriggerSubscription {
  id: string;
  key: "spothit_reply_received" | "spothit_stop_received" | "spothit_delivery_failed" | "specter_new_person" | "bridge_lead_received" | "bridge_event_parked";
  filters: { field: string; operator?: string | null; value: unknown }[];
  targetUrl: string;
  workflowId?: string;
  /** False once GHL answered that the workflow is inactive. */
  active: boolean;
  /** Fires GHL accepted (each billed to the sub-account by GHL). */
  fires: number;
  updatedAtMs: number;
}
/** The bridge as a location's SMS provider in GHL's Conversations. */
export interface ConversationProviderSettings {
  enabled: boolean;
  /** Spot-Hit's sender (at most 11 characters); the account's default when absent. */
  sender?: string;
  /** What a reply becomes: a conversation message, that and the note and task, or only those. */
  replies: "conversation" | "conversationAndTask" | "noteAndTask";
}
/** One message GHL handed to the bridge, from GHL's call to its last status. */
export interface MessageJourney {
  messageId: string;
  contactId: string;
  phone: string;
  receivedAtMs: number;
  statusUrl?: string;
  spothitId?: string;
  state: "received" | "sent" | "refused" | "pending" | "delivered" | "failed";
  /** The last status GHL accepted. */
  reported?: "pending" | "delivered" | "failed" | "read";
  /** Why it failed or was refused, in Spot-Hit's or the bridge's words. */
  error?: string;
  /** A refusal's code, as GHL's status got it (`opted_out`, `spothit-6`). */
  errorCode?: string;
  steps: { atMs: number; what: string }[];
  /** The workflow whose action sent it (no GHL message then). */
  workflowId?: string;
}
export interface GhlConnection {
  connected: boolean;
  via?: "GHL_TOKEN" | "oauth";
  refreshed?: boolean;
  reason?: string;
  retryable?: boolean;
}
export interface Accepted {
  status: "queued" | "duplicate";
  eventId: string;
  outcome?: EventStatus;
}
/** A rejected BridgeClient call: the Worker's error code and message. */
export interface BridgeError extends Error {
  /** `bad_token`, `invalid_mapping`, `not_found`, ... (absent when unreachable). */
  code?: string;
  status?: number;
  /** For `invalid_mapping`: every error with its line. */
  details?: MappingError[];
}

/** A page of events, newest first. */
export interface EventPage {
  events: EventRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** What a location's storage holds. */
export interface StorageReport {
  /** The SQLite database's size. */
  bytes: number;
  events: number;
  /** Events whose payload is still kept. */
  payloads: number;
  ghlEvents: number;
  identityKeys: number;
  otherRows: number;
}

/** Events of one hour (or a span), by what became of them. */
export interface SeriesPoint {
  atMs: number;
  /** Done at the first attempt. */
  done: number;
  /** Done after retries. */
  retried: number;
  parked: number;
  ignored: number;
  pending: number;
  ghlCalls: number;
}
export type AlertCondition = "eventParked" | "ghlDisconnected" | "specterCreditsLow" | "errorRate" | "dailyAllowanceLow" | "sourceSilent" | "optOutInSpotHitGroup" | "specterBudgetSpent" | "test";
/** GHL's daily allowance for a location, as its last answer at `atMs` said. */
export interface DailyAllowance {
  remaining: number;
  limit: number;
  atMs: number;
}
export interface LocationHealth {
  locationId: string;
  sinceMs: number;
  totals: SeriesPoint;
  /** Oldest first; hours without events are left out. */
  hourly: SeriesPoint[];
  /** Dead letters of all time. */
  parked: number;
  lastEventAtMs: number | null;
  ghlCallsLastHour: number;
  ghlDaily: DailyAllowance | null;
  alertsFiring: AlertCondition[];
}
export interface AlertsAnswer {
  webhookUrl: string | null;
  format: "slack" | "standardWebhooks" | null;
  signingSecretLast4: string | null;
  signingSecret?: string;
  specterCreditsFloor: number | null;
  errorRatePercent: number | null;
  /** Expected intervals by source id, in minutes. */
  silentAfterMinutes: Record<string, number>;
  firing: AlertCondition[];
  recent: { condition: AlertCondition; state: "firing" | "resolved"; atMs: number; message: string; status: number | null }[];
}

/** A custom field of a location, as GHL lists it. */
export interface CustomField {
  id: string;
  name: string;
  /** `contact.utm_source`. */
  fieldKey: string;
  dataType: string;
  picklistOptions?: string[];
}

/** One location the deployment serves. */
export interface LocationEntry {
  id: string;
  name: string;
  /** The bridge can call GHL for it. */
  connected: boolean;
  auth: "oauth" | "token" | "none";
  /** The agency it was bulk-installed from. */
  companyId?: string;
}
/** Rust: `admin_api::LocationWithHealth`. */
export interface LocationWithHealth extends LocationEntry {
  health?: LocationHealth;
  /** Why this location's health could not be read (the others still are). */
  healthError?: string;
}
export interface LocationUpdate {
  name?: string;
  /** A private-integration token (never answered back). */
  ghlToken?: string;
  phoneRegion?: string;
  timezone?: string;
}
export interface SourceUpdate {
  kind: "form";
  /** `whsec_...`; generated and answered once when absent. */
  signingSecret?: string;
  /** The mapping document; the web-form template when absent. */
  mapping?: string;
  /** A new secret (answered once); the current one keeps verifying beside it until `dropPreviousSecret`. */
  rotateSecret?: boolean;
  /** Ends a rotation: only the new secret verifies. */
  dropPreviousSecret?: boolean;
}
export interface SourceAnswer {
  sourceId: string;
  locationId: string;
  kind: "form";
  /** Where the source posts: `/v1/hooks/forms/{sourceId}`. */
  urlPath: string;
  signingSecretLast4: string;
  /** During a rotation: the last four of the secret still accepted beside. */
  previousSecretLast4?: string;
  /** Only in the answer that generated it. */
  signingSecret?: string;
  mapping: string | null;
}
export type Service = "spothit" | "specter";
export interface ConnectionAnswer {
  service: Service;
  connected: boolean;
  apiKeyLast4?: string;
  /** Spot-Hit, when connecting: the URLs to paste into Spot-Hit. */
  callbackUrls?: { status: string; reply: string; stop: string };
  /** Spot-Hit: the end of the callback URLs' token. */
  pathTokenLast4?: string;
  /** With `check: true`: what the account has left, as the service said. */
  credits?: { remaining: number | null; limit?: number; unit: string };
}
export interface UnknownLocation {
  locationId: string;
  events: number;
  lastAtMs: number;
}

/** A typed client of a ghl-bridge Worker's admin API. Rejects with a BridgeError. */
export class BridgeClient {
  /** Throws if the URL is not http(s) or the token is empty. */
  constructor(baseUrl: string, adminToken: string);
  /** The same Worker and token for one location: every per-location call then
   * uses `/v1/admin/locations/{locationId}/...` (unset: the default location). */
  forLocation(locationId: string): BridgeClient;
  readonly locationId: string | undefined;
  /** Every location (operator token only); with `healthHours`, each with its
   * health over those hours, read side by side by the Worker in one request. */
  locations(): Promise<{ locations: LocationEntry[] }>;
  locations(healthHours: number): Promise<{ locations: LocationWithHealth[] }>;
  /** GHL webhooks for locations nobody installed, counted (operator token only). */
  unknownLocations(): Promise<{ locations: UnknownLocation[] }>;
  /** The calls below need `forLocation` first. */
  updateLocation(change: LocationUpdate): Promise<LocationEntry>;
  /** A source id held by another location rejects with `source_taken` (409). */
  putSource(sourceId: string, source: SourceUpdate): Promise<SourceAnswer>;
  getSource(sourceId: string): Promise<SourceAnswer>;
  /** The location's form sources (their secrets' last four only). */
  sources(): Promise<{ sources: SourceAnswer[] }>;
  deleteSource(sourceId: string): Promise<{ sourceId: string; deleted: boolean }>;
  /** A token that sees only this location (operator token only), shown once. */
  mintLocationToken(): Promise<{ token: string }>;
  connections(): Promise<{ spothit: ConnectionAnswer; specter: ConnectionAnswer }>;
  /** `check`: the key is tried first with a free call (422 with the service's words if refused), and the credits answered. */
  connect(service: Service, change: { apiKey: string; rotatePathToken?: boolean; check?: boolean }): Promise<ConnectionAnswer>;
  disconnect(service: Service): Promise<ConnectionAnswer>;
  events(limit?: number | null): Promise<EventPage>;
  /** One page, newest first; pass `nextCursor` back as `cursor` for the next. */
  /** `contact`: an e-mail or phone, normalised as the pipeline does; its events (written to its contact, or holding it in their payload). */
  eventsPage(query?: { status?: EventStatus; source?: string; contact?: string; limit?: number; cursor?: string } | null): Promise<EventPage>;
  /** The location's storage: rows and SQLite bytes. */
  storage(): Promise<StorageReport>;
  /** The location's health over the last `hours` (24; at most 168). */
  health(hours?: number | null): Promise<LocationHealth>;
  alerts(): Promise<AlertsAnswer>;
  /** A test alert to the destination; 409 without one. */
  testAlert(): Promise<{ sent: boolean; status: number | null }>;
  /** A generated signing secret is answered once, as `signingSecret`. */
  putAlerts(change: { webhookUrl: string; signingSecret?: string; specterCreditsFloor?: number; errorRatePercent?: number; silentAfterMinutes?: Record<string, number> }): Promise<AlertsAnswer>;
  /** The location's custom fields as GHL lists them (cached by the Worker for an hour). */
  customFields(): Promise<{ customFields: CustomField[] }>;
  deadLetters(): Promise<{ deadLetters: EventRecord[] }>;
  ghlEvents(): Promise<{ events: GhlEventEntry[] }>;
  replay(eventId: string): Promise<Accepted>;
  getMapping(sourceId: string): Promise<{ sourceId: string; mapping: string | null }>;
  putMapping(sourceId: string, mapping: string): Promise<{ sourceId: string; saved: boolean }>;
  deleteMapping(sourceId: string): Promise<{ sourceId: string; deleted: boolean; now: string }>;
  /** Synced to GHL for real, as if `sourceId` had sent it. */
  sendTestEvent(sourceId: string, payload: string, format: "json" | "form"): Promise<Accepted>;
  getSyncRules(): Promise<{ rules: string | null; from: "admin" | "SYNC_RULES" | null }>;
  /** Refused (422) with where the problem is when invalid. */
  putSyncRules(rules: string): Promise<{ saved: boolean }>;
  replayGhlEvent(webhookId: string): Promise<{ status: "queued"; webhookId: string }>;
  pollSpecter(): Promise<SpecterPollReport>;
  /** What the location spent on Specter and its budgets (sync rules' `dailyCredits`, `monthlyCredits`). */
  specterBudget(): Promise<{ spentToday: number; dailyCredits: number; spentThisMonth: number; monthlyCredits: number | null; teamRemaining: number | null; outUntilMs: number | null }>;
  /** Forgets a person (GDPR erasure): by e-mail, phone or both. */
  erase(email?: string | null, phone?: string | null): Promise<Erasure>;
  /** The location's workflow trigger subscriptions, with their fires. */
  workflows(): Promise<{ subscriptions: TriggerSubscription[] }>;
  /** The messages GHL sent through the bridge as SMS provider, newest first. */
  messages(): Promise<{ messages: MessageJourney[] }>;
  conversationProvider(): Promise<ConversationProviderSettings>;
  /** Refused (422) when the sender is one Spot-Hit would refuse. */
  putConversationProvider(settings: string): Promise<ConversationProviderSettings>;
  sweep(olderThanMs?: number | null): Promise<{ inbound: string[]; ghl: string[] }>;
  ghlConnection(): Promise<GhlConnection>;
  free(): void;
}
