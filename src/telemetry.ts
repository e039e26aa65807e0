/**
 * OpenTelemetry: a span per WOPI operation and a few metrics, through `@opentelemetry/api`, an
 * optional peer dependency loaded the first time a request needs it. Without the package, or
 * without an SDK registered in the app, nothing is recorded and a request pays for one no-op span
 * (made and dropped by the API) and a few comparisons: no attributes are built, no clock is read.
 *
 * Spans and metrics carry the operation, the file or container ID, the status and the lock
 * outcome; never the access token, the query string or a lock ID. See docs/debugging.md.
 */
import type * as Otel from '@opentelemetry/api';
import { WopiError, type ProofKeyError } from './errors';

type OtelApi = typeof Otel;

const INSTRUMENTATION = 'express-wopi';

/** How an operation's lock request ended: the `wopi.lock.outcome` span attribute. */
export type WopiLockOutcomeAttribute = 'locked' | 'relocked' | 'refreshed' | 'unlocked' | 'conflict';

/** What the URL's ID names, for the span's `wopi.file_id` / `wopi.container_id`. */
export interface ObservedTarget {
  resource: 'file' | 'container' | 'ecosystem';
  id: string;
}

/** What the router needs of the response to end a span: the status sent, or about to be. */
interface ResponseState {
  statusCode: number;
  headersSent: boolean;
}

/**
 * One WOPI operation being observed: its span (when the SDK records it) and its metrics (when a
 * meter provider is registered). Made by {@link observeOperation} only when one of them is on.
 */
export interface OperationObservation {
  /** Runs the operation inside the span's context, then ends the span and records the metrics. */
  around(res: ResponseState, run: () => Promise<void>): Promise<void>;
  /** `wopi.lock.outcome` on the span. */
  lockOutcome(outcome: WopiLockOutcomeAttribute): void;
  /** A refused lock: `wopi.lock.outcome = conflict` and the `wopi.lock.conflicts` counter. */
  lockConflict(operation: string): void;
  /** New content stored: `wopi.save.size` on the span and in the histogram. */
  saved(operation: string, bytes: number): void;
}

interface Instruments {
  operations: Otel.Counter;
  duration: Otel.Histogram;
  saveSize: Otel.Histogram;
  lockConflicts: Otel.Counter;
  proofFailures: Otel.Counter;
}

/** The API module, `null` when it is not installed; `undefined` until first asked for. */
let api: OtelApi | null | undefined;
/** The tracer, for the tracer provider it came from (the API's proxy, until `trace.disable()`). */
let tracerCache: { provider: Otel.TracerProvider; tracer: Otel.Tracer } | undefined;
/** The instruments, for the meter provider they came from; `undefined` instruments while it is the no-op one. */
let meterCache: { provider: Otel.MeterProvider; instruments: Instruments | undefined } | undefined;

