import { context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";

import type { UnitOfWork } from "../../ports/unit-of-work";

/**
 * A unit of work whose spans are not recorded: for background work that runs every second whether or not anything
 * happens (the event relay's polls), which would otherwise be most of what a trace backend receives, and would
 * keep a replica that is out of rotation making traces. Its metrics say how it does.
 */
export function withoutTracing(inner: UnitOfWork): UnitOfWork {
  return {
    run: (work, options) => context.with(suppressTracing(context.active()), () => inner.run(work, options)),
    read: (work, options) => context.with(suppressTracing(context.active()), () => inner.read(work, options)),
  };
}
