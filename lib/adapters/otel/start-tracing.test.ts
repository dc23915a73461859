import { describe, expect, it } from "vitest";

import { defaultSampler, isDisabled } from "./start-tracing";

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
