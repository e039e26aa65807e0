import type { Request } from 'express';
import type { Readable } from 'node:stream';
import type { WopiUser } from './adapters/auth';
import type { ResolvedWopiOptions } from './options';
import type { Logger } from './log';
import type { OperationObservation } from './telemetry';
import { readHeader } from './protocol/headers';

/** Everything an operation needs about one request; built once by the router. */
export interface WopiContext {
  req: Request;
  /** The file ID from the URL (`''` on container and ecosystem URLs). */
  fileId: string;
  /** The container ID from the URL (`''` on file and ecosystem URLs). */
  containerId: string;
  /** The caller, as the auth adapter resolved the access token. */
  user: WopiUser;
  options: ResolvedWopiOptions;
  /** Per-request logger (`express-wopi:op:<operation>:<request id>`). */
  log: Logger;
  /** Aborted when the client disconnects before the response is complete. */
  signal: AbortSignal;
  /** A request header by its WOPI name, or `undefined` when absent. */
  header(name: string): string | undefined;
  /** The WOPI operation running (`PutFile`, …), as events and spans name it. */
  operation: string;
  /** The request's id in the debug logs (`express-wopi:router:<id>`). */
  requestId: string;
  /** The operation's span and metrics; `undefined` when OpenTelemetry records nothing. */
  observation: OperationObservation | undefined;
}

/** Which operation a context runs, for events and telemetry. */
export interface WopiRun {
  operation: string;
  requestId: string;
  observation: OperationObservation | undefined;
}

/** What an operation answers; the router writes it to the response. */
export interface WopiResult {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** A binary body, streamed to the client; `contentLength` is its exact size. */
  stream?: Readable;
  /**
   * The exact size of `stream`. Without a `stream`, the answer to a `HEAD`: the router sends the
   * headers a binary body would have (`Content-Type`, `Content-Length`) and no body.
   */
  contentLength?: number;
}

export function createContext(
  req: Request,
  target: { fileId: string; containerId: string },
  user: WopiUser,
  options: ResolvedWopiOptions,
  logger: Logger,
  signal: () => AbortSignal,
  run: WopiRun,
): WopiContext {
  return new RequestContext(req, target, user, options, logger, signal, run);
}

/**
 * A class rather than an object literal with a getter: one shape shared by every request, its
 * getter and method on the prototype (a literal with an accessor is built slowly, per request).
 */
class RequestContext implements WopiContext {
  readonly fileId: string;
  readonly containerId: string;
  readonly operation: string;
  readonly requestId: string;
  readonly observation: OperationObservation | undefined;

  constructor(
    readonly req: Request,
    target: { fileId: string; containerId: string },
    readonly user: WopiUser,
    readonly options: ResolvedWopiOptions,
    readonly log: Logger,
    private readonly makeSignal: () => AbortSignal,
    run: WopiRun,
  ) {
    this.fileId = target.fileId;
    this.containerId = target.containerId;
    this.operation = run.operation;
    this.requestId = run.requestId;
    this.observation = run.observation;
  }

  // Made on first use: only the operations that read a body need one.
  get signal(): AbortSignal {
    return this.makeSignal();
  }

  header(name: string): string | undefined {
    return readHeader(this.req.headers, name);
  }
}