function loadApi(): OtelApi | null {
  if (api === undefined) {
    try {
      api = require('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
  }
  return api;
}

function libraryVersion(): string | undefined {
  try {
    return (require('../package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function tracer(otel: OtelApi): Otel.Tracer {
  const provider = otel.trace.getTracerProvider();
  if (tracerCache?.provider !== provider) tracerCache = { provider, tracer: provider.getTracer(INSTRUMENTATION, libraryVersion()) };
  return tracerCache.tracer;
}

/**
 * The instruments of the registered meter provider, made once per provider; `undefined` while
 * none is registered. (Unlike tracers, the API has no proxy for meters: a meter taken before the
 * SDK registers would stay a no-op, so the provider is looked at on each request.)
 */
function instruments(otel: OtelApi): Instruments | undefined {
  const provider = otel.metrics.getMeterProvider();
  if (meterCache?.provider !== provider) {
    const meter = provider.getMeter(INSTRUMENTATION, libraryVersion());
    meterCache = { provider, instruments: meter === otel.createNoopMeter() ? undefined : createInstruments(meter) };
  }
  return meterCache.instruments;
}

const DURATION_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];
const SIZE_BUCKETS_BYTES = [0, 1024, 10_240, 102_400, 1_048_576, 5_242_880, 10_485_760, 52_428_800, 104_857_600, 524_288_000];

function createInstruments(meter: Otel.Meter): Instruments {
  return {
    operations: meter.createCounter('wopi.operations', {
      description: 'WOPI operations answered, by operation and HTTP status',
      unit: '{operation}',
    }),
    duration: meter.createHistogram('wopi.operation.duration', {
      description: 'Time from choosing the operation to the end of its response, by operation and HTTP status',
      unit: 'ms',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
    }),
    saveSize: meter.createHistogram('wopi.save.size', {
      description: 'Size of the content stored by PutFile, PutRelativeFile and CreateChildFile',
      unit: 'By',
      advice: { explicitBucketBoundaries: SIZE_BUCKETS_BYTES },
    }),
    lockConflicts: meter.createCounter('wopi.lock.conflicts', {
      description: 'Requests refused with 409 because of a lock, by operation',
      unit: '{conflict}',
    }),
    proofFailures: meter.createCounter('wopi.proof.failures', {
      description: 'Requests refused because their proof-key signature did not verify, by reason',
      unit: '{failure}',
    }),
  };
}

/**
 * Starts observing one operation, or returns `undefined` when there is nothing to record it with
 * (no `@opentelemetry/api`, or no SDK: a non-recording span and the no-op meter).
 */
export function observeOperation(operation: string, target: ObservedTarget, method: string): OperationObservation | undefined {
  const otel = api === undefined ? loadApi() : api;
  if (otel === null) return undefined;
  const span = tracer(otel).startSpan(`WOPI ${operation}`, SPAN_OPTIONS);
  const metrics = instruments(otel);
  const recording = span.isRecording();
  if (!recording && metrics === undefined) return undefined;
  if (recording) {
    span.setAttribute('wopi.operation', operation);
    if (target.resource === 'file') span.setAttribute('wopi.file_id', target.id);
    else if (target.resource === 'container') span.setAttribute('wopi.container_id', target.id);
    span.setAttribute('http.request.method', method);
  }
  return new Observation(otel, operation, recording ? span : undefined, metrics);
}

/** Internal: the span describes work inside the HTTP server span an instrumentation may have made. */
const SPAN_OPTIONS: Otel.SpanOptions = { kind: 0 /* SpanKind.INTERNAL */ };

class Observation implements OperationObservation {
  private readonly started: number;

  constructor(
    private readonly otel: OtelApi,
    private readonly operation: string,
    private readonly span: Otel.Span | undefined,
    private readonly metrics: Instruments | undefined,
  ) {
    this.started = metrics === undefined ? 0 : performance.now();
  }

  async around(res: ResponseState, run: () => Promise<void>): Promise<void> {
    const { otel, span } = this;
    try {
      await (span === undefined ? run() : otel.context.with(otel.trace.setSpan(otel.context.active(), span), run));
    } catch (err) {
      this.end(res.headersSent ? res.statusCode : statusOf(err), err);
      throw err;
    }
    this.end(res.statusCode, undefined);
  }

  lockOutcome(outcome: WopiLockOutcomeAttribute): void {
    this.span?.setAttribute('wopi.lock.outcome', outcome);
  }

  lockConflict(operation: string): void {
    this.lockOutcome('conflict');
    this.metrics?.lockConflicts.add(1, { 'wopi.operation': operation });
  }

  saved(operation: string, bytes: number): void {
    this.span?.setAttribute('wopi.save.size', bytes);
    this.metrics?.saveSize.record(bytes, { 'wopi.operation': operation });
  }

  private end(status: number, err: unknown): void {
    const wopiError = WopiError.is(err) ? err : undefined;
    const { span, metrics } = this;
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (wopiError !== undefined) span.setAttribute('wopi.error.code', wopiError.code);
      if (status >= 500) {
        // Server faults only: a 4xx (a conflict, a bad token) is the protocol working.
        span.setStatus({ code: this.otel.SpanStatusCode.ERROR, message: wopiError?.code ?? 'Internal Server Error' });
        if (err instanceof Error) span.recordException(err);
      }
      span.end();
    }
    if (metrics !== undefined) {
      const attributes = { 'wopi.operation': this.operation, 'http.response.status_code': status };
      metrics.operations.add(1, attributes);
      metrics.duration.record(performance.now() - this.started, attributes);
      if (WopiError.is(err, 'WOPI_PROOF_INVALID')) {
        metrics.proofFailures.add(1, { 'wopi.operation': this.operation, 'wopi.proof.reason': (err as ProofKeyError).reason });
      }
    }
  }
}

/** The status the router answers an error with (as `sendError` does). */
function statusOf(err: unknown): number {
  return WopiError.is(err) ? err.status : 500;
}
