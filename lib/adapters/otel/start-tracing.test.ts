import { afterEach, describe, expect, it, vi } from "vitest";

import { defaultSampler, exportingProcessors, isDisabled } from "./start-tracing";

describe("tracing's defaults (issue 8)", () => {
  it("samples 10 % of new traces, and whatever the caller decided for continued ones, when OTEL_TRACES_SAMPLER is unset", () => {
    expect(defaultSampler({})?.toString()).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0\.1\}, /);
  });

  it("takes the ratio from OTEL_TRACES_SAMPLER_ARG", () => {
    expect(defaultSampler({ OTEL_TRACES_SAMPLER_ARG: "0.5" })?.toString()).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0\.5\}, /);
  });

  it("leaves the sampler to the SDK when OTEL_TRACES_SAMPLER names one", () => {
    expect(defaultSampler({ OTEL_TRACES_SAMPLER: "always_on", OTEL_TRACES_SAMPLER_ARG: "0.5" })).toBeUndefined();
  });

  it.each(["1.5", "-0.1", "ten percent"])("refuses OTEL_TRACES_SAMPLER_ARG=%s, naming the variable", (value) => {
    expect(() => defaultSampler({ OTEL_TRACES_SAMPLER_ARG: value })).toThrow(/OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1/);
  });

  it.each([
    ["true", true],
    ["TRUE ", true],
    ["false", false],
    ["1", false],
    [undefined, false],
  ])("reads OTEL_SDK_DISABLED=%s as %s, as the specification does", (value, disabled) => {
    expect(isDisabled({ OTEL_SDK_DISABLED: value })).toBe(disabled);
  });
});

describe("which exporter /ready's traceExport check watches (issue 17)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    [undefined, undefined],
    ["otlp", "http/protobuf"],
    ["otlp", "http/json"],
    [" otlp ", "grpc"],
  ])("OTEL_TRACES_EXPORTER=%s, protocol %s: one batch processor around the OTLP exporter, watched", async (exporter, protocol) => {
    if (exporter !== undefined) vi.stubEnv("OTEL_TRACES_EXPORTER", exporter);
    if (protocol !== undefined) vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);

    const { processors, watch } = exportingProcessors();

    expect(processors.map((processor) => processor.constructor.name)).toEqual(["BatchSpanProcessor"]);
    expect(watch?.failingSince()).toBeNull();
    await Promise.all(processors.map((processor) => processor.shutdown()));
  });

  it.each(["console", "otlp,console", "none"])("OTEL_TRACES_EXPORTER=%s: the SDK's own processors, not watched", async (exporter) => {
    vi.stubEnv("OTEL_TRACES_EXPORTER", exporter);

    const { processors, watch } = exportingProcessors();

    expect(watch).toBeUndefined();
    expect(processors.length).toBe(exporter === "none" ? 0 : exporter.split(",").length);
    await Promise.all(processors.map((processor) => processor.shutdown()));
  });
});
