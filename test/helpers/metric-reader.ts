/** An OpenTelemetry SDK metric reader that the otel tests collect on demand. */
import { MetricReader } from "@opentelemetry/sdk-metrics";

export class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
