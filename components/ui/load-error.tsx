"use client";

import { Code, Flex, Text } from "@radix-ui/themes";

import { ApiError, describeError } from "@/components/data/api";
import { CopyButton } from "./copy-field";
import { ErrorCallout } from "./error-callout";

/**
 * A failed request, said in a Callout: `what` could not be loaded (or saved, created: `verb`), or (`what` null)
 * the problem's own words. When the server answered a problem, its trace id follows with a copy button, so the
 * person can hand operators the one id that finds the request's spans and log lines (issue 7); without a trace
 * id (tracing off and no caller's traceparent) the request id does the same for the log.
 */
export function LoadError({ error, what, verb = "loaded" }: { error: unknown; what: string | null; verb?: string }) {
  const { title, detail } = describeError(error);
  const reference = referenceOf(error);
  return (
    <ErrorCallout
      more={
        reference && (
          <Flex align="center" gap="2" wrap="wrap">
            <Text size="1">{reference.label}</Text>
            <Code size="1" variant="ghost" style={{ wordBreak: "break-all" }}>
              {reference.value}
            </Code>
            <CopyButton label={reference.label} value={reference.value} />
          </Flex>
        )
      }
    >
      {what ? `${what} could not be ${verb}: ` : ""}
      {title}
      {detail ? ` (${detail})` : ""}
    </ErrorCallout>
  );
}

function referenceOf(error: unknown): { label: string; value: string } | null {
  if (!(error instanceof ApiError)) return null;
  if (error.traceId) return { label: "Trace id", value: error.traceId };
  if (error.requestId) return { label: "Request id", value: error.requestId };
  return null;
}
