/**
 * The OpenTelemetry SDK as an app would register it, with in-memory exporters: every span ends up
 * in `spans()`, every metric in `collect()`. Plus a minimal AsyncLocalStorage context manager (the
 * real one lives in @opentelemetry/context-async-hooks), so that spans started inside an
 * operation (an adapter's) see the operation's span as their parent.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, metrics, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';

class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A) {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }

  bind<T>(_ctx: Context, target: T): T {
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

export interface TestSdk {
  /** Every span ended so far. */
  spans(): ReadableSpan[];
  /** The metrics recorded so far (cumulative), by name. */
  collect(): Promise<Map<string, MetricData>>;
  /** Forgets the spans and starts the metrics from zero. */
  reset(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Registers a tracer provider and a meter provider globally, as an app's SDK setup does. */
export function registerTestSdk(options: { sampler?: Sampler } = {}): TestSdk {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  let spanExporter = new InMemorySpanExporter();
  let tracerProvider: BasicTracerProvider;
  let metricExporter: InMemoryMetricExporter;
  let reader: PeriodicExportingMetricReader;
  let meterProvider: MeterProvider;

  function start(): void {
    spanExporter = new InMemorySpanExporter();
    tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spanExporter)],
      ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
    });
    metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    meterProvider = new MeterProvider({ readers: [reader] });
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  }

  async function stop(): Promise<void> {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    trace.disable();
    metrics.disable();
  }

  start();
  return {
    spans: () => spanExporter.getFinishedSpans(),
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    async reset() {
      await stop();
      start();
    },
    async shutdown() {
      await stop();
      context.disable();
    },
  };
}

/** The data points of a metric whose attributes include `match`. */
export function pointsWhere<T = number>(metric: MetricData | undefined, match: Record<string, unknown>): Array<DataPoint<T>> {
  const points = (metric?.dataPoints ?? []) as Array<DataPoint<T>>;
  return points.filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
}

/** The sum of a counter's points whose attributes include `match`. */
export function counted(metric: MetricData | undefined, match: Record<string, unknown>): number {
  return pointsWhere<number>(metric, match).reduce((sum, p) => sum + p.value, 0);
}

/** Count and sum of a histogram's points whose attributes include `match`. */
export function histogram(metric: MetricData | undefined, match: Record<string, unknown>): { count: number; sum: number } {
  return pointsWhere<Histogram>(metric, match).reduce(
    (acc, p) => ({ count: acc.count + p.value.count, sum: acc.sum + (p.value.sum ?? 0) }),
    {
      count: 0,
      sum: 0,
    },
  );
}
